#!/usr/bin/env bash
# Builds the Debian package mailflow_<version>_<arch>.deb (docs/decisions/0031): the Native AOT CLI that
# ./mailflow publishes into .build/cli (republished only when stale), the systemd unit, mailflow(8) and
# the bash completion written from the CLI's own command tree, and the maintainer scripts.
# Usage: packaging/build-deb.sh [OUTDIR]   (default .build/deb); prints the path of the .deb.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
out="$(mkdir -p "${1:-$repo/.build/deb}" && cd "${1:-$repo/.build/deb}" && pwd)"

fail() { echo "build-deb.sh: $*" >&2; exit 1; }
for tool in "dpkg-deb:Debian package dpkg" "dpkg-shlibdeps:Debian package dpkg-dev" "strip:Debian package binutils" \
    "gzip:Debian package gzip" "ldconfig:Debian package libc-bin" "dotnet:the .NET 10 SDK" "git:Debian package git"; do
  command -v "${tool%%:*}" >/dev/null || fail "${tool%%:*} not found (${tool#*:})"
done

version=$(sed -n 's|.*<Version>\(.*\)</Version>.*|\1|p' "$repo/Directory.Build.props")
[ -n "$version" ] || fail "no <Version> in $repo/Directory.Build.props"
arch=$(dpkg --print-architecture)
# Dates in the package come from the last commit, so the same commit builds the same package.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct)}"

# The CLI exactly as ./mailflow publishes and runs it; it republishes only when a source is newer.
published=$("$repo/mailflow" --version)
[ "${published%%+*}" = "$version" ] || fail ".build/cli/mailflow is version $published, Directory.Build.props says $version"
cli="$repo/.build/cli"
# The commit the executable was compiled from (its informational version), which may be older than HEAD.
commit=unknown
if [[ $published == *+* ]]; then commit=${published#*+}; commit=${commit:0:12}; fi
[ ! -e "$cli/mailflow.dll" ] || fail "$cli holds a ReadyToRun build (no clang when it was published), which needs the .NET runtime: apt-get install clang, then rm -r $cli"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/mailflow_${version}_$arch"
install -d "$root/DEBIAN" "$root/usr/lib/mailflow" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/default" \
  "$root/usr/share/man/man8" "$root/usr/share/bash-completion/completions" "$root/usr/share/doc/mailflow"

# The executable and the one native library it loads beside itself (SQLite, which .NET does not link in).
# The PowerShell module published beside it in .build/cli stays out: it needs pwsh, which Debian does not ship.
install -m 0755 "$cli/mailflow" "$root/usr/lib/mailflow/mailflow"
install -m 0644 "$cli/libe_sqlite3.so" "$root/usr/lib/mailflow/libe_sqlite3.so"
# The executable comes stripped (its symbols are in mailflow.dbg); the NuGet package's SQLite does not.
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/lib/mailflow/libe_sqlite3.so"
strip --remove-section=.comment "$root/usr/lib/mailflow/mailflow"
ln -s ../lib/mailflow/mailflow "$root/usr/bin/mailflow"
install -m 0644 "$here/mailflow.service" "$root/lib/systemd/system/mailflow.service"
install -m 0644 "$here/debian/default" "$root/etc/default/mailflow"

# mailflow(8) and the completion, from the command tree the executable was built from.
generated="$work/generated"
if ! output=$(dotnet build "$here/MailFlow.Packaging" -c Release -nologo -v quiet 2>&1) ||
   ! output=$(dotnet "$here/MailFlow.Packaging/bin/Release/net10.0/MailFlow.Packaging.dll" \
     "$generated" "$version" "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)" 2>&1); then
  printf '%s\n' "$output" >&2
  fail "MailFlow.Packaging could not write the man page and completion"
fi
gzip -9n < "$generated/mailflow.8" > "$root/usr/share/man/man8/mailflow.8.gz"
install -m 0644 "$generated/mailflow.bash-completion" "$root/usr/share/bash-completion/completions/mailflow"

install -m 0644 "$here/debian/copyright" "$root/usr/share/doc/mailflow/copyright"
install -D -m 0644 "$here/debian/lintian-overrides" "$root/usr/share/lintian/overrides/mailflow"
maintainer="MailFlow maintainers <maintainers@users.noreply.r-seed-a7886e3f.example>"
{
  echo "mailflow ($version) unstable; urgency=medium"
  echo
  echo "  * Built from commit $commit of the MailFlow repository."
  echo
  echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$root/usr/share/doc/mailflow/changelog.gz"

# Depends: what the ELF files link (dpkg-shlibdeps, which wants a debian/control to run in), and what
# .NET opens with dlopen at run time, named by the package that holds it on this machine.
mkdir -p "$work/shlibs/debian"
printf 'Source: mailflow\n\nPackage: mailflow\nArchitecture: any\n' > "$work/shlibs/debian/control"
linked=$(cd "$work/shlibs" && dpkg-shlibdeps -O "$root/usr/lib/mailflow/mailflow" "$root/usr/lib/mailflow/libe_sqlite3.so" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$linked" ] || fail "dpkg-shlibdeps found no libraries in the executable"
package_of() {
  local library
  library=$(ldconfig -p | awk -v pattern="$1" '$1 ~ pattern { print $NF; exit }')
  [ -n "$library" ] || fail "no $1 on this machine to name the package .NET loads it from"
  dpkg-query -S "$(readlink -f "$library")" | sed 's/:.*//' | head -1
}
openssl=$(package_of '^libssl\.so\.3$')
icu=$(package_of '^libicuuc\.so\.[0-9]+$')

cat > "$root/DEBIAN/control" <<CONTROL
Package: mailflow
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: adduser, $linked, $openssl, $icu
Recommends: ca-certificates
Suggests: swaks
Section: mail
Priority: optional
Description: SMTP transport with Exchange's connectors and TLS diagnostics
 MailFlow receives and delivers mail with Exchange's receive and send
 connectors, certificate selection and validation rules, and writes
 Exchange-format protocol and message-tracking logs. It also diagnoses the TLS
 failures between mail systems (450 4.7.320 SubjectMismatch and its neighbours)
 from logs and dumps.
 .
 The package runs it as the mailflow.service systemd unit, as the mailflow
 user with CAP_NET_BIND_SERVICE only, on /var/lib/mailflow.
CONTROL
echo /etc/default/mailflow > "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
  install -m 0755 "$here/debian/$script" "$root/DEBIAN/$script"
done

# md5sums for every file but the conffiles, whose sums dpkg keeps itself.
(cd "$root" && find . \( -path ./DEBIAN -o -path ./etc \) -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"

deb="$out/mailflow_${version}_$arch.deb"
dpkg-deb --build --root-owner-group -Zxz "$root" "$deb" >/dev/null
echo "$deb"
