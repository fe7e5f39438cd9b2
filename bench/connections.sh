#!/usr/bin/env bash
# Memory per idle connection and probe latency, MailFlow next to Postfix on loopback.
# Idle: 1,000 connections that read the banner and say nothing; server memory (PSS of the process tree)
# before and while they are held. Postfix runs one smtpd process per connection, up to its process limit.
# Probe: `mailflow probe` and Postfix's `posttls-finger` against the same STARTTLS ports, wall time each
# (process start included), median of the runs.
# Usage: bench/connections.sh [--smoke]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
source bench/postfix-peer.sh
source bench/mailflow-server.sh

idle=1000 probes=10
if [ "${1:-}" = "--smoke" ]; then idle=300; probes=3; fi
ensure_packages postfix openssl python3 procps
build_mailflow
bench_workdir connections
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ecdsa.key" -out "$work/ecdsa.pem" -days 30 -subj /CN=mail.bench.test -addext subjectAltName=DNS:mail.bench.test 2>/dev/null
mkdir -p "$work/finger" && echo "compatibility_level = 3.6" > "$work/finger/main.cf"

idle_kib() { # pid port -> KiB per held connection
  local pid=$1 port=$2 before during
  # A few sessions first and a pause, so start-up garbage is collected before the baseline.
  dotnet "$LOAD_DLL" smtp-load --port "$port" --messages 20 --concurrency 2 --rcpt user@bench.test >/dev/null
  sleep 3
  before=$(tree_pss_kb "$pid")
  dotnet "$LOAD_DLL" smtp-load --port "$port" --idle "$idle" --hold-s 4 > "$work/idle.out" &
  local load=$!
  for _ in $(seq 300); do grep -q holding "$work/idle.out" && break; sleep 0.1; done
  sleep 1
  during=$(tree_pss_kb "$pid")
  wait "$load"
  local held greeted
  held=$(grep -o 'holding [0-9]*' "$work/idle.out" | grep -o '[0-9]*')
  greeted=$(grep -o '[0-9]* greeted' "$work/idle.out" | grep -o '[0-9]*')
  echo "$(( (during - before) / (held > 0 ? held : 1) )) $held $greeted"
}

median_ms() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

probe_ms() { # port tool
  for _ in $(seq "$probes"); do
    local began ended
    began=$(date +%s%N)
    if [ "$2" = mailflow ]; then
      dotnet "$MAILFLOW_DLL" probe "127.0.0.1:$1" --expect mail.bench.test --json --data "$work/probe-data" >/dev/null 2>&1 || true
    else
      MAIL_CONFIG="$work/finger" posttls-finger -c -l may "[127.0.0.1]:$1" >/dev/null 2>&1 || true
    fi
    ended=$(date +%s%N)
    echo $(( (ended - began) / 1000000 ))
  done | median_ms
}

port=$(free_port)
start_mailflow "$work/mailflow" "$port" ecdsa "$work"
read -r mf_kib mf_held mf_greeted <<< "$(idle_kib "$MAILFLOW_PID" "$port")"
mf_probe=$(probe_ms "$port" mailflow); mf_finger=$(probe_ms "$port" posttls-finger)
kill -TERM "$MAILFLOW_PID"; wait "$MAILFLOW_PID" 2>/dev/null || true

port=$(free_port)
start_postfix "$work/postfix" "$port" ecdsa "$work/ecdsa.pem" "$work/ecdsa.key"
read -r pf_kib pf_held pf_greeted <<< "$(idle_kib "$POSTFIX_MASTER_PID" "$port")"
pf_probe=$(probe_ms "$port" mailflow); pf_finger=$(probe_ms "$port" posttls-finger)
stop_postfix "$work/postfix"

echo "idle connections ($idle held) and probe latency (median of $probes, process start included)"
echo "| server | KiB per idle connection | connected | greeted | mailflow probe ms | posttls-finger ms |"
echo "|---|---:|---:|---:|---:|---:|"
echo "| MailFlow | $mf_kib | $mf_held of $idle | $mf_greeted | $mf_probe | $mf_finger |"
echo "| Postfix (default_process_limit 100) | $pf_kib | $pf_held of $idle | $pf_greeted | $pf_probe | $pf_finger |"
