#!/usr/bin/env bash
# Runs the README's shell blocks that are meant to work from a fresh clone, so the README cannot drift
# from what the code does. A block is checked when the line before its ```sh fence is
#   <!-- readme-check: runs -->
# Each runs on its own in bash -euo pipefail from the repository root; the first failing block fails
# the check (its output is shown). Blocks with placeholders or that run forever (serve) stay unmarked.
# Usage: tests/readme-check.sh [README]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
readme="${1:-README.md}"
blocks=$(mktemp -d)
trap 'rm -rf "$blocks"' EXIT
awk -v dir="$blocks" '
  /^<!-- readme-check: runs -->$/ { marked = NR; next }
  /^```sh$/ && marked == NR - 1 { n++; file = sprintf("%s/%02d.sh", dir, n); print "# " FILENAME ":" NR + 1 > file; inside = 1; next }
  /^```$/ && inside { inside = 0; close(file); next }
  inside { print > file }
' "$readme"

count=0
for block in "$blocks"/*.sh; do
  [ -e "$block" ] || break
  count=$((count + 1))
  where=$(head -1 "$block" | sed 's/^# //')
  # A TMPDIR of its own, so what a block makes with mktemp (and the lab's temporary folders) goes with the check.
  mkdir -p "$blocks/tmp"
  if ! out=$(TMPDIR="$blocks/tmp" bash -euo pipefail "$block" 2>&1); then
    printf 'readme-check: the block at %s failed:\n%s\n' "$where" "$out" >&2
    exit 1
  fi
done
if ((count == 0)); then
  echo "readme-check: no block in $readme is marked <!-- readme-check: runs -->" >&2
  exit 1
fi
echo "readme-check: $count README block(s) ran as written"
