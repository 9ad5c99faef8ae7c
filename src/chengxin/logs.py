"""Structured logs (one JSON object a line) that never carry an ID number or a name.

Code logs subject ids and masked values only; as a second line of defence every message and
extra passes through a filter that masks anything shaped like a citizen ID number or USCC.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
from typing import Any

from chengxin.identity.masking import mask_id_number

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# ID numbers (17 digits and a check digit or X, or 15 legacy digits) and USCCs (authority and
# category, six region digits, ten more characters), not inside longer tokens.
_ID_SHAPED = re.compile(
    r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15}|[0-9A-Y]{2}\d{6}[0-9A-Z]{10})(?![0-9A-Za-z])",
    re.ASCII,
)
# Record attributes that are not extras; uvicorn's color_message repeats msg with escape codes.
_STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {
    "message",
    "asctime",
    "color_message",
}


def redact(text: str) -> str:
    return _ID_SHAPED.sub(lambda m: mask_id_number(m.group(0)), text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        rid = request_id.get()
        if rid:
            body["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                body[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info and record.exc_info[0] is not None:
            body["error"] = record.exc_info[0].__name__
        return json.dumps(body, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: str, *, as_json: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if as_json else PlainFormatter("%(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's access log repeats what our request log says, with raw query strings.
    logging.getLogger("uvicorn.access").disabled = True
