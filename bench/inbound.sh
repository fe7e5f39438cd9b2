#!/usr/bin/env bash
# Inbound side by side: MailFlow and Postfix on loopback, the same load generator, the same 10 KiB
# messages, 20 parallel sessions, one connection per message, durable acceptance and Maildir delivery
# on both. Scenarios: plain, STARTTLS with ECDSA P-256, STARTTLS with RSA-2048.
# Prints: msgs/s (acceptance), server CPU ms/msg (until every message is in a Maildir), p50/p99
# latency, memory (PSS summed over the server's processes after the run), and the MailFlow/Postfix ratios.
# Each MTA first gets an unmeasured warm-up (JIT, process pools); then measured rounds alternate
# MailFlow, Postfix, MailFlow, ... on the same running servers, and the table shows each figure's median
# over the rounds with its range (this machine's run-to-run noise is ±25 %).
# Usage: bench/inbound.sh [--smoke] [--messages N] [--rounds N] [--scenarios "plain ecdsa rsa"]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
source bench/postfix-peer.sh
source bench/mailflow-server.sh

messages=3000 warmup=1500 concurrency=20 rounds=3 scenarios="plain ecdsa rsa"
while (($#)); do
  case "$1" in
    --smoke) messages=200; warmup=50; rounds=1; scenarios="plain ecdsa" ;;
    --rounds) rounds=$2; shift ;;
    --messages) messages=$2; shift ;;
    --scenarios) scenarios=$2; shift ;;
    *) echo "inbound.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

ensure_packages postfix openssl python3 procps
build_mailflow
bench_workdir inbound

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ecdsa.key" -out "$work/ecdsa.pem" -days 30 -subj /CN=mail.bench.test -addext subjectAltName=DNS:mail.bench.test 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/rsa.key" -out "$work/rsa.pem" -days 30 -subj /CN=mail.bench.test -addext subjectAltName=DNS:mail.bench.test 2>/dev/null

wait_delivered() { # counter-function dir expected
  for _ in $(seq 600); do
    [ "$($1 "$2")" -ge "$3" ] && return 0
    sleep 0.1
  done
  echo "only $($1 "$2") of $3 messages delivered in $2" >&2
  return 1
}

warm_up() { # counter dir port starttls-flag
  # Not measured: JIT for MailFlow (tiered compilation keeps recompiling hot methods for the first few
  # thousand sessions), process pools and caches for Postfix. A long-running MTA is what is compared.
  dotnet "$LOAD_DLL" smtp-load --port "$3" --messages "$warmup" --concurrency "$concurrency" --size-kib 10 --rcpt user@bench.test $4 >/dev/null
  wait_delivered "$1" "$2" "$warmup"
}

measure() { # mta scenario pid counter dir port starttls-flag
  local mta=$1 scenario=$2 pid=$3 counter=$4 dir=$5 port=$6 flag=$7 before after result already
  already=$($counter "$dir")
  before=$(tree_ticks "$pid")
  result=$(dotnet "$LOAD_DLL" smtp-load --port "$port" --messages "$messages" --concurrency "$concurrency" --size-kib 10 --rcpt user@bench.test $flag) || {
    echo "$mta $scenario: the load generator saw failures: $result" >&2
    return 1
  }
  wait_delivered "$counter" "$dir" $((already + messages))
  after=$(tree_ticks "$pid")
  local cpu_ms_per_msg
  cpu_ms_per_msg=$(awk -v t=$((after - before)) -v hz="$TICKS" -v n="$messages" 'BEGIN { printf "%.2f", t * 1000 / hz / n }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$mta" "$(json_field "$result" msgs_per_s)" "$cpu_ms_per_msg" \
    "$(json_field "$result" p50_ms)" "$(json_field "$result" p99_ms)" "$(( $(tree_pss_kb "$pid") / 1024 ))" "$(json_field "$result" client_cpu_ms_per_msg)" >> "$work/results.tsv"
}

for scenario in $scenarios; do
  tls=$scenario; flag=--starttls
  [ "$scenario" = plain ] && { tls=none; flag=""; }
  # Both MTAs on fresh directories and ports, each warmed up, then measured in alternation.
  mf_port=$(free_port)
  start_mailflow "$work/mailflow-$scenario" "$mf_port" "$tls" "$work"
  pf_port=$(free_port)
  start_postfix "$work/postfix-$scenario" "$pf_port" "$tls" "$work/$tls.pem" "$work/$tls.key"
  warm_up mailflow_delivered "$work/mailflow-$scenario" "$mf_port" "$flag"
  warm_up postfix_delivered "$work/postfix-$scenario" "$pf_port" "$flag"
  for _ in $(seq "$rounds"); do
    measure MailFlow "$scenario" "$MAILFLOW_PID" mailflow_delivered "$work/mailflow-$scenario" "$mf_port" "$flag"
    measure Postfix "$scenario" "$POSTFIX_MASTER_PID" postfix_delivered "$work/postfix-$scenario" "$pf_port" "$flag"
  done
  kill -TERM "$MAILFLOW_PID"; wait "$MAILFLOW_PID" 2>/dev/null || true
  stop_postfix "$work/postfix-$scenario"
done

echo "inbound, $messages messages of 10 KiB per round, $concurrency parallel sessions, one connection per message, durable, Maildir delivery; median of $rounds alternating round(s), range in brackets"
echo "| scenario | MTA | msgs/s | server CPU ms/msg | p50 ms | p99 ms | memory MB (PSS) | client CPU ms/msg | MailFlow/Postfix msgs/s | MailFlow/Postfix CPU |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
median_table "$work/results.tsv" 3 4
