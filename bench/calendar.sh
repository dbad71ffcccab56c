#!/usr/bin/env bash
# The calendar sync's no-change run: a photographer whose calendar holds 5,000 of the studio's
# events (2,500 sessions and 2,500 appointments) and whose address book holds 2,000 clients, on
# Radicale (PyPI) on this machine. The first sync (populate) sends everything; then
# `calendar sync` runs again with nothing changed — it asks the server what changed with its
# sync tokens and sends nothing. Goal: a no-change sync under 2 s.
#
# usage: bench/calendar.sh [--write]
#        --write updates docs/performance.md between its calendar markers.
# env:   PYTHON=…/python with radicale installed (default target/test-python/bin/python)
#        RUNS=N no-change syncs timed (default 7)
# The populated server and library are kept in target/bench-calendar (the first sync takes
# Radicale ~20 minutes on 2 cores); a later run reuses them and times the no-change syncs
# only. FRESH=1 starts over.
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
write=0
[ "${1:-}" = "--write" ] && write=1
cd "$root"
python=${PYTHON:-$root/target/test-python/bin/python}
"$python" -c 'import radicale' 2>/dev/null || {
  echo "radicale is missing: $python -m pip install radicale" >&2; exit 2; }
cargo build --release --locked -q -p proofroom-connector
bin=${CARGO_TARGET_DIR:-$root/target}/release/proofroom-connector
runs=${RUNS:-7}

work=$root/target/bench-calendar
[ "${FRESH:-0}" = 1 ] && rm -rf "$work"
populated=0
[ -f "$work/populated" ] && populated=1
mkdir -p "$work"
port=$(cat "$work/port" 2>/dev/null || echo $((20000 + RANDOM % 20000)))
echo "$port" >"$work/port"
printf 'anna:bench\n' >"$work/users"
[ "$populated" = 0 ] && rm -rf "$work/collections" "$work/library"
"$python" -m radicale --server-hosts "127.0.0.1:$port" \
  --storage-filesystem-folder "$work/collections" --auth-type htpasswd \
  --auth-htpasswd-filename "$work/users" --auth-htpasswd-encryption plain \
  --logging-level warning >"$work/radicale.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/.web/" && break; sleep 0.1; done
lib="$work/library"
if [ "$populated" = 0 ]; then
curl -fsS -u anna:bench -X MKCALENDAR "http://127.0.0.1:$port/anna/calendar/" >/dev/null
curl -fsS -u anna:bench -X MKCOL -H 'Content-Type: text/xml' "http://127.0.0.1:$port/anna/contacts/" \
  --data '<?xml version="1.0"?><mkcol xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><set><prop><resourcetype><collection/><C:addressbook/></resourcetype></prop></set></mkcol>' >/dev/null

"$python" - "$lib" "$port" <<'EOF'
import datetime, os, sys
lib, port = sys.argv[1], sys.argv[2]
os.makedirs(f"{lib}/secrets")
open(f"{lib}/studio.toml", "w").write('name = "Bench Studio"\nemail = "hello@bench.example"\ntime_zone = "America/Chicago"\ncurrency = "USD"\n')
open(f"{lib}/secrets/anna", "w").write("bench\n")
open(f"{lib}/connector.toml", "w").write(f'server = "http://127.0.0.1:9"\n\n[[users]]\nid = "anna"\nurl = "http://127.0.0.1:{port}/"\nuser_name = "anna"\npassword_file = "secrets/anna"\ncontacts_group = "clients"\n')
start = datetime.date.today() + datetime.timedelta(days=1)
for i in range(2500):
    day = start + datetime.timedelta(days=i % 700)
    d = f"{lib}/sessions/s{i:04d}"
    os.makedirs(d)
    open(f"{d}/session.toml", "w").write(
        f'description = "Session {i}"\ndate = {day}\ndays_active = 30\n'
        f'starts = "{day} {9 + i % 8:02d}:00"\nends = "{day} {10 + i % 8:02d}:30"\n'
        f'location = "Studio A"\nstaff = ["anna"]\n\n[client]\nid = "c{i % 2000:04d}"\n'
        f'first_name = "Client"\nlast_name = "{i}"\nemail = "client{i}@example.com"\n')
os.makedirs(f"{lib}/calendar")
for i in range(2500):
    day = start + datetime.timedelta(days=i % 700)
    open(f"{lib}/calendar/a{i:04d}.toml", "w").write(
        f'title = "Consultation {i}"\nstarts = "{day} 18:00"\nends = "{day} 18:45"\nstaff = ["anna"]\n')
os.makedirs(f"{lib}/clients")
for i in range(2000):
    open(f"{lib}/clients/c{i:04d}.toml", "w").write(
        f'name = "Client {i}"\nemail = "client{i}@example.com"\nphones = ["+1 555 {i:04d}"]\ngroups = ["clients"]\n')
EOF

t0=$(date +%s.%N)
"$bin" calendar sync --library "$lib" | tail -n 2
t1=$(date +%s.%N)
echo "$t1 - $t0" | bc >"$work/populated"
fi
populate=$(cat "$work/populated")
echo "populate (5,000 events, 2,000 cards sent): ${populate} s"

times=()
for _ in $(seq "$runs"); do
  t0=$(date +%s.%N)
  out=$("$bin" calendar sync --library "$lib")
  t1=$(date +%s.%N)
  echo "$out" | grep -q "calendar — 0 sent, 0 updated, 0 removed" || { echo "not a no-change sync: $out" >&2; exit 1; }
  times+=("$(echo "$t1 - $t0" | bc)")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
worst=$(echo "$sorted" | tail -n 1)
printf 'no-change sync over %s runs: median %.2f s, worst %.2f s (goal < 2 s)\n' "$runs" "$median" "$worst"

if [ "$write" = 1 ]; then
  today=$(date -u +%F)
  rows=$(printf '| first sync (populate): 5,000 events and 2,000 cards sent | %.1f s | — | %s |\n| no-change sync, median of %s | %.2f s | < 2 s | %s |\n| no-change sync, worst of %s | %.2f s | < 2 s | %s |\n' \
    "$populate" "$today" "$runs" "$median" "$today" "$runs" "$worst" "$today")
  python3 bench/write-table.py docs/performance.md \
    "<!-- calendar:begin (rewritten by bench/calendar.sh --write) -->" "<!-- calendar:end -->" \
    "| calendar sync against Radicale, $(nproc) cores | time | goal | date |" "$rows"
fi
