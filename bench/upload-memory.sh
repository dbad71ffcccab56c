#!/usr/bin/env bash
# Measures how much a 50 MB upload grows the server's peak memory (VmHWM), to show uploads are
# streamed to disk rather than held in memory. Goal: < 16 MB.
#
# usage: bench/upload-memory.sh [--write]    (--write records the figure in docs/performance.md)
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$root"
cargo build --release --bin proofroom >/dev/null 2>&1 || cargo build --release --bin proofroom
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
export PROOFROOM_DATA_DIR="$work/data" PROOFROOM_PORT=$port PROOFROOM_WORKERS=2 PROOFROOM_LOG=warn
token=$(target/release/proofroom token create 2>/dev/null)
target/release/proofroom >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

api() { curl -fsS -H "Authorization: Bearer $token" "$@"; }
api -X PUT -H 'Content-Type: application/json' "http://127.0.0.1:$port/api/v1/sessions/mem" -d '{
  "description": "Memory", "date": "2026-04-12", "price_list": null, "days_active": 30,
  "event_type": "public", "event_code": null, "event_description": null,
  "client": {"id": "C-1", "first_name": "A", "last_name": "B", "email": "a@b.example", "phone": null, "address": null},
  "images": [{"name": "big.bin.jpg"}, {"name": "photo.jpg"}]}' >/dev/null
# Warm up the upload path once with a small body, then read the peak.
head -c 1000000 /dev/urandom >"$work/small.bin"
api -X PUT -H "x-content-sha256: $(sha256sum "$work/small.bin" | cut -d' ' -f1)" \
  --data-binary @"$work/small.bin" "http://127.0.0.1:$port/api/v1/sessions/mem/images?name=big.bin.jpg" >/dev/null 2>&1 || true
before=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
# 50 MB that is not an image: streamed to disk and hashed, then refused (415) without decoding.
head -c 50000000 /dev/urandom >"$work/big.bin"
status=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $token" \
  -H "x-content-sha256: $(sha256sum "$work/big.bin" | cut -d' ' -f1)" \
  --data-binary @"$work/big.bin" "http://127.0.0.1:$port/api/v1/sessions/mem/images?name=big.bin.jpg")
after=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
growth_kb=$((after - before))
printf 'upload answered %s; peak RSS %d kB -> %d kB: grew %.1f MB for a 50 MB upload (goal < 16 MB)\n' \
  "$status" "$before" "$after" "$(echo "$growth_kb/1024" | bc -l)"

# For comparison, what ingesting a real 6000x4000 photo (decode, proof, thumb) adds on top.
photos=${PHOTOS:-$root/target/bench-photos}
[ -s "$photos/Path.jpg" ] || bash "$root/bench/photos.sh" "$photos" >/dev/null
api -X PUT -H "x-content-sha256: $(sha256sum "$photos/Path.jpg" | cut -d' ' -f1)" \
  --data-binary @"$photos/Path.jpg" "http://127.0.0.1:$port/api/v1/sessions/mem/images?name=photo.jpg" >/dev/null
ingested=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
ingest_kb=$((ingested - after))
printf 'ingesting a 6000x4000 JPEG (%s) then grew the peak by %.1f MB\n' \
  "$(du -h "$photos/Path.jpg" | cut -f1)" "$(echo "$ingest_kb/1024" | bc -l)"

if [ "${1:-}" = "--write" ]; then
  doc=docs/performance.md
  grep -q '^## Upload memory' "$doc" 2>/dev/null || printf '\n## Upload memory\nMeasured by `bench/upload-memory.sh --write`: VmHWM (peak RSS) of the release server before and after, 2 workers.\n\n| what | peak RSS growth | goal | date |\n|---|---|---|---|\n' >>"$doc"
  printf '| 50 MB upload, streamed to disk and hashed (refused as not an image) | %.1f MB | < 16 MB | %s |\n' \
    "$(echo "$growth_kb/1024" | bc -l)" "$(date -u +%Y-%m-%d)" >>"$doc"
  printf '| then ingesting a 6000×4000 JPEG (3/8 DCT-scaled decode, proof, thumb) | %.1f MB | — | %s |\n' \
    "$(echo "$ingest_kb/1024" | bc -l)" "$(date -u +%Y-%m-%d)" >>"$doc"
fi
[ "$growth_kb" -lt 16384 ]
