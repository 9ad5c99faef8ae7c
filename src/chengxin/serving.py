"""The app as each server worker process builds it: `chengxin serve --workers N` starts N
processes (uvicorn's supervisor spawns them), and each reads the same settings from the
environment, opens its own database pool and loads its own keys, catalog and measures."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from fastapi import FastAPI

from chengxin.app import create_app
from chengxin.logs import configure_logging
from chengxin.metrics.api import MULTIPROCESS_VARIABLE
from chengxin.runtime import Runtime
from chengxin.settings import Settings, load_settings


def worker_app() -> FastAPI:
    rt = Runtime(load_settings())
    configure_logging(rt.settings.log_level, as_json=rt.settings.log_json)
    return create_app(rt, background=False)  # the supervisor signs and sends


def share_metrics(settings: Settings) -> None:
    """Give the workers a folder for their request figures, so that a scrape of any worker
    counts the requests of all (`docs/operations.md#monitoring`): the operator's
    PROMETHEUS_MULTIPROC_DIR, or DATA_DIR/metrics-workers. Emptied first: figures of processes
    from an earlier start would be counted again. Called before the workers are spawned (they
    inherit the environment)."""
    folder = Path(os.environ.get(MULTIPROCESS_VARIABLE) or settings.data_dir / "metrics-workers")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700, parents=True)
    os.environ[MULTIPROCESS_VARIABLE] = str(folder)
