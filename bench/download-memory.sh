#!/usr/bin/env bash
# "Download all" of a 2 GB event: how much the server's peak memory (VmHWM) grows while it
# streams the ZIP, and how fast. Goal: at most 32 MB, whatever the event's size.
#
# The event: real 6000x4000 photos (bench/photos.sh), each saved again at several JPEG
# qualities and flips until they add up to --gb, given away whole (`downloads = "all"`) and
# pushed by the real connector to a release server on SQLite. The server is then restarted, so
# the ingest's own peak is not in the figure, and warmed up with the downloads page and one
# file. Ann signs in with curl, opens Downloads, and fetches the ZIP into a file; `unzip -t`
# then checks every entry's CRC, and the entries are counted.
#
# usage: bench/download-memory.sh [--gb N] [--write]
#        --write updates docs/performance.md between its download markers
# needs: curl unzip vips (apt-get install curl unzip libvips-tools)
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
gb=2
write=0
while [ $# -gt 0 ]; do
  case "$1" in
    --gb) gb=${2:?}; shift 2 ;;
    --write) write=1; shift ;;
    *) echo "usage: $0 [--gb N] [--write]" >&2; exit 2 ;;
  esac
done
for tool in curl unzip vips; do
  command -v "$tool" >/dev/null || {
    echo "$tool is missing: apt-get install curl unzip libvips-tools" >&2
    exit 2
  }
done
cd "$root"
cargo build --release --locked --bin proofroom --bin proofroom-connector
photos=${PHOTOS:-$root/target/bench-photos}
[ -s "$photos/Path.jpg" ] || bash "$root/bench/photos.sh" "$photos" >/dev/null

work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
library="$work/library"
session="$library/sessions/wedding"
mkdir -p "$session"
cat >"$library/studio.toml" <<'EOF'
name = "Bench Studio"
time_zone = "UTC"
currency = "USD"
EOF
cat >"$session/session.toml" <<'EOF'
description = "Bench Wedding"
date = 2026-06-20
days_active = 30
publish = true
downloads = "all"

[client]
id = "C-1"
first_name = "Ann"
last_name = "Smith"
email = "ann@example.com"
EOF

# Distinct real photos until the event holds the size asked for.
goal=$((gb * 1000 * 1000 * 1000))
total=0
n=0
echo "making ${gb} GB of photos ..."
while [ "$total" -lt "$goal" ]; do
  for q in 96 94 92 90 88 86 84 82 80 78; do
    for flip in none horizontal vertical; do
      for src in "$photos"/*.jpg; do
        [ "$total" -ge "$goal" ] && break 4
        n=$((n + 1))
        out="$session/$(printf 'IMG_%04d.jpg' "$n")"
        if [ "$flip" = none ]; then
          vips jpegsave "$src" "$out" --Q "$q"
        else
          vips flip "$src" "$work/flipped.v" "$flip"
          vips jpegsave "$work/flipped.v" "$out" --Q "$q"
        fi
        total=$((total + $(stat -c %s "$out")))
      done
    done
  done
done
rm -f "$work/flipped.v"
printf '%d photos, %.2f GB\n' "$n" "$(echo "$total/1000000000" | bc -l)"

export PROOFROOM_DATA_DIR="$work/data" PROOFROOM_PORT=$port PROOFROOM_WORKERS=2 PROOFROOM_LOG=warn
start_server() {
  target/release/proofroom >>"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start" >&2
  exit 1
}
token=$(target/release/proofroom token create 2>/dev/null)
start_server
echo "pushing ..."
target/release/proofroom-connector sync --library "$library" --server "http://127.0.0.1:$port" \
  --token "$token" --jobs 2 --progress quiet | tail -n 2
# A fresh process: the ingest's peak is not the download's.
kill $pid; wait $pid 2>/dev/null || true
start_server

jar="$work/cookies"
base="http://127.0.0.1:$port"
csrf() { grep -o 'name="csrf" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//'; }
token_field=$(curl -fsS -c "$jar" -b "$jar" "$base/login" | csrf)
curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$token_field" \
  --data-urlencode "user_name=ann@example.com" --data-urlencode "password=Smith" "$base/login"
event=$(curl -fsS -b "$jar" "$base/my-events" | grep -o '/events/[0-9a-f-]\{36\}' | head -n1)
page=$(curl -fsS -b "$jar" "$base$event/downloads")
links=$(echo "$page" | grep -o 'href="[^"]*/downloads/[^"]*"' | sed 's/^href="//; s/"$//; s/&amp;/\&/g')
zip_link=$(echo "$links" | grep '/all.zip?' | head -n1)
one_link=$(echo "$links" | grep -v '/all.zip?' | head -n1)
[ -n "$zip_link" ] || { echo "no ZIP link on the downloads page" >&2; exit 1; }
# Warm-up: the page once more and one whole file.
curl -fsS -o /dev/null -b "$jar" "$base$event/downloads"
curl -fsS -o /dev/null -b "$jar" "$base$one_link"

before=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
stats=$(curl -fsS -b "$jar" -o "$work/all.zip" -w '%{size_download} %{time_total}' "$base$zip_link")
after=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
read -r bytes seconds <<<"$stats"
growth_kb=$((after - before))
entries=$(unzip -Z1 "$work/all.zip" | wc -l)
unzip -tq "$work/all.zip" >/dev/null
mb_s=$(echo "$bytes/1000000/$seconds" | bc -l)
printf 'ZIP of %d photos, %.2f GB in %.1f s (%.0f MB/s), every CRC good; peak RSS %d kB -> %d kB: grew %.1f MB (goal <= 32 MB)\n' \
  "$entries" "$(echo "$bytes/1000000000" | bc -l)" "$seconds" "$mb_s" "$before" "$after" \
  "$(echo "$growth_kb/1024" | bc -l)"
[ "$entries" -eq "$n" ] || { echo "the ZIP holds $entries files, not $n" >&2; exit 1; }

if [ "$write" = 1 ]; then
  doc=docs/performance.md
  row=$(printf '| %d photos, %.2f GB, as one ZIP (2 workers, SQLite) | %.1f MB | ≤ 32 MB | %.1f s, %.0f MB/s | %s |' \
    "$entries" "$(echo "$bytes/1000000000" | bc -l)" "$(echo "$growth_kb/1024" | bc -l)" \
    "$seconds" "$mb_s" "$(date -u +%Y-%m-%d)")
  python3 "$root/bench/write-table.py" "$doc" \
    '<!-- download:begin -->' '<!-- download:end -->' \
    '| event | peak RSS growth | goal | time | date |' "$row"
fi
[ "$growth_kb" -le 32768 ]
