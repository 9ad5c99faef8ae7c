"""Backups of a node's database (SQLite or PostgreSQL) and their restore (`chengxin backup`,
`chengxin restore`). A backup is one tar file: a signed manifest and the database copy."""
