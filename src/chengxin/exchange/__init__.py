"""Exchange with other nodes, the national node and agencies (R-5.1, R-5.2, R-5.5)."""
