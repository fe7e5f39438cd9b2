#!/usr/bin/env bash
# The Debian package end to end, with the real tools: build it (packaging/build-deb.sh), lintian, install
# it with apt-get, check the user, the data directory, the unit (systemd-analyze verify and security),
# the man page and the completion; then run it the way mailflow.service does — `mailflow init` and
# `mailflow serve` as the mailflow user with CAP_NET_BIND_SERVICE as its only (ambient) capability —
# send a message with swaks to port 25 and find it in the Maildir, restart it as ExecReload does, stop it
# with SIGTERM; run it again under strace through receive, submission, outbound delivery and restart, and
# hold what it did to the unit's sandbox rules (MemoryDenyWriteExecute, SystemCallFilter,
# RestrictAddressFamilies), which only a running systemd would enforce; then remove (data kept) and
# purge (data gone, user kept). The machine is left as found:
# the package is purged, and the mailflow user removed if this test made it, even when a check fails.
# Needs root and systemd-analyze, lintian, mandoc, swaks, python3, strace (./test.sh installs them).
# Usage: packaging/test-package.sh [DEB]   (DEB: a package build-deb.sh made, e.g. as a user without root)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
began=$SECONDS

say() { printf 'test-package: %s\n' "$*"; }
fail() { printf 'test-package: FAILED: %s\n' "$*" >&2; exit 1; }

# Whether dpkg knows the package at all (installed, or removed with its conffiles left).
installed() { [ -n "$(dpkg-query -W -f='${db:Status-Abbrev}' mailflow 2>/dev/null | grep -v '^un')" ]; }

[ "$(id -u)" -eq 0 ] || fail "needs root: it installs and purges the package"
for tool in apt-get dpkg-query lintian systemd-analyze mandoc swaks setpriv runuser python3 man ss strace; do
  command -v "$tool" >/dev/null || fail "$tool not found (./test.sh installs what this test needs)"
done
# Purging deletes /var/lib/mailflow: never on a machine where it holds someone's data.
if installed; then
  fail "the mailflow package is already on this machine; this test installs and purges it"
fi
[ ! -e /var/lib/mailflow ] || fail "/var/lib/mailflow exists; this test would purge it"
[ ! -e /etc/default/mailflow ] || fail "/etc/default/mailflow exists; this test would purge it"
[ -z "$(ss -Hltn 'sport = :25')" ] || fail "something already listens on port 25"
user_existed=$(getent passwd mailflow >/dev/null && echo yes || echo no)

work=$(mktemp -d)
serve_pid="" tracer_pid=""
cleanup() {
  for pid in $serve_pid $tracer_pid; do
    kill -KILL "$pid" 2>/dev/null || true
  done
  if installed; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq mailflow >/dev/null 2>&1 || dpkg --purge mailflow >/dev/null 2>&1 || true
  fi
  # Debian keeps a package's system user after purge (checked below); the machine gets back what it had.
  if [ "$user_existed" = no ] && getent passwd mailflow >/dev/null; then
    userdel mailflow 2>/dev/null || true
    getent group mailflow >/dev/null && groupdel mailflow 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# No --data and no MAILFLOW_DATA: /var/lib/mailflow is the default for the account that owns it.
as_mailflow() { runuser -u mailflow -- "$@"; }

t=$SECONDS
if [ $# -gt 0 ]; then
  deb=$(readlink -f "$1")
  [ -f "$deb" ] || fail "no package at $1"
else
  say "building the package"
  deb=$("$here/build-deb.sh" "$work/deb")
fi
version=$(dpkg-deb -f "$deb" Version)
say "built $(basename "$deb"): $(($(stat -c %s "$deb") / 1024)) KiB, Installed-Size $(dpkg-deb -f "$deb" Installed-Size) KiB, Depends: $(dpkg-deb -f "$deb" Depends) ($((SECONDS - t)) s)"

# Errors and warnings fail; the package's own overrides (packaging/debian/lintian-overrides) say why the
# informational tags they silence are not problems, and any other tag is shown.
status=0
tags=$(lintian --fail-on error,warning -I "$deb" 2>&1) || status=$?
tags=$(printf '%s\n' "$tags" | grep -v "running with root privileges" || true)
if [ "$status" -ne 0 ]; then
  printf '%s\n' "$tags" >&2
  fail "lintian reports errors or warnings on $(basename "$deb")"
fi
say "lintian: no errors or warnings${tags:+; other tags:}"
[ -z "$tags" ] || printf '    %s\n' "$tags"

say "installing with apt-get"
t=$SECONDS
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" > "$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "apt-get install $deb failed"; }
say "installed ($((SECONDS - t)) s)"

[ "$(readlink -f /usr/bin/mailflow)" = /usr/lib/mailflow/mailflow ] || fail "/usr/bin/mailflow does not lead to /usr/lib/mailflow/mailflow"
[ "$(mailflow --version | cut -d+ -f1)" = "$version" ] || fail "mailflow --version is not $version"
IFS=: read -r _ _ uid gid _ home shell < <(getent passwd mailflow) || fail "no mailflow user after install"
[ "$uid" -lt 1000 ] || fail "mailflow is not a system user (uid $uid)"
[ "$home" = /var/lib/mailflow ] && [ "$shell" = /usr/sbin/nologin ] || fail "mailflow's home and shell are $home and $shell"
[ "$(getent group mailflow | cut -d: -f3)" = "$gid" ] || fail "mailflow's primary group is not the mailflow group"
[ "$(stat -c '%U:%G %a' /var/lib/mailflow)" = "mailflow:mailflow 700" ] || fail "/var/lib/mailflow is $(stat -c '%U:%G %a' /var/lib/mailflow), not mailflow:mailflow 700"
[ "$(man -w mailflow)" = /usr/share/man/man8/mailflow.8.gz ] || fail "man -w mailflow does not find mailflow(8)"
if lint=$(zcat /usr/share/man/man8/mailflow.8.gz | mandoc -Tlint 2>&1) && [ -z "$lint" ]; then :; else printf '%s\n' "$lint" >&2; fail "mandoc -Tlint finds problems in mailflow(8)"; fi
complete_words() {
  bash -c 'source /usr/share/bash-completion/completions/mailflow; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mailflow; printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
grep -qx import <<< "$(complete_words mailflow cert "")" || fail "bash completion offers no 'import' after 'mailflow cert'"
grep -qx Rsa2048 <<< "$(complete_words mailflow cert new --key "")" || fail "bash completion offers no Rsa2048 for 'mailflow cert new --key'"
grep -qx -- --data <<< "$(complete_words mailflow queue list --da)" || fail "bash completion offers no --data for 'mailflow queue list --da'"
say "user mailflow ($uid:$gid), /var/lib/mailflow mailflow:mailflow 0700, mailflow(8) lint-clean, bash completion answers"

unit=/lib/systemd/system/mailflow.service
if ! verify=$(systemd-analyze verify "$unit" 2>&1) || [ -n "$verify" ]; then printf '%s\n' "$verify" >&2; fail "systemd-analyze verify $unit"; fi
systemd-analyze security --offline=true "$unit" > "$work/security.txt" 2>&1 || { cat "$work/security.txt" >&2; fail "systemd-analyze security could not analyse $unit"; }
exposure=$(sed -n 's/.*Overall exposure level for mailflow.service: \([0-9.]*\).*/\1/p' "$work/security.txt")
[ -n "$exposure" ] || { cat "$work/security.txt" >&2; fail "no exposure level in systemd-analyze security's report"; }
say "systemd-analyze verify: clean; security exposure $exposure; still exposed:"
grep '✗' "$work/security.txt" | sed -E 's/^✗ ([^ ]+) +(.*[^ ]) +([0-9.]+)$/    \1 (\3): \2/'
awk -v e="$exposure" 'BEGIN { exit !(e <= 3.0) }' || fail "exposure $exposure is above 3.0"

as_mailflow mailflow init > "$work/init.txt" || fail "mailflow init as the mailflow user failed"
[ "$(stat -c '%U %a' /var/lib/mailflow/config.json)" = "mailflow 600" ] || fail "config.json is $(stat -c '%U %a' /var/lib/mailflow/config.json), not mailflow 600"
domain=$(as_mailflow mailflow domain list --json | python3 -c 'import json, sys; print(next(d["DomainName"] for d in json.load(sys.stdin) if d["Default"]))')
say "mailflow init as mailflow: $(head -1 "$work/init.txt"); accepted domain $domain"

# What the unit does (User=, Group=, AmbientCapabilities=CAP_NET_BIND_SERVICE, Environment=), without
# systemd; the command line goes after what the caller puts in front of it (strace).
serve_as_unit=(setpriv --reuid=mailflow --regid=mailflow --init-groups --inh-caps=+net_bind_service --ambient-caps=+net_bind_service
  env MAILFLOW_DATA=/var/lib/mailflow /usr/bin/mailflow serve)
# wait_ready OUTPUT PID: until serve writes "ready", failing when PID ends first or after 30 s.
wait_ready() {
  for _ in $(seq 150); do
    grep -qx ready "$1" && return 0
    kill -0 "$2" 2>/dev/null || { cat "$1" >&2; fail "mailflow serve exited before it was ready"; }
    sleep 0.2
  done
  cat "$1" >&2
  fail "mailflow serve was not ready within 30 s"
}
# stop PID CHILD OUTPUT: SIGTERM to serve (PID), and it drains, says so and exits 0 within 40 s; CHILD is
# the process this script started, serve itself or the strace that runs it (and exits with its status).
stop() {
  kill -TERM "$1"
  for _ in $(seq 200); do kill -0 "$2" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$2" 2>/dev/null; then fail "mailflow serve still runs 40 s after SIGTERM"; fi
  wait "$2" || fail "mailflow serve exited with status $? on SIGTERM"
  grep -q "^stopped: sessions drained" "$3" || { cat "$3" >&2; fail "serve did not say it drained and stopped"; }
}
# threads_are_mailflow PID CAPEFF WHAT: every thread of PID has the mailflow uid (real, effective, saved,
# filesystem) and exactly the effective capabilities CAPEFF.
threads_are_mailflow() {
  local status real effective saved filesystem
  for status in /proc/"$1"/task/*/status; do
    read -r _ real effective saved filesystem < <(grep '^Uid:' "$status")
    [ "$real $effective $saved $filesystem" = "$uid $uid $uid $uid" ] || fail "$3: thread ${status%/status} runs with uids $real $effective $saved $filesystem, not $uid"
    [ "$(awk '/^CapEff:/ { print $2 }' "$status")" = "$2" ] || fail "$3: thread ${status%/status} holds capabilities $(grep '^CapEff:' "$status"), not $2"
  done
}

t=$SECONDS
"${serve_as_unit[@]}" > "$work/serve.out" 2>&1 &
serve_pid=$!
wait_ready "$work/serve.out" "$serve_pid"
grep -q "^listening on 0.0.0.0:25 " "$work/serve.out" || { cat "$work/serve.out" >&2; fail "mailflow serve as mailflow did not bind port 25"; }
# Bit 10 is CAP_NET_BIND_SERVICE: the only capability the unit grants.
threads_are_mailflow "$serve_pid" 0000000000000400 "serve as the unit starts it"
say "serve ready as mailflow in $((SECONDS - t)) s: $(ls /proc/"$serve_pid"/task | wc -l) threads, every one uid $uid with CAP_NET_BIND_SERVICE only, listening on 25"

subject="package test $version $$"
swaks --server 127.0.0.1:25 --tls --from "sender@example.org" --to "postmaster@$domain" --header "Subject: $subject" > "$work/swaks.txt" 2>&1 \
  || { cat "$work/swaks.txt" >&2; fail "swaks could not send to postmaster@$domain on 127.0.0.1:25"; }
maildir="/var/lib/mailflow/mailboxes/$domain/postmaster/Maildir/new"
for _ in $(seq 100); do
  grep -qsl "^Subject: $subject" "$maildir"/* && break
  sleep 0.2
done
delivered=$(grep -sl "^Subject: $subject" "$maildir"/* | head -1) || true
[ -n "$delivered" ] || fail "the message is not in $maildir within 20 s"
[ "$(stat -c %U "$delivered")" = mailflow ] || fail "$delivered is owned by $(stat -c %U "$delivered")"
say "swaks over STARTTLS to postmaster@$domain: delivered to $delivered"

# ExecReload=: the graceful restart through the control socket, as the service user.
as_mailflow mailflow service restart > "$work/restart.txt" 2>&1 || { cat "$work/restart.txt" >&2; fail "mailflow service restart (ExecReload) failed"; }
grep -q "0.0.0.0:25" "$work/restart.txt" || { cat "$work/restart.txt" >&2; fail "after mailflow service restart nothing listens on 25"; }
say "mailflow service restart as mailflow: restarted, still on 25"

stop "$serve_pid" "$serve_pid" "$work/serve.out"
serve_pid=""
say "SIGTERM: serve drained and exited 0"

# The sandbox, measured: serve under strace, from its exec on (setpriv's own capset and setresuid come
# before it, where systemd would not filter either), through STARTTLS receive, AUTH submission,
# delivery through a send connector (DNS), the control socket's status and restart, SIGHUP and SIGTERM.
t=$SECONDS
as_mailflow mailflow connector send new Internet --address-spaces '*' > /dev/null
as_mailflow env MAILFLOW_USER_PASSWORD=package-test mailflow user set packagetest > /dev/null
outbound="someone@mailflow-package-test.invalid"
strace -f -qq -o "$work/trace" "${serve_as_unit[@]}" > "$work/traced.out" 2>&1 &
tracer_pid=$!
wait_ready "$work/traced.out" "$tracer_pid"
# setpriv and env exec in place, so strace's one child is serve.
serve_pid=$(pgrep -P "$tracer_pid")
swaks --server 127.0.0.1:25 --tls --from sender@example.org --to "postmaster@$domain" > "$work/swaks.txt" 2>&1 \
  || { cat "$work/swaks.txt" >&2; fail "swaks to port 25 under strace failed"; }
swaks --server 127.0.0.1:587 --tls -a LOGIN -au packagetest -ap package-test --from "postmaster@$domain" --to "$outbound" > "$work/swaks.txt" 2>&1 \
  || { cat "$work/swaks.txt" >&2; fail "swaks submission on 587 under strace failed"; }
for _ in $(seq 100); do
  as_mailflow mailflow track --recipients "$outbound" | grep -qE ' (SEND|DEFER|FAIL) ' && break
  sleep 0.2
done
as_mailflow mailflow track --recipients "$outbound" | grep -qE ' (SEND|DEFER|FAIL) ' || fail "no delivery attempt to $outbound within 20 s"
as_mailflow mailflow service status > /dev/null || fail "mailflow service status under strace failed"
as_mailflow mailflow service restart > /dev/null || fail "mailflow service restart under strace failed"
kill -HUP "$serve_pid"
for _ in $(seq 50); do grep -q "restarted on SIGHUP" "$work/traced.out" && break; sleep 0.2; done
grep -q "restarted on SIGHUP" "$work/traced.out" || { cat "$work/traced.out" >&2; fail "serve under strace did not restart on SIGHUP"; }
stop "$serve_pid" "$tracer_pid" "$work/traced.out"
serve_pid="" tracer_pid=""
awk '/execve\("\/usr\/bin\/mailflow"/ { on = 1 } on' "$work/trace" > "$work/serve.trace"
[ -s "$work/serve.trace" ] || fail "strace saw no exec of /usr/bin/mailflow"

# The system calls a systemd syscall-filter set names, its nested @sets expanded.
syscalls_of() {
  local pending=("$@") seen=" " set name
  while ((${#pending[@]} > 0)); do
    set=${pending[0]}
    pending=("${pending[@]:1}")
    [[ $seen == *" $set "* ]] && continue
    seen+="$set "
    while read -r name; do
      case $name in @*) pending+=("$name") ;; [a-z]*) echo "$name" ;; esac
    done < <(systemd-analyze syscall-filter "$set" | tail -n +2 | sed 's/#.*//')
  done | sort -u
}
sed -E 's/^[0-9]+ +//; s/^<\.\.\. ([a-z0-9_]+) resumed>.*/\1/; s/^([a-z0-9_]+)\(.*/\1/' "$work/serve.trace" | grep -E '^[a-z0-9_]+$' | sort -u > "$work/used"
outside=$(comm -23 "$work/used" <(syscalls_of @system-service) | tr '\n' ' ')
[ -z "$outside" ] || fail "serve makes system calls outside SystemCallFilter=@system-service: $outside"
denied=$(comm -12 "$work/used" <(syscalls_of @privileged @resources) | tr '\n' ' ')
[ -z "$denied" ] || fail "serve makes system calls the unit denies (~@privileged @resources): $denied"
families=$(grep -oE 'socket\(AF_[A-Z0-9]+' "$work/serve.trace" | cut -d'(' -f2 | sort -u | paste -sd' ')
for family in $families; do
  case $family in AF_INET | AF_INET6 | AF_UNIX | AF_NETLINK) ;; *) fail "serve opens $family sockets, which RestrictAddressFamilies refuses" ;; esac
done
# MemoryDenyWriteExecute refuses a mapping both writable and executable, and making memory executable later.
if grep -E '(mmap|mprotect|pkey_mprotect)\(.*PROT_WRITE\|PROT_EXEC|(mprotect|pkey_mprotect)\(.*PROT_EXEC' "$work/serve.trace" > "$work/wx"; then
  head -3 "$work/wx" >&2
  fail "serve maps memory writable and executable or makes it executable, which MemoryDenyWriteExecute refuses"
fi
say "under strace ($((SECONDS - t)) s): $(wc -l < "$work/used") distinct system calls, all in @system-service, none of ~@privileged @resources; sockets $families; no writable+executable memory"

# Root's habits: an admin command from a root shell becomes the data directory's owner before it writes,
# and serve started by root binds 25 and then gives root up for that owner (docs/decisions/0030).
mailflow domain add root-admin.test > /dev/null || fail "mailflow domain add as root failed"
strays=$(find /var/lib/mailflow ! -user mailflow | head -3)
[ -z "$strays" ] || fail "files under /var/lib/mailflow not owned by mailflow after root's admin command: $strays"
t=$SECONDS
mailflow serve > "$work/root-serve.out" 2>&1 &
serve_pid=$!
wait_ready "$work/root-serve.out" "$serve_pid"
grep -q "gave root up after binding .*: running as mailflow (uid $uid, gid $gid)" "$work/root-serve.out" || { cat "$work/root-serve.out" >&2; fail "serve started as root did not say it gave root up"; }
threads_are_mailflow "$serve_pid" 0000000000000000 "serve started as root"
for status in /proc/"$serve_pid"/task/*/status; do
  [ -z "$(awk '/^Groups:/ { $1 = ""; print }' "$status" | tr -d ' ')" ] || fail "serve started as root: thread ${status%/status} kept supplementary groups"
done
swaks --server 127.0.0.1:25 --tls --from sender@example.org --to "postmaster@$domain" > "$work/swaks.txt" 2>&1 \
  || { cat "$work/swaks.txt" >&2; fail "swaks to serve started as root failed"; }
mailflow service restart > "$work/restart.txt" 2>&1 || { cat "$work/restart.txt" >&2; fail "mailflow service restart of serve started as root failed"; }
grep -q "0.0.0.0:25" "$work/restart.txt" || { cat "$work/restart.txt" >&2; fail "serve started as root lost port 25 at its restart"; }
stop "$serve_pid" "$serve_pid" "$work/root-serve.out"
serve_pid=""
strays=$(find /var/lib/mailflow ! -user mailflow | head -3)
[ -z "$strays" ] || fail "files under /var/lib/mailflow not owned by mailflow after serve started as root: $strays"
say "as root: domain add wrote as mailflow; serve bound 25, gave root up (every thread uid $uid, no capabilities, no groups), restarted on 25, stopped ($((SECONDS - t)) s)"

DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq mailflow > "$work/remove.log" 2>&1 || { cat "$work/remove.log" >&2; fail "apt-get remove mailflow failed"; }
[ ! -e /usr/bin/mailflow ] && [ ! -e /usr/lib/mailflow ] || fail "the program is still installed after remove"
[ -f /var/lib/mailflow/config.json ] && [ -n "$(ls -A "$maildir")" ] || fail "remove deleted the data directory"
[ -f /etc/default/mailflow ] || fail "remove deleted the conffile /etc/default/mailflow"
getent passwd mailflow >/dev/null || fail "remove deleted the mailflow user"
say "apt-get remove: program gone; /var/lib/mailflow (config.json, Maildir), /etc/default/mailflow and the user kept"

DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq mailflow > "$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "apt-get purge mailflow failed"; }
[ ! -e /var/lib/mailflow ] || fail "/var/lib/mailflow is still there after purge"
[ ! -e /etc/default/mailflow ] || fail "/etc/default/mailflow is still there after purge"
getent passwd mailflow >/dev/null || fail "purge deleted the mailflow user (Debian keeps a package's system user)"
say "apt-get purge: /var/lib/mailflow and /etc/default/mailflow gone, user kept"

say "passed in $((SECONDS - began)) s"
