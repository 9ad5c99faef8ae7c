"""Login throttling rules. Pure: the caller counts recent failures and passes them in."""

from __future__ import annotations

import datetime as dt

WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5  # a guessed password is tried at most 5 times per 15 minutes
MAX_FAILURES_PER_CLIENT = 20  # one address spraying many usernames


def window_start(now: dt.datetime) -> dt.datetime:
    return now - WINDOW


def login_blocked(*, user_failures: int, client_failures: int) -> bool:
    return user_failures >= MAX_FAILURES_PER_USER or client_failures >= MAX_FAILURES_PER_CLIENT
