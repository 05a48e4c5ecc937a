#!/usr/bin/env bash
# Validates the desktop entry and the AppStream data as the freedesktop tools see them, and
# fails on any error, warning or hint (AppStream's "pedantic" notes are printed, not failed on).
#   bash packaging/validate.sh
# Needs desktop-file-validate and appstreamcli (apt-get install desktop-file-utils appstream).
set -euo pipefail
cd "$(dirname "$0")/.."

app_id=io.github.concurrency_lab.ConcurrencyLab
desktop=packaging/linux/$app_id.desktop
metainfo=packaging/linux/$app_id.metainfo.xml

# desktop-file-validate exits 0 on warnings and hints: any output at all is a failure.
out=$(desktop-file-validate "$desktop" 2>&1) || { echo "$out"; exit 1; }
[ -z "$out" ] || { echo "desktop-file-validate $desktop:"; echo "$out"; exit 1; }
echo "desktop-file-validate $desktop: no errors, warnings or hints"

# --strict fails on anything above "pedantic" (errors, warnings and infos); --no-net because
# the screenshot and homepage URLs are checked where they are published, not here.
appstreamcli validate --no-net --strict --pedantic --explain "$metainfo"

# Every size the icon theme and the .deb expect, rendered from the SVG (a PNG's width and height
# are the big-endian words at bytes 16 and 20).
for size in 16 32 48 64 128 256 512; do
  png=assets/icons/hicolor/${size}x${size}/apps/$app_id.png
  read -r w h < <(od -An -tu4 --endian=big -j16 -N8 "$png")
  [ "$w x $h" = "$size x $size" ] || { echo "$png is $w x $h, expected $size x $size" >&2; exit 1; }
done
[ -s "assets/icons/hicolor/scalable/apps/$app_id.svg" ] || { echo "the scalable icon is missing" >&2; exit 1; }
echo "icons: 16 to 512 px, each the size its folder says, and the scalable SVG"
