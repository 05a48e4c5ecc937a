#!/usr/bin/env python3
"""Runs every bundled preset through the release binary and prints the README's preset table
(Markdown), then each preset's wall time for all its backends, warm-ups included.

    cargo build --release && python3 benches/preset_table.py [PRESET ...] > table.md

The figures are measured where you run this: use an otherwise idle machine. Needs python3 on
PATH for the python-* presets (they are skipped, with a note, when the lab reports no
interpreter)."""

import json
import os
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("BIN", os.path.join(os.path.dirname(__file__), "..", "target", "release", "concurrency-lab"))


def duration(secs):
    if secs is None:
        return "—"
    if secs >= 1.0:
        return f"{secs:.2f} s"
    if secs >= 1e-3:
        return f"{secs * 1e3:.1f} ms"
    return f"{secs * 1e6:.0f} µs"


def mib(n):
    if n is None:
        return "—"
    return f"{n / 2**10:.0f} KiB" if n < 2**20 else f"{n / 2**20:.1f} MiB" if n < 10 * 2**20 else f"{n / 2**20:.0f} MiB"


def preset_names():
    out = subprocess.run([BIN, "presets"], check=True, capture_output=True, text=True).stdout
    # One preset per line: "name  bundled|user  description"; only the bundled ones.
    return [words[0] for words in map(str.split, out.splitlines()) if len(words) > 1 and words[1] == "bundled"]


def row(preset, run):
    c = run["config"]
    samples = len(run.get("cpu_samples") or [])
    lag = "—"
    if run.get("loop_lag_max_secs") is not None:
        lag = f"{duration(run['loop_lag_max_secs'])} / {duration(run['loop_lag_p99_secs'])}"
        if run.get("loop_blocked"):
            lag += " **blocked**"
    orders = "—"
    if run.get("distinct_orders") is not None:
        orders = f"{run['distinct_orders']} in {len(run['repetitions'])}"
    par = run.get("effective_parallelism")
    elapsed = duration(run["elapsed_secs"])
    if run["outcome"] != "completed":
        elapsed += f" ({run['outcome']})"
    return (
        f"| `{preset}` | `{c['backend']}` | {c['workers']} | {elapsed} | {duration(run['setup_secs'])} | "
        f"{'—' if par is None else f'{par:.2f}'} | {mib(run.get('peak_rss_bytes'))} | {samples} | {lag} | {orders} |"
    )


def main():
    wanted = sys.argv[1:] or preset_names()
    print("| preset | backend | workers | median elapsed | setup | parallelism | peak memory | core samples "
          "| loop lag max / p99 | distinct orders |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        for preset in wanted:
            path = os.path.join(tmp, f"{preset}.json")
            start = time.monotonic()
            done = subprocess.run([BIN, "run", "--preset", preset, "--json", path], capture_output=True, text=True)
            walls.append((preset, time.monotonic() - start, done.returncode))
            if not os.path.exists(path):
                print(f"<!-- {preset}: exit {done.returncode}: {done.stderr.strip()[:200]} -->")
                continue
            with open(path) as f:
                for run in json.load(f)["runs"]:
                    print(row(preset, run))
    print()
    for preset, wall, code in walls:
        print(f"- `{preset}`: {wall:.1f} s for all its backends (exit {code})")


if __name__ == "__main__":
    main()
