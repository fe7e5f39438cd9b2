#!/usr/bin/env bash
# Reads a generated 1 GiB SmtpReceive log with `mailflow logs summary` and with mawk and Python's csv
# module (the same question: sessions per connector), and reports MB/s and peak memory of each.
# Usage: bench/log-readers.sh [MEGABYTES]   (default 1024; the file is kept in $TMPDIR for reruns)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
size_mb="${1:-1024}"
missing=()
for package in time mawk python3; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  sudo=""; if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

source bench/lib.sh
build_mailflow
log="${TMPDIR:-/tmp}/mailflow-bench-${size_mb}MB-RECV.LOG"
if [ ! -f "$log" ]; then
  dotnet bench/MailFlow.Benchmarks/bin/Release/net10.0/MailFlow.Benchmarks.dll generate-smtp-receive-log "$log" "$size_mb"
fi
cat "$log" > /dev/null # warm the page cache: every reader sees the same warm file
bytes=$(stat -c %s "$log")

run() { # name, command...
  local name="$1"; shift
  local out; out=$( { /usr/bin/time -f "%e %M" "$@" > /dev/null; } 2>&1 | tail -1 )
  local seconds=${out% *} rss_kb=${out#* }
  awk -v n="$name" -v s="$seconds" -v b="$bytes" -v r="$rss_kb" 'BEGIN { printf "| %-28s | %6.2f s | %7.0f MB/s | %6.0f MB |\n", n, s, b / 1048576 / s, r / 1024 }'
}

echo "| reader | time | throughput | peak RSS |"
echo "|---|---:|---:|---:|"
run "mailflow logs summary" dotnet src/MailFlow.Cli/bin/Release/net10.0/mailflow.dll logs summary "$log"
run "mawk (naive split on ,)" mawk -F, '!/^#/ && $4 == "0" { s[$2]++ } END { for (c in s) print c, s[c] }' "$log"
run "python3 csv" /usr/bin/python3 -c '
import csv, sys, collections
s = collections.Counter()
with open(sys.argv[1], newline="") as f:
    for row in csv.reader(line for line in f if not line.startswith("#")):
        if len(row) > 3 and row[3] == "0": s[row[1]] += 1
print(s)' "$log"
# PowerShell, the way admins read these logs: $MAILFLOW_PWSH, pwsh on PATH, or the tool under .tools/pwsh (installed here if missing).
pwsh=${MAILFLOW_PWSH:-$(command -v pwsh || true)}
if [ -z "$pwsh" ] && [ ! -x .tools/pwsh/pwsh ]; then
  # The same PowerShell 7.6.9 tool test.sh installs (NuGet is reachable where the tests run).
  dotnet tool install --tool-path .tools/pwsh PowerShell --version 7.6.9 >/dev/null 2>&1 || true
fi
if [ -z "$pwsh" ] && [ -x .tools/pwsh/pwsh ]; then pwsh=.tools/pwsh/pwsh; fi
if [ -n "$pwsh" ]; then
  run "PowerShell ConvertFrom-Csv" "$pwsh" -NoProfile -NonInteractive -Command "
    \$fields = 'date-time','connector-id','session-id','sequence-number','local-endpoint','remote-endpoint','event','data','context'
    [IO.File]::ReadLines('$log') | Where-Object { -not \$_.StartsWith('#') } | ConvertFrom-Csv -Header \$fields |
      Where-Object { \$_.'sequence-number' -eq '0' } | Group-Object 'connector-id' -NoElement | Out-String"
fi
