#!/usr/bin/env bash
# Build the desktop bundle into dist/reviewdesk/ (onedir) with PyInstaller, then run its self-test
# offscreen and print the bundle's size. Needs the `packaging` extra: pip install -e '.[packaging]'.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller packaging/reviewdesk.spec
tmp="$(mktemp -d)"
QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" REVIEWDESK_DATA_DIR="$tmp/data" REVIEWDESK_CONFIG_DIR="$tmp/config" \
  dist/reviewdesk/reviewdesk --self-test "$tmp/demo.reviewdesk"
rm -rf "$tmp"
echo "bundle: dist/reviewdesk, $(du -sm dist/reviewdesk | cut -f1) MB"
