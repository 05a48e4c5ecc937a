#!/usr/bin/env bash
# Refreshes the screenshots in assets/ (the README's and the AppStream data's) from the real
# window: the release binary under Xvfb, driven with xdotool, captured with ImageMagick's
# `import`. Each shot starts from fresh settings (its own XDG dirs), loads a preset and runs it
# at start (`--preset NAME --run`), waits until the app has gone idle, and captures the
# 1280×800 screen. FIGURES=1 also saves each window's figure (Save PNG) as NAME-figure.png.
#   bash packaging/screenshots.sh            # both; builds the release binary if it is missing
#   bash packaging/screenshots.sh screenshot-light     # only the one named
#   BIN=/usr/bin/concurrency-lab bash packaging/screenshots.sh
# Needs: apt-get install xvfb xdotool imagemagick (and a Mesa driver, as for the tests).
# The figures in the pictures are measured where you run this: use an otherwise idle machine,
# and update the README's caption of assets/screenshot.png to what it shows.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${BIN:-target/release/concurrency-lab}
for tool in Xvfb xdotool import; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install xvfb xdotool imagemagick" >&2; exit 1; }
done
[ -x "$bin" ] || cargo build --release --locked

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$work/display" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.1; done
export DISPLAY=":$(cat "$work/display")"
unset WAYLAND_DISPLAY
export WGPU_BACKEND=${WGPU_BACKEND:-vulkan}

# CPU time (user + system, own and reaped children) of a process, in clock ticks; a process
# that has exited fails the script with its stderr ($home is the shot's).
cpu_ticks() {
  [ -r "/proc/$1/stat" ] || { echo "the app exited early; its stderr:" >&2; cat "$home/stderr" >&2; exit 1; }
  awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"
}

# Waits until the process has used no CPU for 3 s in a row (the run is over and the window,
# which repaints only on input once idle, has drawn its last frame).
wait_idle() {
  local pid=$1 last now quiet=0
  last=$(cpu_ticks "$pid")
  while [ "$quiet" -lt 6 ]; do
    sleep 0.5
    now=$(cpu_ticks "$pid")
    if [ "$now" = "$last" ]; then quiet=$((quiet + 1)); else quiet=0; fi
    last=$now
  done
}

# shot NAME PRESET [THEME] [SELECT_Y]: PRESET is a bundled preset's name or a file, run at start
# with --run as "Run this preset" runs it (no click, no confirmation); THEME "light" clicks
# Light in the top bar once the run is over; SELECT_Y, if given, clicks that row of the history
# list after it (to show another run than the last). The window's own figure of the same runs
# (Save PNG, as `run --png` draws it) is written beside the shot as NAME-figure.png in $work
# and copied to assets/ only with FIGURES=1.
shot() {
  local name=$1 preset=$2 theme=${3:-system} select_y=${4:-} home="$work/$1"
  mkdir -p "$home/runtime" && chmod 700 "$home/runtime"
  XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" XDG_RUNTIME_DIR="$home/runtime" \
    "$bin" --preset "$preset" --run --png-path "$home/figure.png" </dev/null 2>"$home/stderr" &
  local app=$!
  pids+=("$app")
  local window=""
  for _ in $(seq 600); do
    window=$(xdotool search --name "Concurrency Lab" 2>/dev/null | head -n 1) && [ -n "$window" ] && break
    sleep 0.1
  done
  [ -n "$window" ] || { echo "the window did not open:" >&2; cat "$home/stderr" >&2; exit 1; }
  xdotool mousemove 1279 799           # park the pointer where it hovers nothing
  sleep 3
  wait_idle "$app"
  local used
  used=$(cpu_ticks "$app")
  # A run of the presets below takes seconds of CPU; a window that ran nothing, a few ticks.
  [ "$used" -gt 100 ] || { echo "$name: --run started no run ($used ticks)" >&2; cat "$home/stderr" >&2; exit 1; }
  if [ "$theme" = light ]; then
    xdotool mousemove 1216 12 click 1   # "Light", top right
    sleep 1
  fi
  if [ -n "$select_y" ]; then
    xdotool mousemove 1060 "$select_y" click 1
    sleep 1
  fi
  xdotool mousemove 1279 799
  wait_idle "$app"
  import -window root "assets/$name.png"
  echo "assets/$name.png"
  if [ "${FIGURES:-0}" = 1 ]; then
    xdotool windowfocus --sync "$window" key --clearmodifiers ctrl+s
    for _ in $(seq 600); do [ -s "$home/figure.png" ] && break; sleep 0.1; done
    wait_idle "$app"
    cp "$home/figure.png" "assets/$name-figure.png" && echo "assets/$name-figure.png"
  fi
  kill "$app"
  wait "$app" 2>/dev/null || true
}

wanted=${*:-screenshot screenshot-light}
for name in $wanted; do
  case $name in
    # The headline experiment, the articles' own: primes below 100,000 × 2 under the GIL, and
    # the same without it (Rust's shape).
    # With the GIL: the threads run selected, its timeline striped where each thread held it.
    screenshot) shot screenshot cpu-primes-gil system 551 ;;
    screenshot-light) shot screenshot-light cpu-primes-no-gil light ;;
    *) echo "unknown screenshot '$name' (screenshot, screenshot-light)" >&2; exit 2 ;;
  esac
done
