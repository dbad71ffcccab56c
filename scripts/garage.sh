#!/usr/bin/env bash
# Starts a one-node Garage (https://garagehq.deuxfleurs.fr, an S3-compatible object store) in
# DIR for development and the tests, makes a bucket and a key for it, and prints where it is:
#
#   scripts/garage.sh DIR [S3_PORT]     # default port 3900
#
# The last line printed is the store as the tests take it (PROOFROOM_TEST_S3):
#   http://<key id>:<secret>@127.0.0.1:<port>/proofroom?region=garage
# and DIR/store holds the same line. Garage runs in the background until `kill $(cat DIR/pid)`.
# Garage itself comes from `cargo install garage --locked` (about 11 minutes on 2 cores, once
# per machine: it lands in cargo's own bin folder, outside this checkout).
set -euo pipefail

dir=${1:?usage: scripts/garage.sh DIR [S3_PORT]}
port=${2:-3900}
garage=${GARAGE:-$(command -v garage || echo "$HOME/.cargo/bin/garage")}
if [ ! -x "$garage" ]; then
  echo "error: garage is not installed: cargo install garage --locked" >&2
  exit 1
fi
mkdir -p "$dir/meta" "$dir/data"
dir=$(cd "$dir" && pwd)
rpc=$((port + 1))
admin=$((port + 3))
cat >"$dir/garage.toml" <<EOF
metadata_dir = "$dir/meta"
data_dir = "$dir/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$rpc"
rpc_public_addr = "127.0.0.1:$rpc"
rpc_secret = "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$port"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:$admin"
EOF
g() { "$garage" -c "$dir/garage.toml" "$@"; }

# Started directly, not through `g`: $! must be garage's own pid, for `kill $(cat DIR/pid)`.
"$garage" -c "$dir/garage.toml" server >"$dir/garage.log" 2>&1 &
echo $! >"$dir/pid"
for _ in $(seq 1 100); do
  if g status >/dev/null 2>&1; then break; fi
  sleep 0.1
done
node=$(g node id -q 2>/dev/null | cut -d@ -f1)
if [ -z "$node" ]; then
  echo "error: garage did not start; see $dir/garage.log" >&2
  tail -5 "$dir/garage.log" >&2 || true
  exit 1
fi
g layout assign -z dc1 -c 1G "$node" >/dev/null
g layout apply --version 1 >/dev/null
g bucket create proofroom >/dev/null
made=$(g key create proofroom-key)
key_id=$(printf '%s\n' "$made" | awk -F': *' '/^Key ID/ {print $2}' | tr -d ' ')
secret=$(printf '%s\n' "$made" | awk -F': *' '/^Secret key/ {print $2}' | tr -d ' ')
if [ -z "$key_id" ] || [ -z "$secret" ]; then
  echo "error: could not read the key garage made:" >&2
  printf '%s\n' "$made" >&2
  exit 1
fi
g bucket allow --read --write --owner proofroom --key proofroom-key >/dev/null
# The S3 API answers once the layout is applied; wait for it, not for luck.
for _ in $(seq 1 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then break; fi
  sleep 0.1
done
store="http://$key_id:$secret@127.0.0.1:$port/proofroom?region=garage"
echo "$store" >"$dir/store"
echo "garage (pid $(cat "$dir/pid")) serves bucket proofroom on http://127.0.0.1:$port, region garage"
echo "$store"
