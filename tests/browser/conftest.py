"""Browser tests: a real `chengxin serve` process on a fresh SQLite node with demo data, driven by
Debian's chromium through Playwright (never Playwright's own browser download).

Every test here is marked `browser`. Screenshots go to tests/browser/screenshots/ (ignored by git);
with CHENGXIN_TEST_DOC_SCREENSHOTS=1 the ones a test marks `doc=True` are also written to docs/img/.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from chengxin.demo.generator import DemoPerson, generate
from chengxin.demo.records import demo_rows

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DOC_IMAGES = ROOT / "docs" / "img"
DOC_SWITCH = "CHENGXIN_TEST_DOC_SCREENSHOTS"
CHROMIUM = "/usr/bin/chromium"
# Without the networking flags chromium keeps calling Google's hosts, which this closed network
# refuses; without --no-sandbox it will not start as root, as CI runs.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PEOPLE = 60
DEMO_SEED = 1
START_SECONDS = 30.0
STOP_SECONDS = 10.0
WAIT_MS = 10_000  # a page that needs longer than this is a failure, not a slow pass
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
expect.set_options(timeout=WAIT_MS)
FAILED = pytest.StashKey[bool]()  # the test's own call failed


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under this folder `browser`, so `-m "not browser"` leaves them out."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Any:
    """Keep the call's outcome on the item, so the tab fixture can save a picture of a failure."""
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveNode:
    """A running `chengxin serve` on loopback, its data folder, and its CLI with the same env."""

    def __init__(self, data_dir: Path, env: dict[str, str], port: int) -> None:
        self.data_dir, self.env, self.port = data_dir, env, port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = data_dir / "serve.log"
        self.people: list[DemoPerson] = []  # the demo's people, ID numbers in clear

    def cli(self, *args: str) -> str:
        """Run `chengxin ARGS` against this node's data folder; its standard output."""
        done = subprocess.run(
            [sys.executable, "-m", "chengxin.cli", *args],
            env=self.env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            pytest.fail(f"chengxin {' '.join(args)} exited {done.returncode}: {done.stderr}")
        return done.stdout

    def api(
        self, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        """One JSON request to the node's API: status and decoded body."""
        request = urllib.request.Request(  # noqa: S310  (a loopback http URL of our own)
            self.base_url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"}
            | ({"Authorization": f"Bearer {token}"} if token else {}),
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read() or b"{}")

    def most_recorded(self) -> list[DemoPerson]:
        """The demo's people by how many records they have, most first (the demo's rows follow
        from its seed and the day it ran)."""
        day = dt.datetime.now(dt.UTC).date()
        counts = Counter(row["id_number"] for rows in demo_rows(self.people, DEMO_SEED, day).values()
                         for row in rows)  # fmt: skip
        by_number = {p.id_number: p for p in self.people}
        return [by_number[number] for number, _ in counts.most_common()]

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def node_env(data_dir: Path) -> dict[str, str]:
    # A developer's own CHENGXIN_* settings (a PostgreSQL URL, a port) must not reach the node.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHENGXIN_")}
    return env | {
        "CHENGXIN_DATA_DIR": str(data_dir),
        "CHENGXIN_COOKIE_SECURE": "false",  # plain http on loopback
        "CHENGXIN_RUN_JOBS": "false",  # no job may change the data under a test
        "CHENGXIN_LOG_JSON": "false",
    }


@contextmanager
def running_node(data_dir: Path, *, people: int = DEMO_PEOPLE) -> Iterator[LiveNode]:
    """A fresh node in data_dir (keys, migrated SQLite, demo data), served until the block ends."""
    data_dir.mkdir(parents=True, exist_ok=True)
    node = LiveNode(data_dir, node_env(data_dir), free_port())
    node.cli("init")
    node.cli("db", "upgrade")
    # The demo's ID numbers follow from the seed and the day it runs (UTC), so the tests can know
    # them without reading the encrypted database.
    day = dt.datetime.now(dt.UTC).date()
    node.cli("demo", "--people", str(people), "--seed", str(DEMO_SEED))
    node.people = list(generate(people, DEMO_SEED, day).people)
    with node.log.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "chengxin.cli", "serve", "--host", "127.0.0.1",
             "--port", str(node.port)],
            env=node.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_healthy(node, proc)
            yield node
        finally:
            proc.terminate()
            try:
                proc.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(STOP_SECONDS)


def wait_healthy(node: LiveNode, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"chengxin serve exited {proc.returncode}:\n{node.log_tail()}")
        try:
            with urllib.request.urlopen(node.base_url + "/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    pytest.fail(f"chengxin serve not healthy after {START_SECONDS:.0f} s:\n{node.log_tail()}")


@pytest.fixture(scope="session")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """One served demo node for the whole session. A module whose tests change data that others
    would see overrides this with a module-scoped `live_node` of its own from `running_node`."""
    with running_node(tmp_path_factory.mktemp("browser-node") / "data") as served:
        yield served


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `scripts/install --dev` installs Debian's chromium")
    for stale in SCREENSHOTS.glob("failed-*.png"):  # from an earlier run
        stale.unlink()
    # Playwright gives each launch a fresh, temporary --user-data-dir and removes it on close.
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


def save_screenshot(page: Page, name: str, *, doc: bool = False, full_page: bool = True) -> Path:
    """Save `name`.png into tests/browser/screenshots/, and into docs/img/ too when `doc` is set
    and the CHENGXIN_TEST_DOC_SCREENSHOTS switch is on."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise ValueError(f"screenshot name {name!r}: lower-case letters, digits and dashes")
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=full_page, animations="disabled")
    if doc and os.environ.get(DOC_SWITCH, "") not in ("", "0"):
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        (DOC_IMAGES / path.name).write_bytes(path.read_bytes())
    return path


class Tab:
    """A page in its own browser context (no cookies shared between tests), opened on the node,
    with every console error and uncaught exception it produced."""

    def __init__(self, page: Page, node: LiveNode) -> None:
        self.page, self.node = page, node
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    def _console(self, message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        # Chromium asks for /favicon.ico on its own, whatever the page says; the node has none.
        if message.type == "error" and not url.endswith("/favicon.ico"):
            self.errors.append(f"console: {message.text} ({url})")

    def open(self, path: str, *, status: int = 200) -> None:
        """Go to `path` on the node and check the HTTP status of the document."""
        answer = self.page.goto(self.node.base_url + path, wait_until="load")
        assert answer is not None, f"no response for {path}"
        assert answer.status == status, f"{path}: HTTP {answer.status}, wanted {status}"

    def assert_no_console_errors(self, *, allowed: tuple[str, ...] = ()) -> None:
        """`allowed`: fragments of expected messages, such as the one chromium logs for a 404."""
        unexpected = [e for e in self.errors if not any(a in e for a in allowed)]
        assert unexpected == [], "\n".join(unexpected)

    def screenshot(self, name: str, *, doc: bool = False, full_page: bool = True) -> Path:
        return save_screenshot(self.page, name, doc=doc, full_page=full_page)


@pytest.fixture
def tab(browser: Browser, live_node: LiveNode, request: pytest.FixtureRequest) -> Iterator[Tab]:
    context = browser.new_context(
        viewport=DESKTOP, device_scale_factor=1, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(WAIT_MS)
    opened = Tab(context.new_page(), live_node)
    yield opened
    if request.node.stash.get(FAILED, False):
        # What the page looked like when the test failed: the first thing to look at in CI.
        with contextlib.suppress(PlaywrightError):
            save_screenshot(opened.page, f"failed-{safe_name(request.node.name)}")
    context.close()


def safe_name(test_name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", test_name.lower()).strip("-")[:80]
