"""The app as each server worker process builds it: `chengxin serve --workers N` starts N
processes (uvicorn's supervisor spawns them), and each reads the same settings from the
environment, opens its own database pool and loads its own keys, catalog and measures."""

from __future__ import annotations

from fastapi import FastAPI

from chengxin.app import create_app
from chengxin.logs import configure_logging
from chengxin.runtime import Runtime
from chengxin.settings import load_settings


def worker_app() -> FastAPI:
    rt = Runtime(load_settings())
    configure_logging(rt.settings.log_level, as_json=rt.settings.log_json)
    return create_app(rt)
