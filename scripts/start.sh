#!/usr/bin/env bash
# Install docdesk with the bundled local model and start the terminal app; no network needed at run time.
# Arguments are passed to `docdesk`, e.g. scripts/start.sh --watch ~/tutor-files
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh local
exec .venv/bin/docdesk "$@"
