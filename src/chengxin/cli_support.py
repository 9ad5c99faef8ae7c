"""Small helpers shared by the domain CLIs: the runtime, JSON output, stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

from chengxin.runtime import Runtime
from chengxin.settings import load_settings


def runtime() -> Runtime:
    return Runtime(load_settings())


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def err(message: str) -> None:
    sys.stderr.write(message + "\n")
