"""Hypothesis settings for the property tests of the pure rule modules.

The `chengxin` profile keeps the folder fast and repeatable: a bounded number of examples, no
per-example deadline (a loaded CI machine must not fail a correct rule), examples derived from
each test's name rather than a random seed (both xdist workers, and every run, try the same
ones), and no example database on disk. `CHENGXIN_HYPOTHESIS_PROFILE=thorough` tries many more
examples, for a hunt by hand.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "chengxin",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    parent=settings.get_profile("chengxin"),
    max_examples=5000,
    derandomize=False,  # new examples on every run
)
settings.load_profile(os.environ.get("CHENGXIN_HYPOTHESIS_PROFILE", "chengxin"))
