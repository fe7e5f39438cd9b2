#!/usr/bin/env bash
# Inbound side by side: MailFlow and Postfix on loopback, the same load generator, the same 10 KiB
# messages, 20 parallel sessions, one connection per message, durable acceptance and Maildir delivery
# on both. Scenarios: plain, STARTTLS with ECDSA P-256, STARTTLS with RSA-2048.
# Prints: msgs/s (acceptance), server CPU ms/msg (until every message is in a Maildir), p50/p99
# latency, memory (PSS summed over the server's processes after the run), and the MailFlow/Postfix ratios.
# Each MTA first gets an unmeasured warm-up (JIT, process pools).
# Usage: bench/inbound.sh [--smoke] [--messages N] [--scenarios "plain ecdsa rsa"]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
source bench/postfix-peer.sh
source bench/mailflow-server.sh

messages=3000 warmup=1500 concurrency=20 scenarios="plain ecdsa rsa"
while (($#)); do
  case "$1" in
    --smoke) messages=200; warmup=50; scenarios="plain ecdsa" ;;
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

measure() { # mta scenario pid counter dir port starttls-flag
  local mta=$1 scenario=$2 pid=$3 counter=$4 dir=$5 port=$6 flag=$7 before after result seconds
  # Warm-up, not measured: JIT for MailFlow (tiered compilation keeps recompiling hot methods for the
  # first few thousand sessions), process pools and caches for Postfix. A long-running MTA is measured.
  dotnet "$LOAD_DLL" smtp-load --port "$port" --messages "$warmup" --concurrency "$concurrency" --size-kib 10 --rcpt user@bench.test $flag >/dev/null
  wait_delivered "$counter" "$dir" "$warmup"
  before=$(tree_ticks "$pid")
  result=$(dotnet "$LOAD_DLL" smtp-load --port "$port" --messages "$messages" --concurrency "$concurrency" --size-kib 10 --rcpt user@bench.test $flag) || {
    echo "$mta $scenario: the load generator saw failures: $result" >&2
    return 1
  }
  wait_delivered "$counter" "$dir" $((warmup + messages))
  after=$(tree_ticks "$pid")
  local cpu_ms_per_msg
  cpu_ms_per_msg=$(awk -v t=$((after - before)) -v hz="$TICKS" -v n="$messages" 'BEGIN { printf "%.2f", t * 1000 / hz / n }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$mta" "$(json_field "$result" msgs_per_s)" "$cpu_ms_per_msg" \
    "$(json_field "$result" p50_ms)" "$(json_field "$result" p99_ms)" "$(( $(tree_pss_kb "$pid") / 1024 ))" "$(json_field "$result" client_cpu_ms_per_msg)" >> "$work/results.tsv"
}

for scenario in $scenarios; do
  tls=$scenario; flag=--starttls
  [ "$scenario" = plain ] && { tls=none; flag=""; }
  # MailFlow, then Postfix, on fresh directories and ports.
  port=$(free_port)
  start_mailflow "$work/mailflow-$scenario" "$port" "$tls" "$work"
  measure MailFlow "$scenario" "$MAILFLOW_PID" mailflow_delivered "$work/mailflow-$scenario" "$port" "$flag"
  kill -TERM "$MAILFLOW_PID"; wait "$MAILFLOW_PID" 2>/dev/null || true
  port=$(free_port)
  start_postfix "$work/postfix-$scenario" "$port" "$tls" "$work/$tls.pem" "$work/$tls.key"
  measure Postfix "$scenario" "$POSTFIX_MASTER_PID" postfix_delivered "$work/postfix-$scenario" "$port" "$flag"
  stop_postfix "$work/postfix-$scenario"
done

echo "inbound, $messages messages of 10 KiB, $concurrency parallel sessions, one connection per message, durable, Maildir delivery"
echo "| scenario | MTA | msgs/s | server CPU ms/msg | p50 ms | p99 ms | memory MB (PSS) | client CPU ms/msg | MailFlow/Postfix msgs/s | MailFlow/Postfix CPU |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
awk -F'\t' '{ row[$1, $2] = $0; rate[$1, $2] = $3; cpu[$1, $2] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
  END {
    for (i = 1; i <= n; i++) {
      s = order[i]
      for (m = 1; m <= 2; m++) {
        mta = m == 1 ? "MailFlow" : "Postfix"
        split(row[s, mta], f, "\t")
        ratio = m == 1 ? sprintf("%.2f× | %.2f×", rate[s, "MailFlow"] / rate[s, "Postfix"], cpu[s, "MailFlow"] / cpu[s, "Postfix"]) : " | "
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], ratio
      }
    }
  }' "$work/results.tsv"
