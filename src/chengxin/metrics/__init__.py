"""Prometheus metrics at `/metrics` (issue 10): request latency per route template, and figures
read from the database at scrape time (ingestion, queues, overdue deadlines, the ledger)."""
