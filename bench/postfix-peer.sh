# Postfix as the peer MTA: a private instance (own main.cf, master.cf, queue) on a loopback port.
# Source after lib.sh. start_postfix DIR PORT TLS(none|ecdsa|rsa) CERT KEY -> sets POSTFIX_MASTER_PID.

start_postfix() {
  local dir=$1 port=$2 tls=$3 cert=$4 key=$5
  mkdir -p "$dir/etc" "$dir/spool" "$dir/data" "$dir/mail"
  chown postfix "$dir/data"
  chown nobody "$dir/mail"
  cat > "$dir/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = postfix
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mail.bench.test
mydestination =
smtpd_peername_lookup = no
disable_dns_lookups = yes
in_flow_delay = 0
maillog_file_prefixes = $dir
maillog_file = $dir/maillog
default_process_limit = 100
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
# Durable acceptance and Maildir delivery, as MailFlow does for its accepted domain.
virtual_mailbox_domains = bench.test
virtual_mailbox_base = $dir/mail
virtual_mailbox_maps = static:bench/
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(id -g nobody)
smtpd_tls_security_level = $( [ "$tls" = none ] && echo none || echo may )
smtpd_tls_session_cache_database = btree:\${data_directory}/smtpd_scache
CF
  if [ "$tls" != none ]; then
    cp "$cert" "$dir/cert.pem"; cp "$key" "$dir/key.pem"; chmod 600 "$dir/key.pem"
    echo "smtpd_tls_chain_files = $dir/key.pem, $dir/cert.pem" >> "$dir/etc/main.cf"
  fi
  cat > "$dir/etc/master.cf" <<CF
127.0.0.1:$port inet n - n - - smtpd
postlog unix-dgram n - n - 1 postlogd
tlsmgr unix - - n 1000? 1 tlsmgr
anvil unix - - n - 1 anvil
proxymap unix - - n - - proxymap
rewrite unix - - n - - trivial-rewrite
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
scache unix - - n - 1 scache
virtual unix - n n - - virtual
error unix - - n - - error
discard unix - - n - - discard
CF
  postfix -c "$dir/etc" start >/dev/null 2>&1
  for _ in $(seq 100); do
    POSTFIX_MASTER_PID=$(cat "$dir/spool/pid/master.pid" 2>/dev/null | tr -d ' ' || true)
    [ -n "$POSTFIX_MASTER_PID" ] && (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "postfix did not start in $dir: $(tail -5 "$dir/maillog" 2>/dev/null)" >&2
  return 1
}

stop_postfix() { postfix -c "$1/etc" stop >/dev/null 2>&1 || true; }

# Messages Postfix has delivered into the Maildir.
postfix_delivered() { find "$1/mail" -path '*/new/*' -type f 2>/dev/null | wc -l; }
