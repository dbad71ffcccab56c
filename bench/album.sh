#!/usr/bin/env bash
# Album proofing's two figures:
#   (a) a marked-up page drawn for the designer: a 2560×1280 spread with 20 notes, decoded, drawn
#       and encoded (server/benches/album_pins.rs, release build, warm, one core); goal < 100 ms;
#   (b) the album page of 60 spreads for its client, in a warm release server (2 workers): the
#       HTML's latency over one connection, one request after another (wrk --latency); goal
#       < 20 ms at the median.
#
# usage: bench/album.sh [--write]
#        --write updates docs/performance.md between its album markers.
# env:   PHOTOS=DIR   photo folder (default target/bench-photos, made by bench/photos.sh)
# needs: wrk, vips (apt-get install wrk libvips-tools), curl
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
write=0
while [ $# -gt 0 ]; do
  case "$1" in
    --write) write=1; shift ;;
    *) echo "usage: $0 [--write]" >&2; exit 2 ;;
  esac
done
for tool in wrk vips curl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install wrk libvips-tools curl" >&2; exit 2; }
done
cd "$root"

line=$(cargo bench --locked -q -p proofroom-server --bench album_pins 2>/dev/null | grep '^pinned page:')
echo "$line"
pin_bytes=$(echo "$line" | sed -n 's/.* to \([0-9]*\) bytes.*/\1/p')
pin_median=$(echo "$line" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
pin_p95=$(echo "$line" | sed -n 's/.*p95 \([0-9.]*\) ms.*/\1/p')

cargo build --release --locked --bin proofroom
bin=${CARGO_TARGET_DIR:-$root/target}/release/proofroom
photos=${PHOTOS:-$root/target/bench-photos}
bash "$root/bench/photos.sh" "$photos" >/dev/null

work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
export PROOFROOM_DATA_DIR="$work/data" PROOFROOM_PORT=$port PROOFROOM_WORKERS=2 PROOFROOM_LOG=warn
token=$("$bin" token create 2>/dev/null)
"$bin" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done
api() { curl -fsS -H "Authorization: Bearer $token" "$@"; }
api -X PUT -H 'Content-Type: application/json' "$base/api/v1/sessions/bench" -d '{
  "description": "Bench wedding", "date": "2026-04-12", "price_list": null,
  "days_active": 30, "event_type": "none", "event_code": null, "event_description": null,
  "client": {"id": "C-1", "first_name": "Ann", "last_name": "Smith",
             "email": "ann@example.com", "phone": null, "address": null},
  "images": []}' >/dev/null

# 60 spreads of 2560×1280, each a different crop of the benchmark photos.
mapfile -t sources < <(ls "$photos"/*.jpg)
mkdir -p "$work/pages"
pages=""
for i in $(seq 1 60); do
  name=$(printf '%03d.jpg' "$i")
  src=${sources[$((i % ${#sources[@]}))]}
  vips crop "$src" "$work/pages/$name[Q=90]" $(( (i * 37) % 3400 )) $(( (i * 53) % 2700 )) 2560 1280
  pages+="{\"name\": \"$name\", \"sha256\": \"$(sha256sum "$work/pages/$name" | cut -d' ' -f1)\"},"
done
api -X PUT -H 'Content-Type: application/json' "$base/api/v1/sessions/bench/albums/main" \
  -d "{\"description\": \"Wedding album\", \"revision\": 1, \"pages\": [${pages%,}]}" >/dev/null
echo "uploading 60 spreads..." >&2
for f in "$work"/pages/*.jpg; do
  name=$(basename "$f")
  api -o /dev/null -X PUT -H "x-content-sha256: $(sha256sum "$f" | cut -d' ' -f1)" \
    --data-binary @"$f" "$base/api/v1/sessions/bench/albums/main/pages?revision=1&name=$name"
done

# Ann signs in with her email and last name, as a browser does, and opens the album.
jar="$work/cookies"
csrf=$(curl -fsS -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | awk 'NR == 1')
curl -fsS -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf=$csrf" \
  --data-urlencode "user_name=ann@example.com" --data-urlencode "password=Smith" \
  --data-urlencode "next=/my-events" "$base/login"
cookie="pr_session=$(awk '$6 == "pr_session" { print $7 }' "$jar")"
album=$(curl -fsS -H "Cookie: $cookie" "$base/my-events" | grep -o '/events/[0-9a-f-]*/albums/[0-9a-f-]*' | awk 'NR == 1')
[ -n "$album" ] || { echo "My events links no album" >&2; exit 1; }
curl -fsS -H "Cookie: $cookie" "$base$album" >"$work/album.html"
spreads=$(grep -c 'class="album-page spread"' "$work/album.html" || true)
[ "$spreads" -eq 60 ] || { echo "the album page shows $spreads spreads, not 60" >&2; exit 1; }
html_kb=$(( $(stat -c %s "$work/album.html") / 1024 ))

# Warm, then one request at a time for 10 s.
wrk -t1 -c1 -d2s -H "Cookie: $cookie" "$base$album" >/dev/null
report=$(wrk -t1 -c1 -d10s --latency -H "Cookie: $cookie" "$base$album")
echo "$report" | grep -q 'Non-2xx' && { echo "non-2xx answers: $report" >&2; exit 1; }
ms() { # wrk's "850.00us", "3.21ms", "1.02s" -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
page_median=$(ms "$(echo "$report" | awk '$1 == "50%" { print $2 }')")
page_p99=$(ms "$(echo "$report" | awk '$1 == "99%" { print $2 }')")
requests=$(echo "$report" | awk '/requests in/ { print $1 }')
echo "album page (60 spreads, $html_kb KB of HTML): $requests requests, median $page_median ms, p99 $page_p99 ms"

if [ "$write" = 1 ]; then
  rows=$(printf '| pinned page for the designer: 2560×1280 spread, 20 notes (%s KB JPEG) | %s ms | p95 %s ms | < 100 ms | %s |\n| album page, 60 spreads (%s KB of HTML), warm server, one connection | %s ms | p99 %s ms | < 20 ms | %s |' \
    "$((pin_bytes / 1024))" "$pin_median" "$pin_p95" "$(date -u +%Y-%m-%d)" "$html_kb" "$page_median" "$page_p99" "$(date -u +%Y-%m-%d)")
  python3 "$root/bench/write-table.py" docs/performance.md \
    '<!-- album:begin (rewritten by bench/album.sh --write) -->' '<!-- album:end -->' \
    '| what | median | tail | goal | date |' "$rows"
fi
awk -v a="$pin_median" -v b="$page_median" 'BEGIN { exit !(a < 100 && b < 20) }'
