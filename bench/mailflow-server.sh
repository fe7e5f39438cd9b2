# MailFlow as a benchmark server: a fresh data directory with only Default Frontend on a loopback
# port, the accepted domain bench.test with the mailbox user@bench.test (Maildir delivery), optionally
# a STARTTLS certificate.
# Source after lib.sh; started processes go into lib.sh's "started" array.

mailflow_delivered() { find "$1/mailboxes" -path '*/new/*' -type f 2>/dev/null | wc -l; }

mf() { dotnet "$MAILFLOW_DLL" "$@" >/dev/null 2>&1; } # setup commands: their notes ("takes effect at restart") are noise here

prepare_mailflow() { # dir port: init with only Default Frontend on 127.0.0.1:port
  local data=$1 port=$2
  mf init --server-name BENCH --fqdn mail.bench.test --data "$data"
  for identity in $(dotnet "$MAILFLOW_DLL" connector receive list --json --data "$data" | /usr/bin/python3 -c 'import json,sys; print("\n".join(c["Identity"].replace(" ", "%") for c in json.load(sys.stdin)))'); do
    identity=${identity//%/ }
    [ "$identity" = "BENCH\\Default Frontend BENCH" ] || mf connector receive remove "$identity" --data "$data"
  done
  # One source sends everything here: lift the per-source limit, as smtpd_client_connection_count_limit = 0 does for Postfix.
  mf connector receive set "BENCH\\Default Frontend BENCH" --Bindings "127.0.0.1:$port" --MaxInboundConnectionPerSource 1000 --data "$data"
}

serve_mailflow() { # dir -> MAILFLOW_PID once it printed "ready"; MAILFLOW_SERVE_ENV adds environment variables
  local data=$1
  env ${MAILFLOW_SERVE_ENV:-} dotnet "$MAILFLOW_DLL" serve --data "$data" > "$data.out" 2>&1 &
  MAILFLOW_PID=$!
  started+=("$MAILFLOW_PID")
  for _ in $(seq 600); do grep -qx ready "$data.out" && return 0; sleep 0.1; done
  echo "mailflow serve did not start: $(tail -5 "$data.out")" >&2
  return 1
}

start_mailflow() { # dir port tls(none|ecdsa|rsa) certdir(holding TLS.pem and TLS.key) -> MAILFLOW_PID
  local data=$1 port=$2 tls=$3 certs=$4
  prepare_mailflow "$data" "$port"
  dotnet "$MAILFLOW_DLL" domain list --json --data "$data" | grep -q '"bench.test"' || mf domain add bench.test --data "$data"
  # The load tools send to user@bench.test; only mailboxes that exist receive local mail.
  dotnet "$MAILFLOW_DLL" mailbox list --json --data "$data" | grep -q '"user@bench.test"' || mf mailbox add user@bench.test --data "$data"
  if [ "$tls" != none ]; then
    mf cert import "$certs/$tls.pem" --key "$certs/$tls.key" --services SMTP --data "$data"
    mf connector receive set "BENCH\\Default Frontend BENCH" --TlsCertificateName "<I>CN=mail.bench.test<S>CN=mail.bench.test" --data "$data"
  fi
  serve_mailflow "$data"
}
