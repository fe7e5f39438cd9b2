#!/usr/bin/env bash
# Start-to-exit time of the commands admins put in loops, MailFlow next to Postfix's own tools:
# mailflow --help, service status, queue list, track, cert list and probe, each as ./mailflow runs it
# (published with Native AOT) and as `dotnet mailflow.dll` (the build the tests use, JIT);
# posttls-finger against the same STARTTLS port and `postqueue -p` on a private Postfix instance.
# hyperfine times each (-N: no shell in between), after warm-up runs so every file is in the page cache.
# Usage: bench/startup.sh [--smoke]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/lib.sh
source bench/postfix-peer.sh

runs=20 warmup=3
if [ "${1:-}" = "--smoke" ]; then runs=3; warmup=1; fi
ensure_packages postfix openssl hyperfine python3
build_mailflow
./mailflow --help >/dev/null # publishes .build/cli when the sources are newer
bench_workdir startup
published="$PWD/.build/cli/mailflow"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ecdsa.key" -out "$work/ecdsa.pem" -days 30 -subj /CN=mail.bench.test -addext subjectAltName=DNS:mail.bench.test 2>/dev/null
port=$(free_port)
start_postfix "$work/postfix" "$port" ecdsa "$work/ecdsa.pem" "$work/ecdsa.key"
# postqueue -p asks the showq service, which the peer instance does not otherwise need.
echo "showq unix n - n - - showq" >> "$work/postfix/etc/master.cf"
postfix -c "$work/postfix/etc" reload >/dev/null 2>&1
mkdir -p "$work/finger" && echo "compatibility_level = 3.6" > "$work/finger/main.cf"

data="$work/mailflow"
"$published" init --server-name BENCH --fqdn mail.bench.test --data "$data" >/dev/null 2>&1

# name | command, run without a shell; {mailflow} is replaced by each way of starting the CLI.
commands=(
  "--help|{mailflow} --help"
  "service status|{mailflow} service status --data $data"
  "queue list|{mailflow} queue list --data $data"
  "track|{mailflow} track --data $data"
  "cert list|{mailflow} cert list --data $data"
  "probe|{mailflow} probe 127.0.0.1:$port --data $data"
)

time_ms() { # command -> "median min max user" in ms; a command's exit status is not the point here (service status exits 1 with no service)
  hyperfine -N -i --style none --warmup "$warmup" --runs "$runs" --export-json "$work/h.json" "$1" >/dev/null 2>&1
  /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.0f %.0f %.0f %.0f" % (r["median"]*1e3, r["min"]*1e3, r["max"]*1e3, r["user"]*1e3))' "$work/h.json"
}

echo "start to exit, median of $runs runs after $warmup warm-up (ms; [min–max]; user CPU)"
echo "| command | ./mailflow (Native AOT) | dotnet mailflow.dll (JIT) | Postfix's tool |"
echo "|---|---:|---:|---:|"
for entry in "${commands[@]}"; do
  name=${entry%%|*} template=${entry#*|}
  read -r r2r r2r_min r2r_max r2r_user <<< "$(time_ms "${template//\{mailflow\}/$published}")"
  read -r jit jit_min jit_max jit_user <<< "$(time_ms "${template//\{mailflow\}/dotnet $PWD/$MAILFLOW_DLL}")"
  peer=""
  case "$name" in
    probe) read -r pf pf_min pf_max pf_user <<< "$(time_ms "env MAIL_CONFIG=$work/finger posttls-finger -c -l may [127.0.0.1]:$port")"
           peer="posttls-finger $pf [$pf_min–$pf_max; $pf_user]" ;;
    "queue list") read -r pf pf_min pf_max pf_user <<< "$(time_ms "postqueue -c $work/postfix/etc -p")"
           peer="postqueue -p $pf [$pf_min–$pf_max; $pf_user]" ;;
  esac
  echo "| mailflow $name | $r2r [$r2r_min–$r2r_max; $r2r_user] | $jit [$jit_min–$jit_max; $jit_user] | $peer |"
done
stop_postfix "$work/postfix"
