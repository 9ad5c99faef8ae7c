"""Signs a checkpoint every few seconds while entries arrive, in a thread of the serving process.

Several processes may run one each: `sign_checkpoint` skips a size already signed."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import SQLAlchemyError

from chengxin.errors import ChengxinError
from chengxin.ledger.service import sign_checkpoint
from chengxin.runtime import Runtime

log = logging.getLogger("chengxin.ledger")


class Checkpointer:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ledger-checkpointer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def sign_now(self) -> None:
        rt = self.runtime
        with rt.sessions() as session, session.begin():
            sign_checkpoint(session, rt.keys, rt.clock(), origin=rt.settings.ledger_origin)

    def _run(self) -> None:
        while not self._stop.wait(self.runtime.settings.checkpoint_seconds):
            try:
                self.sign_now()
            except (SQLAlchemyError, ChengxinError) as exc:  # keep trying: the database may return
                log.warning("checkpoint not signed: %s", type(exc).__name__)
            except Exception as exc:  # noqa: BLE001  (a dead thread would stop all checkpoints)
                log.error("checkpoint not signed: unexpected %s", type(exc).__name__)
