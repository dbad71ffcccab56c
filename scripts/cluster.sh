#!/usr/bin/env bash
# Starts a site of several Proofroom servers on this machine, as a host of many runs one: N
# `proofroom` processes on one PostgreSQL database with their files in one S3 bucket, and nginx
# (Debian's nginx-light) in front as the load balancer. For development and for the tests.
#
#   scripts/cluster.sh DIR [--nodes N] [--port PORT] [--node-ports P1,P2,…] [--upstream HOST:PORT]…
#   scripts/cluster.sh DIR --stop
#
# What the servers share comes from the environment, as for one server (docs/deploy.md):
#   PROOFROOM_DATABASE_URL   a postgres:// URL; default: database proofroom_cluster on the
#                            machine's PostgreSQL (postgres://postgres@127.0.0.1:5432), made
#                            if missing
#   PROOFROOM_STORE=s3 and PROOFROOM_S3_* / AWS_*   the bucket; default: a Garage started in
#                            DIR/garage (scripts/garage.sh)
# Every other PROOFROOM_* variable (smtp_url, stripe keys, …) reaches every server as it is.
# Each server gets its own port (PORT+1… unless --node-ports), data folder DIR/node-<i> (its
# scratch space for uploads) and log DIR/node-<i>.log; PROOFROOM_BIN names the binary (default:
# target/release/proofroom, else target/debug/proofroom). --upstream adds a server started
# elsewhere (the tests run one inside the test process) to nginx's list.
#
# The first server starts alone (it brings the database's tables up to date), the others after
# it. nginx listens on PORT (default 8080) and sends each request to the next server, skipping
# one that refuses connections. The pids are in DIR/node-<i>.pid and DIR/nginx.pid; the last
# line printed is the site's address. `--stop` stops what DIR holds.
set -euo pipefail

dir=${1:?usage: scripts/cluster.sh DIR [--nodes N] [--port PORT] [--node-ports P1,P2] [--upstream HOST:PORT] | DIR --stop}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

stop() {
  for pidfile in "$dir"/node-*.pid "$dir/nginx.pid" "$dir/garage/pid"; do
    [ -f "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

# A start that fails half way stops what it started.
started=0
trap 'if [ "$started" = 0 ]; then stop; fi' EXIT

nodes=3
port=8080
node_ports=""
upstreams=()
while [ $# -gt 0 ]; do
  case "$1" in
    --stop) stop; started=1; echo "stopped what $dir held"; exit 0 ;;
    --nodes) nodes=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --node-ports) node_ports=$2; shift 2 ;;
    --upstream) upstreams+=("$2"); shift 2 ;;
    *) echo "error: unknown option $1" >&2; exit 2 ;;
  esac
done

nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$nginx_bin" ]; then
  echo "error: nginx is not installed (apt-get install nginx-light)" >&2
  exit 1
fi
bin=${PROOFROOM_BIN:-}
if [ -z "$bin" ]; then
  for candidate in "$root/target/release/proofroom" "$root/target/debug/proofroom"; do
    if [ -x "$candidate" ]; then bin=$candidate; break; fi
  done
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "error: no proofroom binary: cargo build --release -p proofroom-server, or set PROOFROOM_BIN" >&2
  exit 1
fi

if [ -z "${PROOFROOM_DATABASE_URL:-}" ]; then
  admin=postgres://postgres@127.0.0.1:5432/postgres
  if ! psql "$admin" -qtAc "select 1 from pg_database where datname = 'proofroom_cluster'" | grep -q 1; then
    psql "$admin" -qc "create database proofroom_cluster"
  fi
  export PROOFROOM_DATABASE_URL=postgres://postgres@127.0.0.1:5432/proofroom_cluster
fi
case "$PROOFROOM_DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "error: several servers share a PostgreSQL database; PROOFROOM_DATABASE_URL is not one" >&2; exit 1 ;;
esac

if [ "${PROOFROOM_STORE:-files}" != "s3" ]; then
  s3_port=$((port + 900))
  "$root/scripts/garage.sh" "$dir/garage" "$s3_port" >"$dir/garage.out"
  # http://KEY:SECRET@host:port/bucket?region=garage
  store=$(tail -n1 "$dir/garage.out")
  rest=${store#http://}
  keys=${rest%%@*}
  address=${rest#*@}
  export PROOFROOM_STORE=s3
  export PROOFROOM_S3_BUCKET=${address#*/}
  PROOFROOM_S3_BUCKET=${PROOFROOM_S3_BUCKET%%\?*}
  export PROOFROOM_S3_ENDPOINT=http://${address%%/*}
  export PROOFROOM_S3_REGION=garage
  export PROOFROOM_S3_PATH_STYLE=true
  export PROOFROOM_S3_ACCESS_KEY_ID=${keys%%:*}
  export PROOFROOM_S3_SECRET_ACCESS_KEY=${keys#*:}
fi

# nginx is the proxy: the servers take the client's address from X-Forwarded-For.
export PROOFROOM_TRUST_PROXY=true
export PROOFROOM_PUBLIC_URL=${PROOFROOM_PUBLIC_URL:-http://127.0.0.1:$port}

IFS=, read -r -a ports <<<"$node_ports"
wait_healthy() {
  for _ in $(seq 1 300); do
    if curl -fsS "http://127.0.0.1:$1/healthz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then
      echo "error: server $3 stopped; its log:" >&2
      tail -20 "$dir/node-$3.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "error: server $3 did not answer /healthz within 30 s" >&2
  return 1
}
start_node() {
  local i=$1 node_port=${ports[$(($1 - 1))]:-$((port + $1))}
  mkdir -p "$dir/node-$i"
  PROOFROOM_PORT=$node_port PROOFROOM_HOST=127.0.0.1 PROOFROOM_DATA_DIR="$dir/node-$i" \
    "$bin" serve >"$dir/node-$i.log" 2>&1 &
  echo $! >"$dir/node-$i.pid"
  wait_healthy "$node_port" "$!" "$i"
  upstreams+=("127.0.0.1:$node_port")
}
# The first alone: it runs the migrations the others then find done.
if [ "$nodes" -ge 1 ]; then start_node 1; fi
starting=()
for i in $(seq 2 "$nodes"); do
  start_node "$i" &
  starting+=($!)
done
for pid in "${starting[@]}"; do wait "$pid"; done
for i in $(seq 2 "$nodes"); do
  upstreams+=("127.0.0.1:${ports[$((i - 1))]:-$((port + i))}")
done

if [ ${#upstreams[@]} -eq 0 ]; then
  echo "error: no servers for nginx: --nodes 0 needs --upstream" >&2
  exit 2
fi
mkdir -p "$dir/nginx-temp"
chmod 777 "$dir/nginx-temp"
{
  echo "worker_processes 1;"
  echo "pid $dir/nginx.pid;"
  echo "error_log $dir/nginx-error.log warn;"
  echo "events { worker_connections 4096; }"
  echo "http {"
  echo "  access_log off;"
  echo "  client_body_temp_path $dir/nginx-temp/body;"
  echo "  proxy_temp_path $dir/nginx-temp/proxy;"
  echo "  fastcgi_temp_path $dir/nginx-temp/fastcgi;"
  echo "  uwsgi_temp_path $dir/nginx-temp/uwsgi;"
  echo "  scgi_temp_path $dir/nginx-temp/scgi;"
  echo "  upstream proofroom {"
  for upstream in "${upstreams[@]}"; do
    # A server that refuses connections is left out for a few seconds, then tried again.
    echo "    server $upstream max_fails=1 fail_timeout=5s;"
  done
  echo "    keepalive 32;"
  # Shorter than the servers' own 5 s: nginx never sends a request on a connection a server is
  # closing (which it could not repeat for a POST: the visitor would see a 502).
  echo "    keepalive_timeout 4s;"
  echo "  }"
  echo "  server {"
  echo "    listen 127.0.0.1:$port;"
  # Uploads stream through to a server as they arrive; the server sets its own limit.
  echo "    client_max_body_size 0;"
  echo "    proxy_request_buffering off;"
  echo "    location / {"
  echo "      proxy_pass http://proofroom;"
  echo "      proxy_http_version 1.1;"
  echo "      proxy_set_header Connection \"\";"
  echo "      proxy_set_header Host \$http_host;"
  echo "      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;"
  echo "      proxy_set_header X-Forwarded-Proto \$scheme;"
  # A request that never reached a server goes to the next; one a server was answering
  # when it died is not sent again (a checkout form's own key makes pressing again safe).
  echo "      proxy_next_upstream error timeout http_502 http_503;"
  echo "      proxy_read_timeout 300s;"
  echo "    }"
  echo "  }"
  echo "}"
} >"$dir/nginx.conf"
"$nginx_bin" -e "$dir/nginx-error.log" -p "$dir" -c "$dir/nginx.conf"
# Each server still runs (one that could not take its port answered nothing of its own).
for pidfile in "$dir"/node-*.pid; do
  [ -f "$pidfile" ] || continue
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "error: ${pidfile%.pid} stopped; its log:" >&2
    tail -20 "${pidfile%.pid}.log" >&2
    exit 1
  fi
done
healthy=0
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then healthy=1; break; fi
  sleep 0.1
done
if [ "$healthy" = 0 ]; then
  echo "error: nginx on port $port does not answer; its log:" >&2
  tail -20 "$dir/nginx-error.log" >&2
  exit 1
fi
started=1
echo "servers: ${upstreams[*]}; logs in $dir; stop with: scripts/cluster.sh $dir --stop"
echo "http://127.0.0.1:$port"
