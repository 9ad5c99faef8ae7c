"""The requester API tests share the consent tests' app fixture."""

from tests.consents.conftest import api  # noqa: F401  (the fixture, re-exported for pytest)
