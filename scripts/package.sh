#!/usr/bin/env bash
# Builds the Debian package of Segue (release profile): target/debian/segue_<version>_<arch>.deb
# holding the app (/usr/bin/segue-app, with its menu entry, icons and AppStream metadata), the
# `segue` command line with its man pages and bash/zsh/fish completions, and the MusiCNN weights
# (so tags work offline from the first start). Prints the package's path last.
# Install it with: sudo apt install ./target/debian/segue_<version>_<arch>.deb
# --no-setup: what it needs is installed already (scripts/test.sh, which builds the package
# while other tests run: setup would rebuild the UI under them).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = "--no-setup" ] || ./scripts/setup.sh --package
. scripts/cargo-env.sh

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
arch=$(dpkg --print-architecture)
packaging=src-tauri/packaging
# The release notes are part of the metadata software centres show: one per version.
grep -q "<release version=\"$version\"" "$packaging/org.segue.app.metainfo.xml" || {
  echo "$packaging/org.segue.app.metainfo.xml has no <release> for $version: add one" >&2
  exit 1
}

echo "==> building Segue $version (release)"
# The build the tests run (scripts/cargo-env.sh): after scripts/test.sh's, nothing to compile.
cargo build "${shipped_build[@]}" --quiet

out=target/debian
root="$out/segue_${version}_${arch}"
rm -rf "$root"
mkdir -p "$root/DEBIAN"
for bin in segue segue-app; do
  install -D -m 755 "target/release/$bin" "$root/usr/bin/$bin"
  strip --strip-unneeded "$root/usr/bin/$bin"
done
share="$root/usr/share"
install -D -m 644 "$packaging/org.segue.app.desktop" "$share/applications/org.segue.app.desktop"
install -D -m 644 "$packaging/org.segue.app.metainfo.xml" "$share/metainfo/org.segue.app.metainfo.xml"
install -D -m 644 "$packaging/copyright" "$share/doc/segue/copyright"
# Every size of the freedesktop icon theme's hicolor set, from the one master image.
for size in 16 22 24 32 48 64 96 128 256 512; do
  mkdir -p "$share/icons/hicolor/${size}x${size}/apps"
  convert icons/icon.png -resize "${size}x${size}" -strip \
    "$share/icons/hicolor/${size}x${size}/apps/org.segue.app.png"
done
# Man pages and completions come from the command line's own definition.
"$root/usr/bin/segue" generate man "$share/man/man1"
gzip -9n "$share/man/man1/"*.1
mkdir -p "$share/bash-completion/completions" "$share/zsh/vendor-completions" \
  "$share/fish/vendor_completions.d"
"$root/usr/bin/segue" generate completions bash >"$share/bash-completion/completions/segue"
"$root/usr/bin/segue" generate completions zsh >"$share/zsh/vendor-completions/_segue"
"$root/usr/bin/segue" generate completions fish >"$share/fish/vendor_completions.d/segue.fish"
# The weights setup.sh fetched (scripts/fetch-models.sh), found by the engine in
# /usr/share/segue/models (XDG_DATA_DIRS) when the user has no copy of their own.
models="${SEGUE_MODEL_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/segue/models}"
for m in MSD_musicnn MTT_musicnn; do
  for f in .index .data-00000-of-00001; do
    install -D -m 644 "$models/musicnn/$m/$f" "$share/segue/models/musicnn/$m/$f"
  done
done

# Suggests zenity: the message box the app shows on a CPU it cannot run on (cpu.rs).
# Depends: the runtime libraries' packages the binaries link, as dpkg-shlibdeps finds them.
shlibs=$(mktemp -d)
trap 'rm -rf "$shlibs"' EXIT
mkdir "$shlibs/debian"
printf 'Source: segue\n\nPackage: segue\nArchitecture: any\n' >"$shlibs/debian/control"
depends=$(cd "$shlibs" && dpkg-shlibdeps -O "$OLDPWD/$root/usr/bin/segue" "$OLDPWD/$root/usr/bin/segue-app" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }
cat >"$root/DEBIAN/control" <<CONTROL
Package: segue
Version: $version
Architecture: $arch
Maintainer: The Segue developers <segue@users.noreply.github.com>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Suggests: zenity
Section: sound
Priority: optional
Description: playlists that sound right, from your own music
 Segue analyses the music in your folders (tempo, key, loudness, timbre, genre
 and mood tags) and makes playlists of tracks that sound like the ones you pick,
 with a reason for every choice and a preview through the sound card. It keeps
 the library in SQLite and a similarity index on your computer; nothing is sent
 anywhere.
 .
 This package holds the desktop app (segue-app, in the menu as Segue), the
 segue command line with man pages and shell completions, and the MusiCNN
 weights (ISC licence) for genre and mood tags.
CONTROL
deb="$out/segue_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "==> $(du -h "$deb" | cut -f1) $deb"
echo "$deb"
