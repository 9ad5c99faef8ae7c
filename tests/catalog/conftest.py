"""Fixtures of the catalog tests."""

from __future__ import annotations

import pytest

from chengxin.catalog.loader import load_catalog
from chengxin.catalog.schema import Catalog


@pytest.fixture(scope="session")
def shipped() -> Catalog:
    return load_catalog()
