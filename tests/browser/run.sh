#!/usr/bin/env bash
# The HTML report in a real headless Chromium: CI calls this after installing Debian's
# `chromium`. Here a missing browser or Playwright is a failure, not a skip.
# Screenshots are written to ci-artifacts/ (or $CANARYSIM_ARTIFACTS).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m pip install --quiet -e ".[test,browser]"
export CANARYSIM_BROWSER_REQUIRED=1
export CANARYSIM_ARTIFACTS="${CANARYSIM_ARTIFACTS:-$PWD/ci-artifacts}"
python3 -m pytest -q tests/browser "$@"
