#!/usr/bin/env bash
# Fetches the MusiCNN weights (the authors' TensorFlow checkpoints inside the PyPI wheel
# musicnn==0.1.0, ISC licence) into Segue's models dir, if they are not there yet.
# The dir is $SEGUE_MODEL_DIR, else ~/.local/share/segue/models. Needs python3 with pip.
set -euo pipefail
models="${SEGUE_MODEL_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/segue/models}"
dest="$models/musicnn"
wheel_sha256=f38a4890c648c1ddbb141c5d96d2b0a8cfcd36746002d896989f7b88beb65cfa
have() { [ -s "$dest/MSD_musicnn/.index" ] && [ -s "$dest/MTT_musicnn/.index" ] \
  && [ -s "$dest/MSD_musicnn/.data-00000-of-00001" ] && [ -s "$dest/MTT_musicnn/.data-00000-of-00001" ]; }
if have; then exit 0; fi
echo "==> fetching the MusiCNN weights (musicnn 0.1.0 wheel from PyPI) into $dest"
if ! python3 -m pip --version >/dev/null 2>&1; then
  "$(dirname "$0")/apt-get.sh" update -qq
  "$(dirname "$0")/apt-get.sh" install -y -qq --no-install-recommends python3-pip >/dev/null
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --disable-pip-version-check musicnn==0.1.0 -d "$tmp"
wheel="$tmp/musicnn-0.1.0-py3-none-any.whl"
echo "$wheel_sha256  $wheel" | sha256sum -c --quiet
mkdir -p "$dest"
# Only the two checkpoints inference reads: the index and the data shard (the .meta graph is
# not needed, we build the network ourselves).
python3 - "$wheel" "$tmp/out" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for m in ("MSD_musicnn", "MTT_musicnn"):
        for f in (".index", ".data-00000-of-00001"):
            z.extract(f"musicnn/{m}/{f}", out)
PY
for m in MSD_musicnn MTT_musicnn; do
  rm -rf "$dest/$m.new" && mv "$tmp/out/musicnn/$m" "$dest/$m.new"
  rm -rf "$dest/$m" && mv "$dest/$m.new" "$dest/$m"
done
echo "==> MusiCNN weights ready in $dest"
