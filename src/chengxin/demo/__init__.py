"""Synthetic demonstration data: valid identities, organisations, links and occupations."""
