"""Collection (归集): sources, batch and API ingestion, receipts, data quality (R-2.2 to R-2.7)."""
