#!/usr/bin/env bash
# Create .venv beside this repository and install docdesk into it with the given extras.
# Usage: scripts/setup-venv.sh EXTRAS   (e.g. "local" or "local,test")
# Skips pip when .venv already contains an install made from the same pyproject.toml and extras.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-local}"
stamp=".venv/.docdesk-install"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1) ${extras}"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    exit 0
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# torch 2.13.0 is pinned because pip takes its CPU build (about 1.5 GB installed) from this
# machine type's local disk; an unpinned torch would download a CUDA build of several GB.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[${extras}]"
echo "$wanted" > "$stamp"
