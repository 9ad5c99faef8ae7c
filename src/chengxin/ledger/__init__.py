"""The tamper-evident ledger: an RFC 9162 Merkle log with signed checkpoints (R-3.3)."""
