#!/usr/bin/env bash
# Sets up what is missing and launches the Segue desktop app. Extra arguments go to the app
# (e.g. --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/cargo-env.sh
echo "==> building and starting Segue"
exec cargo run --quiet -p segue-app -- "$@"
