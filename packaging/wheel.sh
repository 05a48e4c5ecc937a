#!/usr/bin/env bash
# Builds the wheel (pyproject.toml: maturin, `bindings = "bin"`) from the tested build, checks
# its platform tag with auditwheel, installs it into a fresh virtual environment as pipx or
# `uv tool` would, and runs the installed program: --version, presets, a short run (threads and
# processes: the processes re-run the installed binary). Then the same with the `[all]` extra
# and a python-* run, which must use that environment's interpreter and its aiohttp. Removes
# every environment it made; leaves the wheel in target/wheels/. Needs python3 (with venv) and
# PyPI (maturin, auditwheel, the extras' packages).
#   bash packaging/wheel.sh
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "wheel: $*" >&2; exit 1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

echo "--> maturin and auditwheel, in their own venv"
python3 -m venv "$work/tools"
"$work/tools/bin/pip" install -q "maturin==1.16.0" "auditwheel==6.8.2"

# maturin drives cargo with the release profile and default features, as the tests' build:
# only the binary is compiled again (with -C strip=symbols) and linked.
echo "--> maturin build --release"
rm -rf target/wheels
start=$(now)
"$work/tools/bin/maturin" build --release --locked
echo "wheel built in $(secs "$start" "$(now)") s"
shopt -s nullglob
wheels=(target/wheels/concurrency_lab-*.whl)
[ "${#wheels[@]}" -eq 1 ] || fail "expected one wheel in target/wheels, found ${#wheels[@]}"
wheel=$(realpath "${wheels[0]}")
printf 'wheel: %s, %s KiB\n' "$(basename "$wheel")" "$(( $(stat -c %s "$wheel") / 1024 ))"
case "$(basename "$wheel")" in
  *-py3-none-manylinux_*_x86_64.whl | *-py3-none-manylinux_*_aarch64.whl) ;;
  *) fail "$(basename "$wheel") is not tagged py3-none-manylinux_*" ;;
esac
# auditwheel agrees with the tag: only libc, libm and libgcc_s are linked (the window's
# libraries are opened with dlopen at run time), at the glibc versions the tag names.
"$work/tools/bin/auditwheel" show "$wheel" | tee "$work/audit.txt"
tag=$(basename "$wheel" .whl | sed 's/.*-py3-none-//')
grep -q "consistent[[:space:]]*with the following platform tag: \"$tag\"" <(tr '\n' ' ' <"$work/audit.txt") ||
  fail "auditwheel does not find $tag consistent"

# The installed program runs with a home of its own (user presets, settings).
lab_env() { env HOME="$work/home" XDG_CONFIG_HOME="$work/home/config" XDG_DATA_HOME="$work/home/data" "$@"; }
mkdir -p "$work/home"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

echo "--> pip install the wheel into a fresh venv"
python3 -m venv "$work/plain"
start=$(now)
"$work/plain/bin/pip" install -q --no-index "$wheel"
lab="$work/plain/bin/concurrency-lab"
[ -x "$lab" ] || fail "the wheel put no concurrency-lab in the venv's bin/"
if LC_ALL=C readelf -S -W "$lab" | grep -Eq '\.(debug_[a-z]+|symtab) '; then
  fail "the wheel's binary still has debug sections or a symbol table"
fi
[ "$(lab_env "$lab" --version)" = "concurrency-lab $version" ] || fail "--version says $(lab_env "$lab" --version)"
lab_env "$lab" presets >"$work/presets.txt"
grep -q '^cpu-primes-gil ' "$work/presets.txt" || fail "'presets' does not list the bundled presets"
grep -q "run $work/plain/bin/python3 (the virtual environment" "$work/presets.txt" ||
  fail "'presets' does not name the venv's python3: $(tail -n 1 "$work/presets.txt")"
(cd "$work" && lab_env "$lab" run --backend threads,processes --workload noop --tasks 10 --workers 2 --json plain.json)
echo "pip install to the end of a first run: $(secs "$start" "$(now)") s"
grep -c '"outcome": "completed"' "$work/plain.json" | grep -qx 2 || fail "the installed run did not complete both backends"
echo "--version, presets and run (threads, processes) from the installed wheel: completed"

echo "--> pip install 'concurrency-lab[all]' into a fresh venv"
python3 -m venv "$work/all"
start=$(now)
"$work/all/bin/pip" install -q "$wheel[all]"
echo "pip install with [all]: $(secs "$start" "$(now)") s"
"$work/all/bin/python3" -c 'import aiohttp, uvloop, dask, distributed' || fail "[all] did not install the extras"
lab="$work/all/bin/concurrency-lab"
lab_env "$lab" --version >/dev/null
lab_env "$lab" presets | tail -n 1
(cd "$work" && lab_env "$lab" run --backend python-asyncio --workload http --size 20 --tasks 8 --workers 8 --json all.json)
python3 - "$work/all.json" "$work/all/bin/python3" <<'EOF' || fail "the python-asyncio run did not use the venv's Python and aiohttp"
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
python = run.get("python") or {}
assert run["outcome"] == "completed", run.get("error")
assert python.get("executable") == sys.argv[2], python
assert (python.get("http_client") or "").startswith("aiohttp"), python
print("python-asyncio http ran in %s with %s" % (python["executable"], python["http_client"]))
EOF
echo "wheel checked; removing its venvs"
