#!/usr/bin/env bash
# Writes the man pages and shell completions the .deb installs, made by the built binary from
# its own clap definitions (`concurrency-lab man --dir`, `concurrency-lab completions SHELL`),
# into target/assets/ where [package.metadata.deb]'s assets expect them. .ci/run runs it on
# the tested binary before `cargo deb --no-build`.
#   bash packaging/generate-docs.sh [BINARY]   (default: target/release/concurrency-lab)
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/release/concurrency-lab}
out=target/assets
[ -x "$bin" ] || { echo "generate-docs: no binary at $bin (build it first)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/man" "$out/completions"
"$bin" man --dir "$out/man" 2>/dev/null
"$bin" completions bash >"$out/completions/concurrency-lab"
"$bin" completions zsh >"$out/completions/_concurrency-lab"
"$bin" completions fish >"$out/completions/concurrency-lab.fish"
for f in "$out"/man/*.1 "$out"/completions/*; do
  [ -s "$f" ] || { echo "generate-docs: $f is empty" >&2; exit 1; }
done
printf 'generate-docs: %s man pages, completions for bash, zsh and fish in %s\n' "$(ls "$out/man" | wc -l)" "$out"
