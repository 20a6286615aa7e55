#!/usr/bin/env python3
"""Build the sdist and the wheel, install the wheel into a fresh venv outside the checkout, run it.

This is what a reviewer gets from ``pip install reviewdesk``; the tests run from the checkout and
would not notice a resource missing from the wheel. Modelled on labelme's script of the same name.

    python3 tools/artifact_install_smoke.py              # everything in a temporary directory
    python3 tools/artifact_install_smoke.py --dist dist  # also keep the sdist and wheel in dist/

Steps (each one fails the script with a message saying which):

1. Build the sdist from the checkout with the *lowest* setuptools ``[build-system] requires``
   allows (so the requirement is known to be enough), then the wheel from the unpacked sdist (so
   the sdist is known to be complete).
2. Install the wheel into a new virtual environment in the temporary directory.
3. Copy this script there and run it with that environment's Python (``--check``), from another
   directory, with no ``PYTHONPATH``: it refuses to go on if the checkout's ``src/`` is importable,
   checks that every file of ``src/reviewdesk/resources`` is in the installed package, runs
   ``reviewdesk --version``, ``reviewdesk --workspace TMP demo --no-gui`` (30 cases) and opens the
   window offscreen on that workspace.

Only the standard library here: it runs before any environment exists.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO_CASES = 30


def _run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    print("+", " ".join(command), flush=True)
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        sys.stdout.write(result.stdout[-4000:])
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"artifact smoke: exit code {result.returncode} from: {' '.join(command)}")
    return result.stdout


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def lowest_build_requirements() -> list[str]:
    """``[build-system] requires`` with every ``>=X`` turned into ``==X.*``: the oldest release line
    allowed (``.*`` because a first release like setuptools 77.0.0 may be yanked)."""
    requires = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]
    return [re.sub(r">=\s*([\w.]+)", r"==\1.*", req) for req in requires]


def build(work: Path) -> tuple[Path, Path]:
    """The sdist (from the checkout) and the wheel (from the unpacked sdist), built in ``work``."""
    env = _clean_env()
    build_venv = work / "build-venv"
    _run([sys.executable, "-m", "venv", str(build_venv)], cwd=work, env=env)
    py = str(_venv_python(build_venv))
    _run([py, "-m", "pip", "install", "-q", *lowest_build_requirements()], cwd=work, env=env)
    out = work / "dist"
    out.mkdir()
    hooks = "import sys, setuptools.build_meta as b; print(getattr(b, sys.argv[1])(sys.argv[2]))"
    sdist = out / _run([py, "-c", hooks, "build_sdist", str(out)], cwd=REPO, env=env).strip().splitlines()[-1]
    unpacked = work / "sdist"
    with tarfile.open(sdist) as tar:
        tar.extractall(unpacked, filter="data")
    (source,) = unpacked.iterdir()
    wheel = out / _run([py, "-c", hooks, "build_wheel", str(out)], cwd=source, env=env).strip().splitlines()[-1]
    print(f"built {sdist.name} ({sdist.stat().st_size // 1024} KiB), {wheel.name} ({wheel.stat().st_size // 1024} KiB)")
    return sdist, wheel


def install_and_check(work: Path, wheel: Path) -> None:
    env = _clean_env()
    venv = work / "app-venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=work, env=env)
    py = str(_venv_python(venv))
    _run([py, "-m", "pip", "install", "-q", str(wheel)], cwd=work, env=env)
    # A copy: run from tools/, the script's own folder (inside the checkout) would be on sys.path.
    script = work / "artifact_install_smoke.py"
    shutil.copy2(__file__, script)
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    env["QT_QPA_PLATFORM"] = "offscreen"
    for name in ("REVIEWDESK_WORKSPACE", "REVIEWDESK_REVIEWER"):
        env.pop(name, None)
    env["REVIEWDESK_DATA_DIR"] = str(elsewhere / "data")
    env["REVIEWDESK_CONFIG_DIR"] = str(elsewhere / "config")
    output = _run([py, str(script), "--check", "--source-root", str(REPO)], cwd=elsewhere, env=env)
    sys.stdout.write(output)


# --- run inside the fresh environment ---------------------------------------------------------


def check_isolation(source_root: Path) -> None:
    import reviewdesk

    on_path = [entry for entry in sys.path if entry and Path(entry).resolve().is_relative_to(source_root)]
    if on_path:
        raise SystemExit(f"artifact smoke: the checkout is on sys.path: {on_path}")
    package = Path(reviewdesk.__file__).resolve()
    if package.is_relative_to(source_root):
        raise SystemExit(f"artifact smoke: reviewdesk was imported from the checkout: {package}")
    print(f"reviewdesk imported from {package.parent}")


def check_resources(source_root: Path) -> None:
    from reviewdesk import paths

    source = source_root / "src" / "reviewdesk" / "resources"
    expected = sorted(p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file())
    missing = [name for name in expected if not paths.resource(*name.split("/")).is_file()]
    if missing:
        raise SystemExit(f"artifact smoke: resources missing from the installed package: {missing}")
    print(f"all {len(expected)} resource files installed")


def check_cli(work: Path) -> Path:
    from reviewdesk import __version__

    exe = shutil.which("reviewdesk", path=str(Path(sys.executable).parent))
    if exe is None:
        raise SystemExit("artifact smoke: the reviewdesk console script is not installed")
    version = _run([exe, "--version"], cwd=work).strip()
    if version != f"reviewdesk {__version__}" or __version__ == "0.0.0":
        raise SystemExit(f"artifact smoke: reviewdesk --version printed {version!r}")
    workspace = work / "demo.reviewdesk"
    _run([exe, "--workspace", str(workspace), "demo", "--no-gui"], cwd=work)
    from reviewdesk.services import cases
    from reviewdesk.services.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        count = len(cases.list_cases(ws))
    finally:
        ws.close()
    if count != DEMO_CASES:
        raise SystemExit(f"artifact smoke: the demo workspace holds {count} cases, not {DEMO_CASES}")
    report = work / "report.html"  # the report's template is package data too
    _run([exe, "--workspace", str(workspace), "report", "-o", str(report)], cwd=work)
    if "<html" not in report.read_text(encoding="utf-8")[:2000].lower():
        raise SystemExit(f"artifact smoke: {report} is not an HTML report")
    print(f"{version}; demo --no-gui imported {count} cases; report written")
    return workspace


def check_window(workspace: Path) -> None:
    from reviewdesk.ui.app import application, open_window

    app = application()
    window = open_window(workspace)
    window.show()
    for _ in range(20):
        app.processEvents()
    if not window.isVisible() or window.grab().isNull():
        raise SystemExit("artifact smoke: the window did not show")
    rows = window.model.rowCount()
    window.close()
    app.processEvents()
    window.workspace.close()
    if rows == 0:
        raise SystemExit("artifact smoke: the window's queue is empty")
    print(f"window shown offscreen with {rows} cases in the queue")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="(internal) run the checks in this environment")
    parser.add_argument("--source-root", type=Path, default=REPO)
    parser.add_argument("--dist", type=Path, help="copy the built sdist and wheel into this folder")
    args = parser.parse_args()
    if args.check:
        source_root = args.source_root.resolve()
        check_isolation(source_root)
        check_resources(source_root)
        with tempfile.TemporaryDirectory() as tmp:
            check_window(check_cli(Path(tmp)))
        print("artifact smoke: OK")
        return
    with tempfile.TemporaryDirectory(prefix="reviewdesk-artifact-") as tmp:
        work = Path(tmp)
        if work.resolve().is_relative_to(REPO):
            raise SystemExit(f"artifact smoke: the temporary directory {work} is inside the checkout")
        sdist, wheel = build(work)
        if args.dist:
            args.dist.mkdir(parents=True, exist_ok=True)
            shutil.copy2(sdist, args.dist)
            shutil.copy2(wheel, args.dist)
        install_and_check(work, wheel)


if __name__ == "__main__":
    main()
