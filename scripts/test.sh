#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, starts PostgreSQL, runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
as_postgres() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

need_pkgs=()
command -v pg_ctlcluster >/dev/null 2>&1 || need_pkgs+=(postgresql)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need_pkgs+=(fonts-noto-cjk)
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
dpkg -s libegl1 >/dev/null 2>&1 || need_pkgs+=(libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libgl1)
command -v cc >/dev/null 2>&1 || need_pkgs+=(gcc)  # the frozen build trims Qt's ICU data (scripts/trim_icu.py)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

# PostgreSQL: the Debian cluster, a role and an empty database for the PostgreSQL half of the tests.
if [ -z "${CLINICPAY_TEST_PG_URL:-}" ]; then
  PGVER=$(ls /usr/lib/postgresql | sort -n | tail -1)
  if ! pg_lsclusters -h 2>/dev/null | grep -q .; then $SUDO pg_createcluster "$PGVER" main >/dev/null; fi
  CL=$(pg_lsclusters -h | head -1 | awk '{print $1" "$2}')
  PGPORT=$(pg_lsclusters -h | head -1 | awk '{print $3}')
  $SUDO pg_ctlcluster $CL start >/dev/null 2>&1 || true
  for i in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$PGPORT" && break; sleep 1; done
  as_postgres psql -q -p "$PGPORT" -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'clinicpay') THEN
    CREATE ROLE clinicpay LOGIN CREATEDB PASSWORD 'clinicpay';
  END IF;
END $$;
-- DROP DATABASE … WITH (FORCE) of a test database ends an autovacuum worker that may be in it
SET client_min_messages = warning;
GRANT pg_signal_backend TO clinicpay;
SQL
  export CLINICPAY_TEST_PG_URL="postgresql+psycopg://clinicpay:clinicpay@127.0.0.1:${PGPORT}/postgres"
fi

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
# Install only when pyproject.toml, the Python or the installed distribution changed (scripts/install_check.py).
if .venv/bin/python scripts/install_check.py install-needed test,build; then
  if .venv/bin/pip install -q --disable-pip-version-check -e ".[test,build]" >.venv/pip-install.log 2>&1; then
    .venv/bin/python scripts/install_check.py record test,build
  else
    grep -v "is ignored" .venv/pip-install.log >&2 || true
    echo "pip could not install the test dependencies (log: .venv/pip-install.log)" >&2; exit 1
  fi
fi
.venv/bin/python -m desktop.catalogs >/dev/null  # .po -> .mo, .ts -> .qm

# Known vulnerabilities of the pinned dependencies (the whole run only, as CI does it).
if [ $# -eq 0 ] || [ "${CI:-}" = "true" ]; then .venv/bin/python scripts/audit.py; fi

export QT_QPA_PLATFORM=offscreen
export PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring
exec .venv/bin/python -m pytest "$@"
