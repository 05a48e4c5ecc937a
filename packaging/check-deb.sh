#!/usr/bin/env bash
# Installs a built .deb on this machine as a user would, checks what it put where, runs the
# installed program (the command line, and the window under Xvfb), then purges the package and
# checks that nothing it installed is left. Needs root (dpkg), Xvfb, xdotool, man-db (`man`)
# and bash-completion.
#   bash packaging/check-deb.sh target/debian/concurrency-lab_0.1.0-1_amd64.deb
set -euo pipefail

deb=${1:?usage: check-deb.sh PACKAGE.deb}
pkg=concurrency-lab
app_id=io.github.concurrency_lab.ConcurrencyLab
fail() { echo "check-deb: $*" >&2; exit 1; }

[ "$(dpkg-deb --field "$deb" Package)" = "$pkg" ] || fail "$deb is not the $pkg package"
printf 'package: %s, %s KiB\n' "$(basename "$deb")" "$(( $(stat -c %s "$deb") / 1024 ))"
dpkg-deb --field "$deb" Depends Recommends Suggests Installed-Size

# The package's own file list, to check after the purge that each one is gone.
mapfile -t files < <(dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./|/|' | grep -v '/$')

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
  # Leave the machine as it was even when a check failed half-way.
  if dpkg -s "$pkg" >/dev/null 2>&1; then dpkg --purge "$pkg" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

echo "--> dpkg -i (then apt-get -f install for missing dependencies)"
export DEBIAN_FRONTEND=noninteractive
if ! dpkg -i "$deb"; then
  apt-get update -qq
  apt-get -f install -y -qq
fi
dpkg-query -W -f='${Status}\n' "$pkg" | grep -qx 'install ok installed' || fail "$pkg is not installed"

echo "--> the installed files"
bin=/usr/bin/concurrency-lab
[ "$(command -v concurrency-lab)" = "$bin" ] || fail "concurrency-lab on PATH is $(command -v concurrency-lab || echo nothing), not $bin"
size=$(stat -c %s "$bin")
printf 'binary: %s, %s KiB\n' "$bin" "$(( size / 1024 ))"
# Stripped: no DWARF and no symbol table (a release build with line tables is ~180 MB).
if LC_ALL=C readelf -S -W "$bin" | grep -Eq '\.(debug_[a-z]+|symtab) '; then
  fail "$bin still has debug sections or a symbol table"
fi
desktop=/usr/share/applications/$app_id.desktop
[ -f "$desktop" ] || fail "no desktop entry at $desktop"
[ -f "/usr/share/metainfo/$app_id.metainfo.xml" ] || fail "no AppStream data"
[ -f "/usr/share/doc/$pkg/copyright" ] || fail "no copyright file"
[ -f "/usr/share/doc/$pkg/changelog.Debian.gz" ] || fail "no changelog.Debian.gz"

# The desktop entry's Exec resolves on PATH and its Icon is in the hicolor theme at every size.
exec_cmd=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$desktop")
command -v "$exec_cmd" >/dev/null || fail "Exec=$exec_cmd does not resolve"
icon=$(sed -n 's/^Icon=//p' "$desktop")
for size in 16 32 48 64 128 256 512; do
  [ -f "/usr/share/icons/hicolor/${size}x${size}/apps/$icon.png" ] || fail "Icon=$icon has no ${size}x${size} PNG"
done
[ -f "/usr/share/icons/hicolor/scalable/apps/$icon.svg" ] || fail "Icon=$icon has no scalable SVG"
echo "Exec=$exec_cmd -> $(command -v "$exec_cmd"); Icon=$icon at 16-512 px and scalable"
# The installed desktop entry and AppStream data as a software centre reads them.
desktop-file-validate "$desktop"
appstreamcli validate --no-net --strict "/usr/share/metainfo/$app_id.metainfo.xml"

echo "--> the installed man pages and shell completions"
# A page per subcommand, each found by `man` by name; the main one renders.
for sub in "" $("$bin" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | grep -vx help); do
  page=$pkg${sub:+-$sub}
  found=$(man -w "$page" 2>/dev/null) || fail "man -w $page finds no page"
  case "$found" in /usr/share/man/man1/"$page".1*) ;; *) fail "man -w $page finds $found" ;; esac
done
main_page=$(man -w "$pkg")
MANWIDTH=80 man -l "$main_page" >"$work/man.txt" 2>"$work/man.stderr" || true
# troff's warnings fail the check; man's own about an unset locale does not.
if grep -v "set the locale" "$work/man.stderr" | grep -q .; then cat "$work/man.stderr" >&2; fail "man -l $main_page warned"; fi
grep -q '^SUBCOMMANDS' "$work/man.txt" && grep -q 'concurrency-lab-run(1)' "$work/man.txt" ||
  fail "man -l $main_page does not render its SUBCOMMANDS"
echo "man -l $main_page: $(wc -l <"$work/man.txt") lines, $(grep -c '^       concurrency-lab-' "$work/man.txt") subcommands"
# bash: what bash-completion does on the first Tab after `concurrency-lab pre` (the installed
# file, not one of the user's).
completed=$(env BASH_COMPLETION_USER_DIR="$work/none" XDG_DATA_HOME="$work/none" bash --norc -c '
  source /usr/share/bash-completion/bash_completion
  _completion_loader concurrency-lab
  func=$(complete -p concurrency-lab | sed -E "s/.* -F ([^ ]+) .*/\1/")
  COMP_WORDS=(concurrency-lab pre); COMP_CWORD=1
  "$func" concurrency-lab pre concurrency-lab
  printf "%s\n" "${COMPREPLY[@]}"')
[ "$completed" = presets ] || fail "bash completes 'concurrency-lab pre' to '$completed', not 'presets'"
[ -s /usr/share/zsh/vendor-completions/_concurrency-lab ] || fail "no zsh completions"
[ -s /usr/share/fish/vendor_completions.d/concurrency-lab.fish ] || fail "no fish completions"
echo "bash completes 'concurrency-lab pre<Tab>' to 'presets'; zsh and fish completions installed"

echo "--> the installed command line"
cd "$work"
export HOME=$work XDG_DATA_HOME=$work/data XDG_CONFIG_HOME=$work/config
"$bin" --help >/dev/null
"$bin" presets | grep -q cpu-primes-gil || fail "'presets' does not list the bundled presets"
# Threads and processes: the processes backend re-runs the installed binary as its workers.
"$bin" run --backend threads,processes --workload noop --tasks 10 --workers 2 --json run.json
grep -c '"outcome": "completed"' run.json | grep -qx 2 || fail "the installed run did not complete both backends"
echo "presets and run (threads, processes) from $bin: completed"

echo "--> the installed window, under Xvfb"
mkdir -m 700 "$work/runtime"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$work/display" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.1; done
[ -s "$work/display" ] || fail "Xvfb did not start"
export DISPLAY=":$(cat "$work/display")"
(unset WAYLAND_DISPLAY; XDG_RUNTIME_DIR=$work/runtime exec "$exec_cmd" </dev/null 2>"$work/gui.stderr") &
gui=$!
pids+=("$gui")
window=""
for _ in $(seq 600); do
  window=$(xdotool search --class "$app_id" 2>/dev/null | head -n 1) && [ -n "$window" ] && break
  kill -0 "$gui" 2>/dev/null || break
  sleep 0.1
done
[ -n "$window" ] || { cat "$work/gui.stderr" >&2; fail "the installed app opened no window with WM_CLASS $app_id"; }
sleep 2
xdotool windowfocus --sync "$window" key --clearmodifiers ctrl+q
for _ in $(seq 200); do kill -0 "$gui" 2>/dev/null || break; sleep 0.1; done
kill -0 "$gui" 2>/dev/null && fail "the window did not close on Ctrl+Q"
wait "$gui" || { cat "$work/gui.stderr" >&2; fail "the window exited with an error"; }
echo "window opened (WM_CLASS $app_id, as StartupWMClass says) and closed on Ctrl+Q"

echo "--> dpkg --purge"
cd /
dpkg --purge "$pkg"
if dpkg -s "$pkg" >/dev/null 2>&1; then fail "dpkg still knows $pkg after the purge"; fi
for f in "${files[@]}" "/usr/share/doc/$pkg"; do
  if [ -e "$f" ]; then fail "$f is left after the purge"; fi
done
echo "purged: none of its ${#files[@]} files is left"
