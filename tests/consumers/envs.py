"""Environments of the real tools that consume our exports, built by the tests on first use.

``inspect-ai``, ``deepeval`` and ``ragas`` cannot share one environment (pip's resolver gives up
on the three together), and none of them belongs in reviewdesk's own install. So each gets its
own venv, created by the test run from ``requirements-<name>.txt`` (an exact ``pip freeze`` of a
verified install, wheels only) and cached under ``~/.cache/reviewdesk-consumers/<name>-<hash>``
(``$REVIEWDESK_CONSUMERS_CACHE`` overrides the base). The hash covers the pins and the Python
version, so changing a pin builds a fresh venv and never reuses a stale one. promptfoo is an npm
package: it is installed the same way with ``npm ci`` from ``promptfoo/package-lock.json``.

Nothing here skips: a missing venv is built (one to two minutes each), and a build failure fails
the test with pip's or npm's output, so CI can never pass without the consumers having run.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CHECKERS = HERE / "checkers"
BUILD_TIMEOUT = 30 * 60
# Telemetry and update checks off: tests must not phone home (and have no network beyond registries).
# (Not INSPECT_TELEMETRY: Inspect has no telemetry to switch off; that variable names a hook module
# to load, and "0" makes every eval fail at start.)
QUIET_ENV = {
    "DEEPEVAL_TELEMETRY_OPT_OUT": "YES",
    "DEEPEVAL_UPDATE_WARNING_OPT_IN": "NO",
    "RAGAS_DO_NOT_TRACK": "true",
    "PROMPTFOO_DISABLE_TELEMETRY": "1",
    "PROMPTFOO_DISABLE_UPDATE": "1",
    "PROMPTFOO_DISABLE_SHARING": "1",
    "NO_COLOR": "1",
    "PYTHONWARNINGS": "ignore",
}


def cache_root() -> Path:
    return Path(os.environ.get("REVIEWDESK_CONSUMERS_CACHE") or Path.home() / ".cache" / "reviewdesk-consumers")


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
        h.update(b"\0")
    return h.hexdigest()[:12]


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """One builder at a time per environment, across processes (parallel test runs share the cache)."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with (root / f".{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(argv: list[str], what: str, **kwargs: Any) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")


NO_DEPS = frozenset({"evals"})
"""Consumers whose requirements file is a complete freeze installed with ``--no-deps`` (see the file)."""


def consumer_python(name: str) -> Path:
    """The Python of the ``name`` consumer venv, built from ``requirements-<name>.txt`` if needed."""
    requirements = HERE / f"requirements-{name}.txt"
    version = f"{sys.version_info.major}.{sys.version_info.minor}-{platform.machine()}"
    target = cache_root() / f"{name}-{_digest(requirements.read_bytes(), version.encode())}"
    python = target / "bin" / "python"
    marker = target / ".complete"
    if marker.exists():
        return python
    with _locked(name):
        if marker.exists():  # built by another process while we waited
            return python
        shutil.rmtree(target, ignore_errors=True)  # a build that died half-way
        _run([sys.executable, "-m", "venv", str(target)], f"creating the {name} venv")
        _run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--only-binary=:all:",
                *(["--no-deps"] if name in NO_DEPS else []),
                "-r",
                str(requirements),
            ],
            f"installing {requirements.name}",
        )
        marker.write_text(requirements.read_text())
    return python


def run_checker(name: str, *args: str, cwd: Path, script: str | None = None, env: dict[str, str] | None = None) -> Any:
    """Run ``checkers/<script>.py`` (default ``check_<name>``) in the ``name`` venv; return the JSON it prints."""
    python = consumer_python(name)
    script = script or f"check_{name}"
    # Tools that write dot-directories write them here; no key of a hosted service reaches a run.
    full_env = {**os.environ, **QUIET_ENV, "HOME": str(cwd), **(env or {})}
    for secret in ("OPENAI_API_KEY", "CONFIDENT_API_KEY", "LANGSMITH_API_KEY", "LANGFUSE_SECRET_KEY"):
        full_env.pop(secret, None)
    result = subprocess.run(
        [str(python), str(CHECKERS / f"{script}.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{script}.py failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}"
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def promptfoo_command() -> list[str]:
    """The promptfoo CLI, installed with ``npm ci`` from the committed lockfile if needed."""
    npm = shutil.which("npm")
    node = shutil.which("node")
    if npm is None or node is None:
        raise RuntimeError("the promptfoo consumer tests need Node.js and npm (apt-get install nodejs npm)")
    package_dir = HERE / "promptfoo"
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    major = node_version.lstrip("v").split(".")[0]
    digest = _digest(
        (package_dir / "package.json").read_bytes(), (package_dir / "package-lock.json").read_bytes(), major.encode()
    )
    target = cache_root() / f"promptfoo-{digest}"
    cli = target / "node_modules" / ".bin" / "promptfoo"
    marker = target / ".complete"
    if marker.exists():
        return [str(cli)]
    with _locked("promptfoo"):
        if marker.exists():
            return [str(cli)]
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(package_dir / name, target / name)
        # --ignore-scripts: no install-time code runs; promptfoo's CLI needs none of it.
        _run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            "npm ci promptfoo",
            cwd=target,
        )
        marker.write_text(node_version)
    return [str(cli)]
