"""Small helpers shared by the domain CLIs: the runtime, JSON output, stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

from chengxin.runtime import Runtime
from chengxin.settings import load_settings


def runtime() -> Runtime:
    return Runtime(load_settings())


def _plain(value: Any) -> Any:
    # Dates and times as ISO 8601 (as the API writes them); UUIDs, enums, decimals as text.
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=_plain) + "\n")


def err(message: str) -> None:
    sys.stderr.write(message + "\n")
