#!/usr/bin/env bash
# Runs every MailFlow test. Works on a fresh Debian machine that has only the .NET SDK:
# installs the Debian packages the tests use, restores NuGet packages, builds, tests.
# Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# Debian packages the tests drive as real third-party tools (interop, not mocks).
# chromium: headless, it renders diagnose's HTML report so the timeline's SVG is checked as a browser lays it out.
# clang: links the native (Native AOT) mailflow that ./mailflow publishes, which the README check runs.
# dpkg-dev, binutils, lintian, systemd, mandoc, man-db, iproute2, strace: the package test builds the .deb
# (dpkg-shlibdeps, strip), checks it (lintian, systemd-analyze, mandoc, man -w), watches port 25 (ss)
# and traces serve against the unit's sandbox rules (strace).
packages=(openssl ca-certificates swaks libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl python3 python3-aiosmtpd postfix chromium clang
  dpkg-dev binutils lintian systemd mandoc man-db iproute2 strace)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "test.sh: installing ${missing[*]}" >&2
  # postfix: posttls-finger, and smtpd as a peer MTA that tests start with a private configuration
  # directory on a loopback port (tests/MailFlow.Testing/PostfixSmtpd.cs); the system instance stays unconfigured.
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The PowerShell 7.6.9 global tool, so the module is also tested the way an admin loads it (Import-Module in pwsh).
if [ ! -x .tools/pwsh/pwsh ]; then
  dotnet tool install --tool-path .tools/pwsh PowerShell --version 7.6.9 >/dev/null
fi
export MAILFLOW_PWSH="$PWD/.tools/pwsh/pwsh" POWERSHELL_TELEMETRY_OPTOUT=1
dotnet restore MailFlow.slnx --nologo
dotnet build MailFlow.slnx -c Release --no-restore --nologo -v quiet

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test MailFlow.slnx -c Release --no-build --nologo "$@" 2>&1 | tee "$log" || status=$?

# The README's blocks marked to run from a fresh clone, run as written (tests/readme-check.sh).
tests/readme-check.sh || status=$?

# The Debian package built, linted, installed, run the way its unit runs it, removed and purged
# (packaging/test-package.sh). Installing needs root; without it the package is built as this user first.
if [ "$(id -u)" -eq 0 ]; then
  packaging/test-package.sh || status=$?
else
  { deb=$(packaging/build-deb.sh) && sudo packaging/test-package.sh "$deb"; } || status=$?
fi

# One closing line in the plain "N passed, N failed" form, summed over all test projects.
awk '/(Passed|Failed)! *- *Failed: / {
       for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' FS='[ ,]+' "$log"
exit "$status"
