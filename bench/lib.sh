# Shared by the bench/ scripts: package installation, builds, process CPU and memory from /proc.
# Everything listens on 127.0.0.1 only; nothing is sent anywhere else.

ensure_packages() { # package...
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if ((${#missing[@]} > 0)); then
    local sudo=""; if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

build_mailflow() { # once per run-all: it exports MAILFLOW_BENCH_BUILT after building
  [ "${MAILFLOW_BENCH_BUILT:-}" = 1 ] && return 0
  dotnet build src/MailFlow.Cli -c Release --nologo -v quiet >/dev/null
  dotnet build bench/MailFlow.Benchmarks -c Release --nologo -v quiet >/dev/null
}

MAILFLOW_DLL=src/MailFlow.Cli/bin/Release/net10.0/mailflow.dll
LOAD_DLL=bench/MailFlow.Benchmarks/bin/Release/net10.0/MailFlow.Benchmarks.dll
TICKS=$(getconf CLK_TCK)

# A private work directory removed on exit, with every process in "started" stopped and every Postfix
# instance under it shut down. Sets $work.
bench_workdir() { # name
  work=$(mktemp -d "/tmp/mailflow-bench-$1.XXXXXX")
  chmod 755 "$work" # Postfix's processes run as the postfix user and must reach their queue under it
  started=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for pid in "${started[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for dir in "$work"/postfix*; do [ -d "$dir/etc" ] && { postfix -c "$dir/etc" stop >/dev/null 2>&1 || true; }; done
  rm -rf "$work"
}

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# CPU ticks (user+system) of a process, plus its reaped children when $2 is "with-children".
process_ticks() {
  awk -v kids="$2" '{ sub(/^.*\) /, ""); t = $12 + $13; if (kids == "with-children") t += $14 + $15; print t }' "/proc/$1/stat"
}

# Ticks of a process tree: the root with its reaped children, plus every live descendant.
tree_ticks() {
  local root=$1 total
  total=$(process_ticks "$root" with-children)
  for child in $(descendants "$root"); do
    total=$((total + $(process_ticks "$child" with-children 2>/dev/null || echo 0)))
  done
  echo "$total"
}

descendants() {
  local kids
  kids=$(ps -o pid= --ppid "$1" 2>/dev/null || true)
  for kid in $kids; do echo "$kid"; descendants "$kid"; done
}

# Memory of a process tree in kB: proportional set size summed over the root and its live descendants,
# so pages Postfix's processes share are not counted once per process.
tree_pss_kb() {
  local total=0
  for pid in "$1" $(descendants "$1"); do
    total=$((total + $(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

json_field() { /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# A markdown table body from rows "label<TAB>MTA<TAB>figure..." (several rounds per label and MTA):
# per label, a MailFlow row and a Postfix row with each figure's median — and its range when there was
# more than one round — then the MailFlow/Postfix ratios of the medians of the rate and CPU columns.
median_table() { # file rate-column cpu-column (1-based)
  /usr/bin/python3 - "$@" <<'PY'
import statistics, sys
path, rate, cpu = sys.argv[1], int(sys.argv[2]) - 1, int(sys.argv[3]) - 1
rows, order = {}, []
for line in open(path):
    fields = line.rstrip("\n").split("\t")
    if fields[0] not in order:
        order.append(fields[0])
    rows.setdefault((fields[0], fields[1]), []).append(fields[2:])

def column(label, mta, index):
    return [float(r[index - 2]) for r in rows[(label, mta)]]

def cell(values):
    m = statistics.median(values)
    text = f"{m:.2f}".rstrip("0").rstrip(".") if m < 100 else f"{m:.0f}"
    return text if len(values) == 1 else f"{text} [{min(values):g}–{max(values):g}]"

for label in order:
    for mta in ("MailFlow", "Postfix"):
        if (label, mta) not in rows:
            continue
        width = len(rows[(label, mta)][0])
        cells = [cell(column(label, mta, i + 2)) for i in range(width)]
        ratio = ["", ""]
        if mta == "MailFlow" and (label, "Postfix") in rows:
            med = lambda m, c: statistics.median(column(label, m, c))
            ratio = [f"{med('MailFlow', rate) / med('Postfix', rate):.2f}×", f"{med('MailFlow', cpu) / med('Postfix', cpu):.2f}×"]
        print("| " + " | ".join([label, mta] + cells + ratio) + " |")
PY
}
