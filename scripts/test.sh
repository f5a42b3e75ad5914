#!/usr/bin/env bash
# Install docdesk with everything the tests need, run the linters, then the whole test suite.
# Arguments are passed to pytest, e.g. scripts/test.sh -k export
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh "local,test"
.venv/bin/ruff check docdesk tests
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
