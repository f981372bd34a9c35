#!/usr/bin/env bash
# Installs ClinicPay into .venv and starts it (デモ mode on a fresh data directory).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  echo "ClinicPay needs Python 3.11 or newer" >&2; exit 1
fi
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install -q --disable-pip-version-check -e . 2>&1 | grep -v "is ignored" || true
exec .venv/bin/python -m desktop "$@"
