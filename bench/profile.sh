#!/usr/bin/env bash
# Where MailFlow's server spends its CPU under the inbound load of bench/inbound.sh: perf samples the
# server process (managed frames named through the runtime's perf map) while smtp-load sends, after the
# same warm-up. Prints the hottest functions by self time and by inclusive time.
# Usage: bench/profile.sh [--scenario plain|ecdsa|rsa] [--messages N] [--top N]
# Needs perf (Debian's linux-perf) and permission to sample another process (root, or
# kernel.perf_event_paranoid <= 1). Not part of run-all: a profile is for reading, not for a table.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
source bench/mailflow-server.sh

scenario=ecdsa messages=3000 warmup=1500 top=40
while (($#)); do
  case "$1" in
    --scenario) scenario=$2; shift ;;
    --messages) messages=$2; shift ;;
    --top) top=$2; shift ;;
    *) echo "profile.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

ensure_packages linux-perf openssl python3 procps
build_mailflow
bench_workdir profile

tls=$scenario flag=--starttls
[ "$scenario" = plain ] && { tls=none; flag=""; }
case "$tls" in
  ecdsa) openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ecdsa.key" -out "$work/ecdsa.pem" -days 30 -subj /CN=mail.bench.test -addext subjectAltName=DNS:mail.bench.test 2>/dev/null ;;
  rsa) openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/rsa.key" -out "$work/rsa.pem" -days 30 -subj /CN=mail.bench.test -addext subjectAltName=DNS:mail.bench.test 2>/dev/null ;;
  none) ;;
  *) echo "profile.sh: --scenario is plain, ecdsa or rsa, not $scenario" >&2; exit 2 ;;
esac

port=$(free_port)
# The runtime writes /tmp/perf-PID.map so perf can name JIT-compiled frames; only the server gets it.
# W^X off: with it on, JIT-compiled code runs from a memfd mapping the perf map does not describe.
MAILFLOW_SERVE_ENV="DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0" start_mailflow "$work/mailflow" "$port" "$tls" "$work"
load() { dotnet "$LOAD_DLL" smtp-load --port "$port" --messages "$1" --concurrency 20 --size-kib 10 --rcpt user@bench.test $flag; }
load "$warmup" >/dev/null
perf record -o "$work/perf.data" -e cpu-clock -F 1999 -g -p "$MAILFLOW_PID" 2>"$work/perf.err" &
perf_pid=$!
sleep 1
load "$messages"
kill -INT "$perf_pid"; wait "$perf_pid" || true
sleep 2 # delivery finishes before the work directory goes

report() { perf report -i "$work/perf.data" --stdio -g none "$@" 2>/dev/null | grep -E '^ +[0-9]' > "$work/report.txt" || true; head -n "$top" "$work/report.txt"; }
echo "== by binary (JIT-compiled code is perf-$MAILFLOW_PID.map) =="
report --no-children --sort dso
echo "== self time, top $top =="
report --no-children --sort dso,symbol
echo "== inclusive time, top $top =="
report --children --sort symbol
echo "== system calls, inclusive =="
perf report -i "$work/perf.data" --stdio -g none --children --sort symbol 2>/dev/null | grep -E '\[k\] __x64_sys_' | head -n 15 || true
rm -f "/tmp/perf-$MAILFLOW_PID.map"
