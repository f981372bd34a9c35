#!/usr/bin/env bash
# Installs ClinicPay into .venv and starts it (デモ mode on a fresh data directory).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  echo "ClinicPay needs Python 3.11 or newer" >&2; exit 1
fi

# On Debian/Ubuntu: what Qt's window needs (xcb-cursor since Qt 6.5) and Japanese fonts.
if command -v dpkg >/dev/null 2>&1; then
  missing=()
  for pkg in libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libegl1 libgl1 fonts-noto-cjk; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
    echo "Installing system packages: ${missing[*]}"
    if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
      echo "Could not install ${missing[*]}; the window may not open or may lack Japanese glyphs." >&2
    fi
  fi
fi

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
# Install only when pyproject.toml, the Python or the installed distribution changed
# (scripts/install_check.py keeps a stamp in .venv); a second start spends no time in pip.
if .venv/bin/python scripts/install_check.py install-needed; then
  if .venv/bin/pip install -q --disable-pip-version-check -e . >.venv/pip-install.log 2>&1; then
    .venv/bin/python scripts/install_check.py record
  else
    grep -v "is ignored" .venv/pip-install.log >&2 || true
    echo "pip could not install ClinicPay (log: .venv/pip-install.log)" >&2; exit 1
  fi
fi
# .po -> .mo, .ts -> .qm, only when a catalog changed
if .venv/bin/python scripts/install_check.py catalogs-stale; then
  .venv/bin/python -m desktop.catalogs >/dev/null
fi
exec .venv/bin/python -m desktop "$@"
