"""Issue H (R-5.2): two real nodes on loopback, each `chengxin serve` with its own data folder and
key file, introduced to each other by their operators' commands, talk in both directions with
signed requests and signed answers; a package reaches the other's inbox; a replay is refused."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx2
import pytest

from chengxin.exchange import signing
from chengxin.exchange.client import NodeClient
from chengxin.exchange.inbox import inbox_of, package_bytes
from chengxin.exchange.nodes import get_peer
from chengxin.exchange.packages import pack
from chengxin.runtime import Runtime
from chengxin.settings import load_settings
from tests.exchange.examples import EXAMPLES

START_SECONDS = 60.0  # three processes start at once on two busy cores
T = TypeVar("T")


class Served:
    """One node: its folder, environment and port; its CLI as a real process."""

    def __init__(self, tmp: Path, region: str) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.code, self.url = f"CN-{region}", f"http://127.0.0.1:{self.port}"
        self.data = tmp / self.code
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CHENGXIN_")} | {
            "CHENGXIN_DATA_DIR": str(self.data), "CHENGXIN_REGION_CODE": region,
            "CHENGXIN_NODE_URL": self.url, "CHENGXIN_RUN_JOBS": "false",
            "CHENGXIN_LOG_JSON": "false", "CHENGXIN_CHECKPOINT_SECONDS": "3600",
        }  # fmt: skip

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "chengxin.cli", *args], env=self.env,
                              capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
        assert done.returncode == 0, f"{self.code}: chengxin {' '.join(args)}: {done.stderr}"
        return done.stdout

    def runtime(self) -> Runtime:
        return Runtime(load_settings({k: v for k, v in self.env.items() if "CHENGXIN_" in k}))


def both(first: Callable[[], T], second: Callable[[], T]) -> tuple[T, T]:
    """Run the two operators' steps at the same time (the suite's time budget is tight)."""
    with ThreadPoolExecutor(2) as pool:
        one, two = pool.submit(first), pool.submit(second)
        return one.result(), two.result()


@contextmanager
def serving(node: Served, *options: str) -> Iterator[subprocess.Popen[bytes]]:
    """`chengxin serve` (with `options`) until it answers /healthz; stopped afterwards."""
    with (node.data / "serve.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "chengxin.cli", "serve", "--port", str(node.port), *options],
            env=node.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + START_SECONDS
            while not _healthy(node):
                assert proc.poll() is None, (node.data / "serve.log").read_text()
                assert time.monotonic() < deadline, f"{node.code} did not start"
                time.sleep(0.1)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def _healthy(node: Served) -> bool:
    try:
        return httpx2.get(node.url + "/healthz", timeout=2).status_code == 200
    except httpx2.HTTPError:
        return False


def _setup(node: Served) -> dict[str, Any]:
    node.cli("init")
    node.cli("db", "upgrade")
    return dict(json.loads(node.cli("nodes", "self", "--json")))


def _introduce(node: Served, other: dict[str, Any]) -> str:
    return node.cli("nodes", "add", other["code"], "--role", other["role"], "--region",
                    other["region"], "--url", other["url"], "--public-key", other["public_key"])  # fmt: skip


@pytest.mark.slow
def test_h_two_served_nodes_authenticate_each_other_and_exchange_a_package(
    tmp_path: Path,
) -> None:
    """R-5.2: hello both ways between two processes, a package into B's inbox, a replay refused."""
    a, b = Served(tmp_path, "110000"), Served(tmp_path, "440300")
    a_self, b_self = both(lambda: _setup(a), lambda: _setup(b))
    assert (a_self["url"], b_self["code"]) == (a.url, "CN-440300")
    both(lambda: _introduce(a, b_self), lambda: _introduce(b, a_self))
    with ExitStack() as stack:
        both(lambda: stack.enter_context(serving(a)), lambda: stack.enter_context(serving(b)))
        a_hello, b_hello = both(lambda: a.cli("nodes", "hello", b.code),
                                lambda: b.cli("nodes", "hello", a.code))  # fmt: skip
        assert a_hello.startswith("CN-440300 (regional, 440300) answered, signed; it sees this "
                                  "node as node:CN-110000 (node)")  # fmt: skip
        assert b_hello.startswith("CN-110000 (regional, 110000) answered, signed;")

        a_rt = a.runtime()
        package, package_2 = (
            pack([EXAMPLES["correction"]], sender=a.code, receiver=b.code, sequence=n,
                 created_at=a_rt.clock(), signer=a_rt.keys)
            for n in (1, 2)
        )  # fmt: skip
        with a_rt.sessions() as session:
            peer_b = get_peer(session, b.code)
        with NodeClient.of(a_rt) as client:
            headers = {"Content-Type": "application/gzip", signing.SEQUENCE: "1"}
            sent = client.send(peer_b, "POST", "/api/v1/exchange/packages", package, headers)
            assert (sent.status, sent.json()["state"]) == (201, "received"), sent.body
            again = client.send(peer_b, "POST", "/api/v1/exchange/packages", package, headers)
            assert (again.status, again.json()["state"]) == (200, "duplicate")
            url = client.url(peer_b, "/api/v1/exchange/packages")
            replayed = client.signed_headers(peer_b, "POST", url, package_2,
                                             {**headers, signing.SEQUENCE: "2"})  # fmt: skip
            first = httpx2.post(url, content=package_2, headers=replayed, timeout=10)
            second = httpx2.post(url, content=package_2, headers=replayed, timeout=10)
        a_rt.close()
        assert first.status_code == 201
        assert second.status_code == 401
        assert (second.json()["field"], second.json()["rule"]) == ("X-Chengxin-Nonce",
                                                                   "nonce-unused")  # fmt: skip

    b_rt = b.runtime()
    with b_rt.sessions() as session:
        held = [
            (p.sequence, p.state, package_bytes(b_rt.keys, p)) for p in inbox_of(session, a.code)
        ]
    b_rt.close()
    assert held == [(1, "received", package), (2, "received", package_2)]
