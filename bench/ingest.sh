#!/usr/bin/env bash
# Ingest speed against libvips. Ours: images::ingest (master + watermarked proof + middle size +
# thumb, tiled text watermark) through the `ingest` example. libvips: vipsthumbnail making the
# same three served sizes (proof 2048 q85, middle 1024 q82, thumb 400 q80, stripped), one run
# each per photo. Both single-
# threaded (our pipeline is; VIPS_CONCURRENCY=1 for vips); rounds alternate ours/vips so both see
# the same machine load. Goal: median ratio ours/vips <= 0.35.
#
# usage: bench/ingest.sh [--rounds N] [--write]   (--write updates docs/performance.md)
# env:   PHOTOS=DIR        photo folder (default target/bench-photos, made by bench/photos.sh)
#        INGEST_BIN=PATH   use this ingest binary instead of building it
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
rounds=5
write=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
    --write) write=1; shift ;;
    *) echo "usage: $0 [--rounds N] [--write]" >&2; exit 2 ;;
  esac
done

photos=${PHOTOS:-$root/target/bench-photos}
bash "$root/bench/photos.sh" "$photos" >/dev/null # also installs libvips-tools
if [ -z "${INGEST_BIN:-}" ]; then
  (cd "$root" && cargo build --release -p proofroom-server --example ingest)
  INGEST_BIN=${CARGO_TARGET_DIR:-$root/target}/release/examples/ingest
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load_before=$(cut -d' ' -f1 /proc/loadavg)
now_ns() { date +%s%N; }

for r in $(seq "$rounds"); do
  # ours: one timed ingest per photo after one warm-up (a server process is always warm)
  "$INGEST_BIN" "$photos" --rounds 1 --warmup 1 |
    awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } print f["photo"], f["median_ms"] }' \
      >>"$work/ours"
  for p in "$photos"/*.jpg; do
    t0=$(now_ns)
    VIPS_CONCURRENCY=1 vipsthumbnail "$p" -s 2048 -o "$work/out.jpg[Q=85,strip]" 2>/dev/null
    VIPS_CONCURRENCY=1 vipsthumbnail "$p" -s 1024 -o "$work/middle.jpg[Q=82,strip]" 2>/dev/null
    VIPS_CONCURRENCY=1 vipsthumbnail "$p" -s 400 -o "$work/thumb.jpg[Q=80,strip]" 2>/dev/null
    t1=$(now_ns)
    echo "$(basename "$p") $(((t1 - t0) / 1000))" | awk '{ printf "%s %.1f\n", $1, $2 / 1000 }' >>"$work/vips"
  done
  echo "round $r/$rounds done" >&2
done

# per-photo medians
median() {
  sort -k1,1 -k2,2n "$1" | awk '
    { v[$1, ++n[$1]] = $2; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
    END { for (i = 1; i <= k; i++) { p = order[i]; c = n[p]
            m = (c % 2) ? v[p, (c + 1) / 2] : (v[p, c / 2] + v[p, c / 2 + 1]) / 2
            printf "%s %.1f\n", p, m } }'
}
median "$work/ours" >"$work/ours.med"
median "$work/vips" >"$work/vips.med"
join "$work/ours.med" "$work/vips.med" | awk '{ printf "%s %.1f %.1f %.3f\n", $1, $2, $3, $2 / $3 }' >"$work/table"
ratio=$(awk '{ print $4 }' "$work/table" | sort -n | awk '{ v[NR] = $1 } END {
  printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')

# peak memory of one process ingesting one photo (includes the binary and the font)
files=("$photos"/*.jpg)
one=${files[0]}
mkdir "$work/one" && ln -s "$one" "$work/one/"
rss_kb=$(/usr/bin/time -v "$INGEST_BIN" "$work/one" --rounds 1 --warmup 0 2>&1 >/dev/null |
  awk '/Maximum resident set size/ { print $NF }')

printf '%-20s %10s %10s %8s\n' photo ours_ms vips_ms ratio
awk '{ printf "%-20s %10.1f %10.1f %8.3f\n", $1, $2, $3, $4 }' "$work/table"
load_after=$(cut -d' ' -f1 /proc/loadavg)
echo "median ratio ours/vips: $ratio (goal <= 0.35), rounds: $rounds, nproc: $(nproc)," \
  "load average $load_before -> $load_after"
echo "peak RSS ingesting $(basename "$one") in a fresh process: $((rss_kb / 1024)) MB"

if [ "$write" = 1 ]; then
  doc=$root/docs/performance.md
  section="$work/section"
  {
    echo '<!-- ingest:begin (rewritten by bench/ingest.sh --write) -->'
    echo '## Ingest'
    echo
    echo 'One upload becomes master (q90) + watermarked proof (q85, long edge 2048) + middle size (q82,'
    echo '1024) + thumb (q80, 400), with a tiled text watermark, against `vipsthumbnail` making the'
    echo 'three served sizes (three runs per photo, `VIPS_CONCURRENCY=1`, `[Q=..,strip]`). Photos: `bench/photos.sh`'
    echo '(6000×4000, 8–10 MB, q92). Our time is the library call in a warm process; vips includes'
    echo "its process start-up, as the CLI does. Median of $rounds alternating rounds."
    echo
    echo '| photo | ours ms | vips ms | ratio |'
    echo '|---|---:|---:|---:|'
    awk '{ printf "| %s | %.1f | %.1f | %.2f |\n", $1, $2, $3, $4 }' "$work/table"
    echo
    echo "Median ratio **${ratio}×** (goal ≤ 0.35×). Peak RSS of a fresh process ingesting one"
    echo "6000×4000 photo: $((rss_kb / 1024)) MB. Measured $(date -u +%Y-%m-%d) on $(nproc) cores"
    echo "($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), 1-min load average"
    echo "$load_before → $load_after during the run (other work on the machine slows both sides)."
    echo '<!-- ingest:end -->'
  } >"$section"
  if [ ! -f "$doc" ]; then
    printf '# Performance\n\nMeasured figures for the hot paths, each section written by the script it names.\n' >"$doc"
  fi
  if grep -q '^<!-- ingest:begin' "$doc"; then
    awk -v sec="$section" '
      /^<!-- ingest:begin/ { while ((getline line < sec) > 0) print line; skip = 1; next }
      /^<!-- ingest:end -->/ { skip = 0; next }
      !skip { print }' "$doc" >"$work/doc" && cat "$work/doc" >"$doc"
  else
    { echo; cat "$section"; } >>"$doc"
  fi
  echo "updated $doc"
fi
