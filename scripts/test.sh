#!/usr/bin/env bash
# Installs t2t_mm with its test extras into .venv (created if missing) and runs the test suite on
# PYTEST_WORKERS processes (default 2, the CI machine's cores; most tests are bound by one core's tracing).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
exec .venv/bin/python -m pytest -q -n "${PYTEST_WORKERS:-2}" "$@"
