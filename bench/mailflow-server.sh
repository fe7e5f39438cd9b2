# MailFlow as a benchmark server: a fresh data directory with only Default Frontend on a loopback
# port, the accepted domain bench.test (Maildir delivery), optionally a STARTTLS certificate.
# Source after lib.sh; the caller keeps a "started" array of PIDs to stop.

mailflow_delivered() { find "$1/mailboxes" -path '*/new/*' -type f 2>/dev/null | wc -l; }

start_mailflow() { # dir port tls(none|ecdsa|rsa) certdir(holding TLS.pem and TLS.key) -> MAILFLOW_PID
  local data=$1 port=$2 tls=$3 certs=$4 mf=(dotnet "$MAILFLOW_DLL")
  exec 3>&2 2>/dev/null # the setup commands' notes ("takes effect when the transport restarts") are noise here
  "${mf[@]}" init --server-name BENCH --fqdn mail.bench.test --data "$data" >/dev/null
  for identity in $("${mf[@]}" connector receive list --json --data "$data" | /usr/bin/python3 -c 'import json,sys; print("\n".join(c["Identity"].replace(" ", "%") for c in json.load(sys.stdin)))'); do
    identity=${identity//%/ }
    [ "$identity" = "BENCH\\Default Frontend BENCH" ] || "${mf[@]}" connector receive remove "$identity" --data "$data" >/dev/null
  done
  # One source sends everything here: lift the per-source limits, as smtpd_client_connection_count_limit = 0 does for Postfix.
  "${mf[@]}" connector receive set "BENCH\\Default Frontend BENCH" --Bindings "127.0.0.1:$port" --MaxInboundConnectionPerSource 1000 --data "$data" >/dev/null
  "${mf[@]}" domain list --json --data "$data" | grep -q '"bench.test"' || "${mf[@]}" domain add bench.test --data "$data" >/dev/null
  if [ "$tls" != none ]; then
    "${mf[@]}" cert import "$certs/$tls.pem" --key "$certs/$tls.key" --services SMTP --data "$data" >/dev/null
    "${mf[@]}" connector receive set "BENCH\\Default Frontend BENCH" --TlsCertificateName "<I>CN=mail.bench.test<S>CN=mail.bench.test" --data "$data" >/dev/null
  fi
  exec 2>&3 3>&-
  dotnet "$MAILFLOW_DLL" serve --data "$data" > "$data.out" 2>&1 &
  MAILFLOW_PID=$!
  started+=("$MAILFLOW_PID")
  for _ in $(seq 600); do grep -qx ready "$data.out" && return 0; sleep 0.1; done
  echo "mailflow serve did not start: $(tail -5 "$data.out")" >&2
  return 1
}

