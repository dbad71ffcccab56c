#!/usr/bin/env bash
# Files in object storage: what a node pays when a thumbnail is not in its memory yet, and what
# a large original going up to the bucket costs in memory.
#   (a) 200 distinct photos (the benchmark photos at 200 sizes) published to a public event on
#       a release server (2 workers) keeping its files in Garage (scripts/garage.sh, on this
#       machine) — and, for comparison, on its own disk. The server is restarted (its image
#       cache empty), then each thumbnail is fetched once, one at a time (cold: from the store),
#       then all again (warm: from memory). p50 and p99 of curl's total time.
#   (b) a 50 MB photo uploaded with keep_originals on: the original goes to the bucket in 5 MiB
#       parts. Peak RSS (VmHWM) growth of the server, against the same upload on files.
#
# usage: bench/s3.sh [--write]     (--write records the figures in docs/performance.md)
# needs: garage (cargo install garage --locked --version 2.5.0), vips, curl
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$root"
write=0
[ "${1:-}" = "--write" ] && write=1
cargo build --release --locked --bin proofroom
bin=${CARGO_TARGET_DIR:-$root/target}/release/proofroom
photos=${PHOTOS:-$root/target/bench-photos}
bash "$root/bench/photos.sh" "$photos" >/dev/null

work=$(mktemp -d)
pid=
cleanup() {
  status=$?
  if [ "$status" != 0 ] && [ -f "$work/server.log" ]; then
    echo "failed; the server said:" >&2
    tail -n 20 "$work/server.log" >&2
  fi
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  [ -f "$work/garage/pid" ] && kill "$(cat "$work/garage/pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
gport=$((30000 + RANDOM % 5000))
store_url=$(scripts/garage.sh "$work/garage" "$gport" | tail -n1)
creds=${store_url#http://}
creds=${creds%%@*}

mkdir -p "$work/img"
mapfile -t sources < <(ls "$photos"/*.jpg)
for i in $(seq 1 200); do
  src=${sources[$((i % ${#sources[@]}))]}
  vipsthumbnail "$src" -s $((1500 + i)) -o "$work/img/p$(printf %03d "$i").jpg[Q=88]"
done
# (b)'s photo: 9000 x 6000 of coarse noise at Q 100, about 50 MB.
vips gaussnoise "$work/n.v" 600 400 --sigma 40 --mean 128
vips resize "$work/n.v" "$work/nb.v" 15 --kernel nearest
vips cast "$work/nb.v" "$work/big.jpg[Q=100]" uchar
rm -f "$work"/*.v
big_mb=$(( $(stat -c %s "$work/big.jpg") / 1000000 ))

start_server() { # STORE DATA_DIR
  export PROOFROOM_DATA_DIR=$2 PROOFROOM_PORT=$port PROOFROOM_WORKERS=2 PROOFROOM_LOG=warn
  export PROOFROOM_STORE=$1 PROOFROOM_S3_BUCKET=proofroom PROOFROOM_S3_REGION=garage \
    PROOFROOM_S3_ENDPOINT="http://127.0.0.1:$gport" PROOFROOM_S3_PATH_STYLE=true \
    PROOFROOM_S3_PREFIX="bench-$1" AWS_ACCESS_KEY_ID=${creds%%:*} \
    AWS_SECRET_ACCESS_KEY=${creds#*:}
  "$bin" >>"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done
}
stop_server() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }
api() { curl -fsS -H "Authorization: Bearer $token" "$@"; }
percentile() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; printf "%.2f", v[i] * 1000 }'; }

measure() { # STORE -> "cold_p50 cold_p99 warm_p50 warm_p99 growth_mb"
  local store=$1 data="$work/data-$1"
  port=$((20000 + RANDOM % 9000))
  base="http://127.0.0.1:$port"
  token=$(PROOFROOM_DATA_DIR=$data "$bin" token create 2>/dev/null)
  start_server "$store" "$data"
  local names=() i
  for i in $(seq -w 1 200); do names+=("{\"name\": \"p$i.jpg\"}"); done
  api -X PUT -H 'Content-Type: application/json' "$base/api/v1/sessions/fair" -d "{
    \"description\": \"Fair\", \"date\": \"2026-04-12\", \"price_list\": null, \"days_active\": 30,
    \"event_type\": \"public\", \"event_code\": null, \"event_description\": null,
    \"client\": {\"id\": \"C-1\", \"first_name\": \"A\", \"last_name\": \"B\",
                 \"email\": \"a@b.example\", \"phone\": null, \"address\": null},
    \"images\": [$(IFS=,; echo "${names[*]}"), {\"name\": \"big.jpg\"}]}" >/dev/null
  export token base
  ls "$work/img" | xargs -P 2 -I{} bash -c 'curl -fsS -o /dev/null -X PUT \
    -H "Authorization: Bearer $token" -H "x-content-sha256: $(sha256sum "$0/{}" | cut -d" " -f1)" \
    --data-binary @"$0/{}" "$base/api/v1/sessions/fair/images?name={}"' "$work/img"
  stop_server
  start_server "$store" "$data"
  local event
  event=$(curl -fsS "$base/" | grep -o '/events/[0-9a-f-]*' | awk 'NR == 1')
  curl -fsS "$base$event" | grep -o '/images/[^" ]*/thumb/[^" ]*\.jpg' | awk '!seen[$0]++' >"$work/thumbs"
  [ "$(wc -l <"$work/thumbs")" -eq 200 ] || { echo "the page lists $(wc -l <"$work/thumbs") thumbnails" >&2; exit 1; }
  local cold warm
  cold=$(while read -r t; do curl -fsS -o /dev/null -w '%{time_total}\n' "$base$t"; done <"$work/thumbs")
  warm=$(while read -r t; do curl -fsS -o /dev/null -w '%{time_total}\n' "$base$t"; done <"$work/thumbs")
  # (b): keep originals, then the 50 MB photo.
  api -X PUT -H 'Content-Type: application/json' "$base/api/v1/studio" -d '{
    "name": "Bench", "email": null, "phone": null, "time_zone": "UTC", "currency": "USD",
    "watermark": null, "keep_originals": true}' >/dev/null
  local before after
  before=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
  api -X PUT -H "x-content-sha256: $(sha256sum "$work/big.jpg" | cut -d' ' -f1)" \
    --data-binary @"$work/big.jpg" "$base/api/v1/sessions/fair/images?name=big.jpg" >/dev/null
  after=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
  stop_server
  echo "$(echo "$cold" | percentile 50) $(echo "$cold" | percentile 99) $(echo "$warm" | percentile 50) $(echo "$warm" | percentile 99) $(( (after - before) / 1024 ))"
}

read -r s3_c50 s3_c99 s3_w50 s3_w99 s3_mem < <(measure s3)
read -r f_c50 f_c99 f_w50 f_w99 f_mem < <(measure files)
printf 'thumbnail, cold   S3: p50 %s ms p99 %s ms   files: p50 %s ms p99 %s ms\n' "$s3_c50" "$s3_c99" "$f_c50" "$f_c99"
printf 'thumbnail, warm   S3: p50 %s ms p99 %s ms   files: p50 %s ms p99 %s ms\n' "$s3_w50" "$s3_w99" "$f_w50" "$f_w99"
printf '%s MB photo kept as original: peak RSS grew %s MB (S3), %s MB (files)\n' "$big_mb" "$s3_mem" "$f_mem"

if [ "$write" = 1 ]; then
  day=$(date -u +%Y-%m-%d)
  rows="| thumbnail, cold (first fetch after a restart, from the store) | $s3_c50 ms / $s3_c99 ms | $f_c50 ms / $f_c99 ms | $day |
| thumbnail, warm (the node's memory) | $s3_w50 ms / $s3_w99 ms | $f_w50 ms / $f_w99 ms | $day |
| a $big_mb MB photo uploaded with keep_originals: peak RSS growth (ingest included) | $s3_mem MB | $f_mem MB | $day |"
  python3 bench/write-table.py docs/performance.md '<!-- s3:begin (rewritten by bench/s3.sh --write) -->' \
    '<!-- s3:end -->' '| what | Garage (S3), p50 / p99 | own disk, p50 / p99 | date |' "$rows"
fi
