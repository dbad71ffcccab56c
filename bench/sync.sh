#!/usr/bin/env bash
# A no-change sync of a 10,000-image library against `rsync -an` of the same tree.
#
# The library: 100 sessions of 100 small JPEGs each (every file different), pushed in full to a
# release server on SQLite first. Then, with nothing changed, `proofroom-connector sync` (push:
# studio, price list and every session checked against the server; pull: the feed) is timed
# with hyperfine beside `rsync -an` of the library to a copy made before (which also only
# stats, compares and moves nothing). strace counts the image files the sync opens (goal: 0).
# Goal: the sync under 1 s.
#
# usage: bench/sync.sh [--sessions N] [--per-session N] [--runs N] [--write] [--hold]
#        --write updates docs/performance.md between its sync markers; --hold sets the library
#        and server up, prints where they are and waits (for profiling by hand).
# needs: hyperfine rsync strace curl vips (apt-get install hyperfine rsync strace curl libvips-tools)
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
sessions=100
per=100
runs=20
write=0
hold=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sessions) sessions=${2:?}; shift 2 ;;
    --per-session) per=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    --write) write=1; shift ;;
    --hold) hold=1; shift ;;
    *) echo "usage: $0 [--sessions N] [--per-session N] [--runs N] [--write] [--hold]" >&2; exit 2 ;;
  esac
done
for tool in hyperfine rsync strace curl vips; do
  command -v "$tool" >/dev/null || {
    echo "$tool is missing: apt-get install hyperfine rsync strace curl libvips-tools" >&2
    exit 2
  }
done

cd "$root"
cargo build --release --locked --bin proofroom --bin proofroom-connector
bin=${CARGO_TARGET_DIR:-$root/target}/release
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
export PROOFROOM_DATA_DIR="$work/data" PROOFROOM_PORT=$port PROOFROOM_WORKERS=2 PROOFROOM_LOG=warn
token=$("$bin/proofroom" token create 2>/dev/null)
"$bin/proofroom" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done

lib="$work/library"
mkdir -p "$lib/price-lists" "$lib/sessions"
printf 'server = "%s"\ntoken_file = "studio.token"\n' "$base" >"$lib/connector.toml"
echo "$token" >"$lib/studio.token"
cat >"$lib/studio.toml" <<'EOF'
name = "Bench Studio"
email = "bench@example.com"
time_zone = "UTC"
currency = "USD"

[watermark]
text = "Bench Studio"
EOF
cat >"$lib/price-lists/prints.toml" <<'EOF'
name = "Prints"

[[items]]
sku = "P5X7"
name = "5×7 print"
category = "Prints"
price = "14.00"
images = 1
taxable = true
EOF
# One small JPEG; each copy gets its own bytes after the end-of-image marker, which decoders
# ignore, so no two files hash alike.
vips gaussnoise "$work/base.v" 64 64 --sigma 40 --mean 128
vips cast "$work/base.v" "$work/base.jpg[Q=85]" uchar
for s in $(seq -w 1 "$sessions"); do
  dir="$lib/sessions/bench-$s"
  mkdir -p "$dir"
  cat >"$dir/session.toml" <<EOF
description = "Bench session $s"
date = "2026-06-01"
price_list = "prints"
days_active = 365
publish = true
event_type = "none"

[client]
id = "C-$s"
first_name = "Client"
last_name = "Number$s"
email = "client$s@example.com"
EOF
  for i in $(seq -w 1 "$per"); do
    { cat "$work/base.jpg"; printf 'bench %s %s' "$s" "$i"; } >"$dir/IMG_$i.jpg"
  done
done
images=$((sessions * per))
echo "library: $sessions sessions, $images images, $(du -sh "$lib" | cut -f1)"

echo "full push (every image ingested by the server)…"
start=$(date +%s)
"$bin/proofroom-connector" sync --library "$lib" --progress quiet --jobs 4
echo "full push took $(( $(date +%s) - start )) s"
"$bin/proofroom-connector" sync --library "$lib" --progress quiet # the hash cache is warm now
rsync -a "$lib/" "$work/copy/"
if [ "$hold" = 1 ]; then
  echo "holding: library $lib, server $base (Ctrl-C ends)"
  sleep infinity
fi

opened=$(strace -f -qq -e trace=open,openat -o "$work/trace" \
  "$bin/proofroom-connector" sync --library "$lib" --progress quiet && grep -c '\.jpg"' "$work/trace" || true)
echo "image files opened by a no-change sync: $opened"
said=$("$bin/proofroom-connector" sync --library "$lib" --progress plain 2>&1 | tail -2)
echo "$said"

hyperfine --warmup 2 --runs "$runs" --export-json "$work/times.json" \
  -n sync "$bin/proofroom-connector sync --library $lib --progress quiet" \
  -n rsync "rsync -an $lib/ $work/copy/"
read -r ours theirs < <(python3 - "$work/times.json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print(f'{r["sync"]["median"]:.4f} {r["rsync"]["median"]:.4f}')
EOF
)
ratio=$(python3 -c "print(f'{$ours / $theirs:.2f}')")
echo "no-change sync: median ${ours} s; rsync -an: ${theirs} s; ratio ${ratio}×"

if [ "$write" = 1 ]; then
  python3 - "$root/docs/performance.md" "$ours" "$theirs" "$ratio" "$opened" "$images" "$sessions" "$runs" <<'EOF'
import sys, re, datetime
path, ours, theirs, ratio, opened, images, sessions, runs = sys.argv[1:]
block = f"""<!-- sync:begin (rewritten by bench/sync.sh --write) -->
Measured {datetime.date.today()} by `bench/sync.sh --write`: a library of {int(images):,} small JPEGs in
{sessions} sessions, pushed in full to a release server (SQLite, 2 workers) on the same machine,
then synced again with nothing changed. Median of {runs} runs (hyperfine, 2 warm-ups).

| no-change run | median | goal |
|---|---:|---:|
| `proofroom-connector sync` (push checks + feed pull) | **{float(ours)*1000:.0f} ms** | < 1 s |
| `rsync -an` of the same tree to a copy | {float(theirs)*1000:.0f} ms | — |
| ratio | {ratio}× | — |
| image files the sync opened (strace) | {opened} | 0 |
<!-- sync:end -->"""
text = open(path).read()
if "<!-- sync:begin" in text:
    text = re.sub(r"<!-- sync:begin.*?<!-- sync:end -->", block, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n## No-change sync\n\n" + block + "\n"
open(path, "w").write(text)
EOF
  echo "docs/performance.md updated"
fi
