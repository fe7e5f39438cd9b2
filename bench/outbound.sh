#!/usr/bin/env bash
# Outbound with verified TLS, side by side: messages injected over plain SMTP into MailFlow and into
# Postfix are relayed to the same TLS sink on loopback, the sender requiring TLS and checking chain
# and name (MailFlow: RequireTLS + TlsAuthLevel DomainValidation; Postfix: smtp_tls_security_level =
# secure, match=sink.bench.test). One connection per message, then with connection reuse.
# Prints msgs/s (first injection until the sink has them all), server CPU ms/msg (the whole MTA:
# receiving the injection, queueing, relaying), p50/p99 latency from injection to arrival at the sink,
# memory, and the MailFlow/Postfix ratios.
# Both MTAs are warmed up, then measured rounds alternate; the table shows medians with their range.
# Usage: bench/outbound.sh [--smoke] [--messages N] [--rounds N]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
source bench/postfix-peer.sh
source bench/mailflow-server.sh

messages=2000 warmup=1500 concurrency=10 rounds=3 modes="per-message reuse"
while (($#)); do
  case "$1" in
    --smoke) messages=100; warmup=30; rounds=1; modes="per-message" ;;
    --rounds) rounds=$2; shift ;;
    --messages) messages=$2; shift ;;
    *) echo "outbound.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

ensure_packages postfix openssl python3 procps
build_mailflow
bench_workdir outbound

# A CA both senders trust, and the sink's ECDSA certificate for sink.bench.test.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 30 -subj "/CN=Bench Root CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/sink.key" -out "$work/sink.csr" -subj /CN=sink.bench.test 2>/dev/null
printf 'subjectAltName=DNS:sink.bench.test\nextendedKeyUsage=serverAuth\n' > "$work/sink.ext"
openssl x509 -req -in "$work/sink.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 30 -extfile "$work/sink.ext" -out "$work/sink.pem" 2>/dev/null

start_sink() { # port expect -> SINK_PID
  dotnet "$LOAD_DLL" tls-sink --port "$1" --expect "$2" --cert "$work/sink.pem" --key "$work/sink.key" > "$work/sink.out" 2>&1 &
  SINK_PID=$!
  started+=("$SINK_PID")
  for _ in $(seq 300); do grep -qx ready "$work/sink.out" && return 0; sleep 0.1; done
  return 1
}

start_mailflow_relay() { # dir port sinkport per-connection -> MAILFLOW_PID
  local data=$1 port=$2 sink=$3 reuse=$4
  prepare_mailflow "$data" "$port"
  mf domain add remote.test --DomainType InternalRelay --data "$data"
  mf trust add "$work/ca.pem" --data "$data"
  mf connector send new "To the sink" --AddressSpaces remote.test --DNSRoutingEnabled '$false' --SmartHosts "127.0.0.1:$sink" \
    --RequireTLS '$true' --TlsAuthLevel DomainValidation --TlsDomain sink.bench.test --SmtpMaxMessagesPerConnection "$reuse" --data "$data"
  serve_mailflow "$data"
}

start_postfix_relay() { # dir port sinkport reuse(yes|no)
  local dir=$1 sink=$3
  start_postfix "$dir" "$2" none "" ""
  cat >> "$dir/etc/main.cf" <<CF
mynetworks = 127.0.0.0/8
relay_domains = remote.test
transport_maps = inline:{ remote.test=smtp:[127.0.0.1]:$sink }
smtp_tls_security_level = secure
smtp_tls_policy_maps = inline:{ {[127.0.0.1]:$sink = secure match=sink.bench.test} }
smtp_tls_CAfile = $work/ca.pem
smtp_tls_session_cache_database = btree:\${data_directory}/smtp_scache
smtp_connection_cache_on_demand = $4
smtp_tls_connection_reuse = $4
default_destination_concurrency_limit = 20
CF
  cat >> "$dir/etc/master.cf" <<CF
smtp unix - - n - - smtp
tlsproxy unix - - n - 0 tlsproxy
CF
  postfix -c "$dir/etc" reload >/dev/null 2>&1
  sleep 1
}

wait_sink() { # what
  for _ in $(seq 1200); do kill -0 "$SINK_PID" 2>/dev/null || return 0; sleep 0.05; done
  echo "$1: the sink did not get every message in 60 s ($(cat "$work/sink.out"))" >&2
  return 1
}

warm_up() { # mta mode port sinkport
  # Not measured (JIT, process pools, TLS session caches), against a sink that stops after it.
  start_sink "$4" "$warmup"
  dotnet "$LOAD_DLL" smtp-load --port "$3" --messages "$warmup" --concurrency "$concurrency" --size-kib 10 --rcpt user@remote.test >/dev/null
  wait_sink "$1 $2 warm-up"
}

measure() { # mta mode pid port sinkport
  local mta=$1 mode=$2 pid=$3 port=$4 sink=$5 before after began result elapsed
  start_sink "$sink" "$messages"
  before=$(tree_ticks "$pid")
  began=$(date +%s.%N)
  result=$(dotnet "$LOAD_DLL" smtp-load --port "$port" --messages "$messages" --concurrency "$concurrency" --size-kib 10 --rcpt user@remote.test) || {
    echo "$mta $mode: injection failed: $result" >&2
    return 1
  }
  wait_sink "$mta $mode"
  elapsed=$(awk -v b="$began" -v e="$(date +%s.%N)" 'BEGIN { print e - b }')
  after=$(tree_ticks "$pid")
  # The sink's last line: "received N p50_ms X p99_ms Y" (injection to arrival, through the relay).
  local latency; latency=$(tail -1 "$work/sink.out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$mta" \
    "$(awk -v n="$messages" -v s="$elapsed" 'BEGIN { printf "%.1f", n / s }')" \
    "$(awk -v t=$((after - before)) -v hz="$TICKS" -v n="$messages" 'BEGIN { printf "%.2f", t * 1000 / hz / n }')" \
    "$(awk '{ print $4 }' <<< "$latency")" "$(awk '{ print $6 }' <<< "$latency")" \
    "$(( $(tree_pss_kb "$pid") / 1024 ))" >> "$work/results.tsv"
}

for mode in $modes; do
  reuse=1 cache=no
  [ "$mode" = reuse ] && { reuse=20; cache=yes; }
  mf_sink=$(free_port) mf_port=$(free_port)
  start_mailflow_relay "$work/mailflow-$mode" "$mf_port" "$mf_sink" "$reuse"
  pf_sink=$(free_port) pf_port=$(free_port)
  start_postfix_relay "$work/postfix-$mode" "$pf_port" "$pf_sink" "$cache"
  warm_up MailFlow "$mode" "$mf_port" "$mf_sink"
  warm_up Postfix "$mode" "$pf_port" "$pf_sink"
  for _ in $(seq "$rounds"); do
    measure MailFlow "$mode" "$MAILFLOW_PID" "$mf_port" "$mf_sink"
    measure Postfix "$mode" "$POSTFIX_MASTER_PID" "$pf_port" "$pf_sink"
  done
  kill -TERM "$MAILFLOW_PID"; wait "$MAILFLOW_PID" 2>/dev/null || true
  stop_postfix "$work/postfix-$mode"
done

echo "outbound verified TLS (ECDSA P-256 sink), $messages messages of 10 KiB per round injected by $concurrency plain sessions; median of $rounds alternating round(s), range in brackets"
echo "| connections | MTA | msgs/s | server CPU ms/msg | p50 ms | p99 ms | memory MB (PSS) | MailFlow/Postfix msgs/s | MailFlow/Postfix CPU |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
median_table "$work/results.tsv" 3 4
