#!/usr/bin/env bash
# Checkout throughput of a site of 1, 2 and 3 servers behind nginx, on PostgreSQL with the files
# in Garage: the story `checkout_throughput_through_nginx` of tests/tests/cluster.rs on a release
# build. 200 registered guests with a print in the cart press "Place order" at the same moment;
# the story asserts 200 orders, and prints the wall time, orders/s and each client's latency.
# Each size runs several rounds; the median round (by orders/s) is reported.
#
# usage: bench/cluster.sh [--clients N] [--rounds N] [--write]
#        --write updates docs/performance.md between its cluster markers.
# Needs PostgreSQL (PROOFROOM_TEST_POSTGRES, default the machine's), Garage (scripts/garage.sh;
# or PROOFROOM_TEST_S3) and nginx-light.
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
clients=200
rounds=3
write=0
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) clients=${2:?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    --write) write=1; shift ;;
    *) echo "usage: $0 [--clients N] [--rounds N] [--write]" >&2; exit 2 ;;
  esac
done
cd "$root"
export PROOFROOM_TEST_POSTGRES=${PROOFROOM_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
out=$(mktemp -d)
if [ -z "${PROOFROOM_TEST_S3:-}" ]; then
  scripts/garage.sh "$out/garage" $((24000 + RANDOM % 8000)) >"$out/garage.out"
  trap 'kill "$(cat "$out/garage/pid")" 2>/dev/null || true; rm -rf "$out"' EXIT
  PROOFROOM_TEST_S3=$(tail -n1 "$out/garage.out")
  export PROOFROOM_TEST_S3
else
  trap 'rm -rf "$out"' EXIT
fi
cargo build --release --locked -p proofroom-connector -p proofroom-server
cargo test --release --locked -p proofroom-tests --test cluster --no-run

for nodes in 1 2 3; do
  for round in $(seq "$rounds"); do
    if ! PROOFROOM_CLUSTER_NODES=$nodes PROOFROOM_LOAD_CLIENTS=$clients PROOFROOM_LOG=error \
      cargo test --release --locked -q -p proofroom-tests --test cluster -- --ignored \
      --exact checkout_throughput_through_nginx --nocapture >"$out/last" 2>&1; then
      cat "$out/last" >&2
      echo "round $round with $nodes servers failed" >&2
      exit 1
    fi
    grep '^cluster checkout' "$out/last" | tee -a "$out/results"
  done
done

python3 - "$out/results" "$clients" "$rounds" "$write" "$root/docs/performance.md" <<'PY'
import datetime, re, statistics, sys
results, clients, rounds, write, doc = sys.argv[1:6]
by_nodes = {}
pattern = re.compile(r"cluster checkout: (\d+) servers, \d+ clients at once: ([\d.]+) s, (\d+) orders/s, p50 (\d+) ms, p99 (\d+) ms")
for line in open(results):
    m = pattern.search(line)
    if m:
        n, wall, rate, p50, p99 = m.groups()
        by_nodes.setdefault(int(n), []).append((int(rate), float(wall), int(p50), int(p99)))
today = datetime.date.today().isoformat()
rows = ["| servers behind nginx | orders/s (median of %s rounds) | p50 / p99 per client | date |" % rounds,
        "|---|---|---|---|"]
for n in sorted(by_nodes):
    runs = sorted(by_nodes[n])
    rate, wall, p50, p99 = runs[len(runs) // 2]
    rows.append(f"| {n} | {rate} ({clients} orders in {wall:.1f} s) | {p50} ms / {p99} ms | {today} |")
table = "\n".join(rows)
print(table)
if write == "1":
    text = open(doc).read()
    begin, end = "<!-- cluster:begin (rewritten by bench/cluster.sh --write) -->", "<!-- cluster:end -->"
    if begin in text:
        head, rest = text.split(begin, 1)
        text = head + begin + "\n" + table + "\n" + end + rest.split(end, 1)[1]
    else:
        text += "\n" + begin + "\n" + table + "\n" + end + "\n"
    open(doc, "w").write(text)
PY
