"""The collection tests' catalog and file fixtures, for the expiry tests."""

from tests.collection.conftest import catalog, penalties

__all__ = ["catalog", "penalties"]
