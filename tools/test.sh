#!/usr/bin/env bash
# The README's test command, and what .ci/run runs: every check and test, in the order that gives
# the fastest answer — static checks (seconds), fast tests (-m "not slow", minutes), slow tests
# (consumer environments, kill -9, fuzz, browser), then the packaging smoke tests (wheel outside the
# checkout, desktop bundle). Stops at the first stage that fails.
#
# While you work, the fast loop is enough:  .venv/bin/python -m pytest -m "not slow" -n auto
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen

stage() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

# pytest exits 5 when a marker expression selects nothing: a stage that silently ran no tests
# would be a green lie, so it fails with a sentence instead of a bare exit code.
tests() {
  local rc=0
  .venv/bin/python -m pytest "$@" || rc=$?
  if [ "$rc" = 5 ]; then echo "no tests selected by: pytest $* (check the markers)" >&2; fi
  return "$rc"
}

stage "set-up: system packages and .venv (tools/setup-test-env.sh)"
bash tools/setup-test-env.sh

stage "static checks: import contracts, ruff, ruff format, mypy (src, tests, bench)"
.venv/bin/lint-imports
.venv/bin/ruff check src tests bench tools
.venv/bin/ruff format --check src tests bench tools
.venv/bin/mypy

stage "fast tests (on every core)"
tests -m "not slow" -n auto

stage "slow tests: consumer environments, kill -9, fuzz, browser"
tests -m "slow and not packaging"

stage "packaging smoke tests: the wheel outside the checkout, the desktop bundle"
tests -m packaging
