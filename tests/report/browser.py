"""Drive Debian's Chromium headless over the DevTools protocol, with the standard library only.

``--remote-debugging-pipe`` makes Chromium read protocol commands from file descriptor 3 and
write replies and events to descriptor 4, as NUL-terminated JSON — no websocket client, no
port, nothing listening on the network. The tests use it to load the report, record every
console message, script exception and network request, read the DOM, take a full-page
screenshot and print to PDF, as a person opening and printing the file would.

Chromium is not on a fresh machine: CI's ``.ci/run`` installs it (apt package ``chromium``).
``find_chromium`` fails with that instruction instead of skipping, so a missing browser cannot
pass for a rendered report.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str:
    """The browser binary, or a test failure that says how to install it."""
    override = os.environ.get("REVIEWDESK_CHROMIUM")
    if override:
        return override
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        "Chromium is needed to check that the report renders: install Debian's package "
        "(apt-get install -y chromium) or set REVIEWDESK_CHROMIUM to a Chrome/Chromium binary",
        pytrace=False,
    )


@dataclass
class PageRecord:
    """What happened while a page loaded."""

    console: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error-level log entries (e.g. CSP violations)."""
        found = [
            " ".join(str(arg.get("value", arg.get("description", ""))) for arg in c.get("args", []))
            for c in self.console
            if c.get("type") in ("error", "assert")
        ]
        found += [e.get("exceptionDetails", {}).get("text", "exception") for e in self.exceptions]
        found += [e["entry"].get("text", "") for e in self.log_entries if e["entry"].get("level") == "error"]
        return found


class Chromium:
    """One headless browser process; use as a context manager."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        # Move the child's ends above 2..4 first, so wiring them to 3 and 4 cannot clobber one another.
        child_read = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10)
        child_write = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)
        os.close(to_browser_read)
        os.close(from_browser_write)

        def wire_pipes() -> None:  # in the child, before exec: fd 3 = commands in, fd 4 = replies out
            os.dup2(child_read, 3)
            os.dup2(child_write, 4)

        self.process = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--mute-audio",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=wire_pipes,  # noqa: PLW1509 - only dup2 before exec
            # Descriptors 3 and 4 must survive the close-fds pass that runs after preexec_fn.
            pass_fds=(3, 4, child_read, child_write),
        )
        os.close(child_read)
        os.close(child_write)
        self._next_id = 0
        self._replies: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._stderr: list[str] = []
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr.append(line.decode("utf-8", "replace"))

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        box = self._replies.get(message["id"])
                    if box is not None:
                        box.put(message)
                else:
                    self._events.put(message)

    def send(self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            message_id = self._next_id
            box: queue.Queue[dict[str, Any]] = queue.Queue()
            self._replies[message_id] = box
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        try:
            reply = box.get(timeout=60)
        except queue.Empty:
            raise AssertionError(f"Chromium did not answer {method}; stderr:\n{''.join(self._stderr[-20:])}") from None
        if "error" in reply:
            raise AssertionError(f"{method} failed: {reply['error']}")
        return dict(reply.get("result", {}))

    def open(self, url: str, record: PageRecord, *, settle_s: float = 1.0) -> str:
        """Open ``url`` in a new tab, recording everything; returns the session id once loaded."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.send(f"{domain}.enable", session=session)
        self.send("Page.navigate", {"url": url}, session=session)
        deadline = time.monotonic() + 60
        loaded_at: float | None = None
        while time.monotonic() < deadline:
            if loaded_at is not None and time.monotonic() - loaded_at > settle_s:
                break
            try:
                event = self._events.get(timeout=0.1)
            except queue.Empty:
                continue
            if event.get("sessionId") != session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Page.loadEventFired":
                loaded_at = time.monotonic()
            elif method == "Runtime.consoleAPICalled":
                record.console.append(params)
            elif method == "Runtime.exceptionThrown":
                record.exceptions.append(params)
            elif method == "Log.entryAdded":
                record.log_entries.append(params)
            elif method == "Network.requestWillBeSent":
                record.requests.append(params["request"]["url"])
        if loaded_at is None:
            raise AssertionError(f"{url} did not finish loading in 60 s")
        return session

    def evaluate(self, session: str, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
        return result["result"].get("value")

    def screenshot(
        self, session: str, path: Path, *, width: int = 1100, top: int = 0, height: int | None = None
    ) -> Path:
        """A PNG of the page at ``width`` CSS pixels, from ``top`` down ``height`` pixels (default: to the end)."""
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        full = int(self.evaluate(session, "document.documentElement.scrollHeight"))
        height = min(height or full, full - top)
        data = self.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": top, "width": width, "height": height, "scale": 1},
            },
            session=session,
        )["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def print_pdf(self, session: str, path: Path) -> Path:
        data = self.send("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True}, session=session)
        path.write_bytes(base64.b64decode(data["data"]))
        return path

    def close(self) -> None:
        with contextlib.suppress(AssertionError, OSError):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
