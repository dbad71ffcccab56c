#!/usr/bin/env bash
# Serving speed against nginx, in one run, with wrk on the same machine:
#   (a) thumbnails through Proofroom and, from the same bytes, through nginx: one of ~50 KB (of a
#       benchmark photo with coarse noise added, as detailed as a photo gets) and one of a plain
#       benchmark photo (~20 KB at q80, 400 px);
#   (b) a 200-photo event page for a signed-in client, and that page saved as static HTML
#       served by nginx — as it is, and gzipped as browsers ask for it (nginx: gzip_static with
#       the file gzipped beside it; Proofroom: the copy it compressed when it rendered the page).
# Both servers get 2 workers, logging off; rounds alternate ours/nginx so both see the same
# machine load; the median requests/s of the rounds is compared. Goals: image >= 0.9x nginx,
# gallery page >= 1.0x.
#
# usage: bench/serve.sh [--rounds N] [--seconds S] [--write] [--hold]
#        --write updates docs/performance.md; --hold sets both servers up, prints their URLs and
#        waits (for profiling by hand) instead of measuring.
# env:   PHOTOS=DIR   photo folder (default target/bench-photos, made by bench/photos.sh)
# needs: wrk, nginx (apt-get install wrk nginx-light), curl
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
rounds=5
seconds=5
write=0
hold=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --write) write=1; shift ;;
    --hold) hold=1; shift ;;
    *) echo "usage: $0 [--rounds N] [--seconds S] [--write] [--hold]" >&2; exit 2 ;;
  esac
done
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin command -v "$tool" >/dev/null || {
    echo "$tool is missing: apt-get install wrk nginx-light curl" >&2
    exit 2
  }
done
export PATH=$PATH:/usr/sbin

cd "$root"
cargo build --release --locked --bin proofroom --bin bytes-baseline
bin=${CARGO_TARGET_DIR:-$root/target}/release/proofroom
baseline_bin=${CARGO_TARGET_DIR:-$root/target}/release/bytes-baseline
photos=${PHOTOS:-$root/target/bench-photos}
bash "$root/bench/photos.sh" "$photos" >/dev/null

work=$(mktemp -d)
chmod 755 "$work" # nginx's workers run as nobody
port=$((20000 + RANDOM % 20000))
nport=$((port + 1))
aport=$((port + 2))
base="http://127.0.0.1:$port"
export PROOFROOM_DATA_DIR="$work/data" PROOFROOM_PORT=$port PROOFROOM_WORKERS=2 PROOFROOM_LOG=warn
token=$("$bin" token create 2>/dev/null)
"$bin" >"$work/server.log" 2>&1 &
pid=$!
apid=
cleanup() {
  kill "$pid" 2>/dev/null || true
  [ -n "$apid" ] && kill "$apid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done

# A client's session of 200 photos (the six benchmark photos, over and over), uploaded as the
# connector does.
api() { curl -fsS -H "Authorization: Bearer $token" "$@"; }
# The detailed photo: noise in 15 px squares survives the downscale, so its thumb is ~50 KB.
vips gaussnoise "$work/noise.v" 400 267 --sigma 30 --mean 0
vips resize "$work/noise.v" "$work/noise-big.v" 15 --kernel nearest
vips crop "$work/noise-big.v" "$work/noise-crop.v" 0 0 6000 4000
vips add "$photos/Path.jpg" "$work/noise-crop.v" "$work/sum.v"
vips cast "$work/sum.v" "$work/detailed.jpg[Q=92]" uchar
rm -f "$work"/*.v
mapfile -t files < <(echo "$work/detailed.jpg"; ls "$photos"/*.jpg)
names=()
for i in $(seq -w 1 200); do names+=("photo-$i.jpg"); done
images_json=$(printf '{"name": "%s"},' "${names[@]}")
api -X PUT -H 'Content-Type: application/json' "$base/api/v1/sessions/bench" -d "{
  \"description\": \"Bench wedding\", \"date\": \"2026-04-12\", \"price_list\": null,
  \"days_active\": 30, \"event_type\": \"none\", \"event_code\": null, \"event_description\": null,
  \"client\": {\"id\": \"C-1\", \"first_name\": \"Ann\", \"last_name\": \"Smith\",
               \"email\": \"ann@example.com\", \"phone\": null, \"address\": null},
  \"images\": [${images_json%,}]}" >/dev/null
declare -A sha
for f in "${files[@]}"; do sha[$f]=$(sha256sum "$f" | cut -d' ' -f1); done
echo "uploading 200 photos..." >&2
export token base
for i in "${!names[@]}"; do
  f=${files[$((i % ${#files[@]}))]}
  printf '%s %s %s\n' "${names[$i]}" "$f" "${sha[$f]}"
done | xargs -P 2 -L 1 bash -c 'curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $token" \
  -H "x-content-sha256: $2" --data-binary @"$1" "$base/api/v1/sessions/bench/images?name=$0"'

# Ann signs in with her email and last name, as a browser does.
jar="$work/cookies"
csrf=$(curl -fsS -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | awk 'NR == 1')
curl -fsS -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf=$csrf" \
  --data-urlencode "user_name=ann@example.com" --data-urlencode "password=Smith" \
  --data-urlencode "next=/my-events" "$base/login"
cookie="pr_session=$(awk '$6 == "pr_session" { print $7 }' "$jar")"
event=$(curl -fsS -H "Cookie: $cookie" "$base/my-events" | grep -o '/events/[0-9a-f-]*' | awk 'NR == 1')
mkdir -p "$work/www"
curl -fsS -H "Cookie: $cookie" "$base$event" >"$work/www/page.html"
tiles=$(grep -oE 'class="tile( [^"]*)?"' "$work/www/page.html" | wc -l)
[ "$tiles" -eq 200 ] || { echo "the event page shows $tiles photos, not 200" >&2; exit 1; }
# photo-001 is the detailed photo, photo-002 a plain one (the page lists them by name).
mapfile -t thumbs < <(grep -o '/images/[^" ]*/thumb/[^" ]*\.jpg' "$work/www/page.html" | awk '!seen[$0]++' | awk 'NR <= 2')
thumb=${thumbs[0]}
plain=${thumbs[1]}
curl -fsS -H "Cookie: $cookie" "$base$thumb" >"$work/www/thumb.jpg"
curl -fsS -H "Cookie: $cookie" "$base$plain" >"$work/www/plain.jpg"

cat >"$work/nginx.conf" <<EOF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  types { text/html html; image/jpeg jpg; }
  server { listen 127.0.0.1:$nport; root $work/www; gzip_static on; }
}
EOF
nginx -p "$work" -e "$work/nginx-error.log" -c "$work/nginx.conf"
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$nport/page.html" && break; sleep 0.1; done

# The ceiling: actix-web alone with the same files in memory (bench/baseline).
"$baseline_bin" "$work/www" "$aport" >"$work/baseline.log" 2>&1 &
apid=$!
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$aport/thumb.jpg" && break; sleep 0.1; done

# Same bytes from both, and a 200 from both, before timing anything.
for pair in "$base$thumb http://127.0.0.1:$nport/thumb.jpg" "$base$plain http://127.0.0.1:$nport/plain.jpg" \
  "$base$event http://127.0.0.1:$nport/page.html"; do
  set -- $pair
  a=$(curl -fsS -H "Cookie: $cookie" "$1" | sha256sum)
  b=$(curl -fsS "$2" | sha256sum)
  [ "$a" = "$b" ] || { echo "$1 and $2 differ" >&2; exit 1; }
done
gzip -6 -n -k "$work/www/page.html"
gz_bytes=$(stat -c %s "$work/www/page.html.gz")
for u in "$base$event" "http://127.0.0.1:$nport/page.html"; do
  curl -fsS -o /dev/null -D - -H "Cookie: $cookie" -H "Accept-Encoding: gzip" "$u" |
    grep -i '^content-encoding: gzip' >/dev/null || { echo "$u does not answer gzipped" >&2; exit 1; }
done
thumb_bytes=$(stat -c %s "$work/www/thumb.jpg")
plain_bytes=$(stat -c %s "$work/www/plain.jpg")
page_bytes=$(stat -c %s "$work/www/page.html")

if [ "$hold" = 1 ]; then
  echo "server pid $pid; cookie: $cookie"
  echo "ours:  $base$thumb  $base$plain  $base$event"
  echo "nginx: http://127.0.0.1:$nport/thumb.jpg  http://127.0.0.1:$nport/plain.jpg  http://127.0.0.1:$nport/page.html"
  echo "actix alone: http://127.0.0.1:$aport/thumb.jpg  http://127.0.0.1:$aport/plain.jpg  http://127.0.0.1:$aport/page.html"
  echo "waiting; Ctrl-C ends both"
  sleep infinity
fi

rps() { # url [header] -> requests/s
  wrk -t2 -c64 -d"${seconds}s" -H "Cookie: $cookie" ${2:+-H "$2"} "$1" |
    awk '/^Requests\/sec/ { print $2 } /Non-2xx/ { print "non-2xx answers: " $0 > "/dev/stderr"; exit 1 }'
}
# Every request a new query string: the page is rendered each time (no kept copy to serve).
cat >"$work/fresh.lua" <<'LUA'
n = 0
request = function() n = n + 1; return wrk.format(nil, wrk.path .. "?fresh=" .. n) end
LUA
fresh_rps() {
  wrk -t2 -c64 -d"${seconds}s" -s "$work/fresh.lua" -H "Cookie: $cookie" "$1" |
    awk '/^Requests\/sec/ { print $2 }'
}
load_before=$(cut -d' ' -f1 /proc/loadavg)
: >"$work/results"
for r in $(seq "$rounds"); do
  echo "thumb ours $(rps "$base$thumb")" >>"$work/results"
  echo "thumb nginx $(rps "http://127.0.0.1:$nport/thumb.jpg")" >>"$work/results"
  echo "thumb actix $(rps "http://127.0.0.1:$aport/thumb.jpg")" >>"$work/results"
  echo "plain ours $(rps "$base$plain")" >>"$work/results"
  echo "plain nginx $(rps "http://127.0.0.1:$nport/plain.jpg")" >>"$work/results"
  echo "plain actix $(rps "http://127.0.0.1:$aport/plain.jpg")" >>"$work/results"
  echo "page ours $(rps "$base$event")" >>"$work/results"
  echo "page nginx $(rps "http://127.0.0.1:$nport/page.html")" >>"$work/results"
  echo "page actix $(rps "http://127.0.0.1:$aport/page.html")" >>"$work/results"
  echo "gzip ours $(rps "$base$event" "Accept-Encoding: gzip")" >>"$work/results"
  echo "gzip nginx $(rps "http://127.0.0.1:$nport/page.html" "Accept-Encoding: gzip")" >>"$work/results"
  echo "fresh ours $(fresh_rps "$base$event")" >>"$work/results"
  echo "round $r/$rounds done" >&2
done
load_after=$(cut -d' ' -f1 /proc/loadavg)
median() { grep "^$1 $2 " "$work/results" | awk '{ print $3 }' | sort -n |
  awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
t_ours=$(median thumb ours); t_nginx=$(median thumb nginx); t_actix=$(median thumb actix)
s_ours=$(median plain ours); s_nginx=$(median plain nginx); s_actix=$(median plain actix)
p_ours=$(median page ours); p_nginx=$(median page nginx); p_actix=$(median page actix)
f_ours=$(median fresh ours)
g_ours=$(median gzip ours); g_nginx=$(median gzip nginx)
g_ratio=$(awk -v a="$g_ours" -v b="$g_nginx" 'BEGIN { printf "%.2f", a / b }')
t_ratio=$(awk -v a="$t_ours" -v b="$t_nginx" 'BEGIN { printf "%.2f", a / b }')
s_ratio=$(awk -v a="$s_ours" -v b="$s_nginx" 'BEGIN { printf "%.2f", a / b }')
p_ratio=$(awk -v a="$p_ours" -v b="$p_nginx" 'BEGIN { printf "%.2f", a / b }')
printf 'thumbnail %d bytes: ours %.0f req/s, nginx %.0f req/s: %sx (goal >= 0.9); actix alone %.0f\n' \
  "$thumb_bytes" "$t_ours" "$t_nginx" "$t_ratio" "$t_actix"
printf 'thumbnail of a plain photo %d bytes: ours %.0f req/s, nginx %.0f req/s: %sx (goal >= 0.9); actix alone %.0f\n' \
  "$plain_bytes" "$s_ours" "$s_nginx" "$s_ratio" "$s_actix"
printf 'event page, 200 photos, %d bytes: ours %.0f req/s, nginx %.0f req/s: %sx (goal >= 1.0); actix alone %.0f\n' \
  "$page_bytes" "$p_ours" "$p_nginx" "$p_ratio" "$p_actix"
printf 'event page gzipped, %d bytes: ours %.0f req/s, nginx %.0f req/s: %sx\n' \
  "$gz_bytes" "$g_ours" "$g_nginx" "$g_ratio"
printf 'event page rendered every time: ours %.0f req/s\n' "$f_ours"

if [ "$write" = 1 ]; then
  doc="$root/docs/performance.md"
  section="$work/section"
  {
    echo '<!-- serve:begin (rewritten by bench/serve.sh --write) -->'
    echo '## Serving images and gallery pages'
    echo
    echo "\`wrk -t2 -c64 -d${seconds}s\` against the release server (2 workers) and nginx $(nginx -v 2>&1 | sed 's/.*nginx\///')"
    echo '(2 workers, `sendfile`, access log off), both on the same 2 cores as wrk; rounds alternate'
    echo "the two, median of $rounds. Both answer with the same bytes: thumbnails Proofroom made (400 px,"
    echo 'q80) from 6000×4000 photos — a benchmark photo with coarse noise added (as detailed as photos'
    echo 'get, ~50 KB) and a plain benchmark photo; the page is a signed-in client'"'"'s 200-photo event'
    echo 'page, saved as a file for nginx. Our requests carry the session cookie and pass the access'
    echo 'check; the page is the kept copy of `events::page_cache`; the last row shows it rendered.'
    echo 'The last column is the ceiling: actix-web alone, the same file from memory, no middleware,'
    echo 'session or access check (`bench/baseline`).'
    echo
    echo '| what | bytes | ours req/s | nginx req/s | ratio | goal | actix-web alone req/s |'
    echo '|---|---:|---:|---:|---:|---:|---:|'
    printf '| thumbnail, detailed photo | %d | %.0f | %.0f | **%s×** | ≥ 0.9× | %.0f |\n' "$thumb_bytes" "$t_ours" "$t_nginx" "$t_ratio" "$t_actix"
    printf '| thumbnail, plain photo | %d | %.0f | %.0f | **%s×** | ≥ 0.9× | %.0f |\n' "$plain_bytes" "$s_ours" "$s_nginx" "$s_ratio" "$s_actix"
    printf '| event page, 200 photos | %d | %.0f | %.0f | **%s×** | ≥ 1.0× | %.0f |\n' "$page_bytes" "$p_ours" "$p_nginx" "$p_ratio" "$p_actix"
    printf '| the same page gzipped (`Accept-Encoding: gzip`, as browsers send) | %d | %.0f | %.0f | **%s×** | ≥ 1.0× | — |\n' \
      "$gz_bytes" "$g_ours" "$g_nginx" "$g_ratio"
    printf '| the same page rendered every time (a new query string each request) | %d | %.0f | — | %s× | — | — |\n' \
      "$page_bytes" "$f_ours" "$(awk -v a="$f_ours" -v b="$p_nginx" 'BEGIN { printf "%.2f", a / b }')"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, 1-min load average $load_before → $load_after."
    echo '<!-- serve:end -->'
  } >"$section"
  if grep -q '^<!-- serve:begin' "$doc"; then
    awk -v sec="$section" '
      /^<!-- serve:begin/ { while ((getline line < sec) > 0) print line; skip = 1; next }
      /^<!-- serve:end -->/ { skip = 0; next }
      !skip { print }' "$doc" >"$work/doc" && cat "$work/doc" >"$doc"
  else
    { echo; cat "$section"; } >>"$doc"
  fi
  echo "wrote $doc" >&2
fi
