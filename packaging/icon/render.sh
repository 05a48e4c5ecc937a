#!/usr/bin/env bash
# Renders the app icon's PNGs from its SVG source, for the hicolor theme sizes the .deb installs
# (16 to 512 px); the window icon is the 256 px one (src/gui/mod.rs embeds it).
#   bash packaging/icon/render.sh
# Needs rsvg-convert (Debian/Ubuntu: apt-get install librsvg2-bin). Edit the SVG, run this,
# look at the 16 and 32 px results, commit the SVG and the PNGs together.
set -euo pipefail
cd "$(dirname "$0")/../.."

app_id=io.github.concurrency_lab.ConcurrencyLab
icons=assets/icons/hicolor
svg="$icons/scalable/apps/$app_id.svg"
command -v rsvg-convert >/dev/null || { echo "rsvg-convert is missing: apt-get install librsvg2-bin" >&2; exit 1; }

for size in 16 32 48 64 128 256 512; do
  dir="$icons/${size}x${size}/apps"
  mkdir -p "$dir"
  rsvg-convert --width "$size" --height "$size" --output "$dir/$app_id.png" "$svg"
  echo "$dir/$app_id.png"
done
