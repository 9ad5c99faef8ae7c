"""Consent (授权, R-3.4, R-5.3): a person allows one requester to query them for one purpose, over a
scope of items and for a period; every version is signed by the node and logged in the ledger."""
