#!/usr/bin/env bash
# Runs a Roomcast cluster on loopback by hand: its own nats-server and
# redis-server, one control, two moderators and two gateways. Ctrl-C stops
# everything it started (and nothing else).
#
#   deploy/local-cluster.sh            # build (release) and run
#   RC_BIN=target/debug/roomcast deploy/local-cluster.sh
#   GATEWAYS=6 deploy/local-cluster.sh # more gateways (1-9)
#
# Ports (override with env): NATS 14222, Redis 16379, control gRPC 17051 /
# HTTP 17080, gateways HTTP 17081, 17082, …, moderators HTTP 17091-17092.
set -euo pipefail
cd "$(dirname "$0")/.."

NATS_PORT=${NATS_PORT:-14222}
REDIS_PORT=${REDIS_PORT:-16379}
GRPC_PORT=${GRPC_PORT:-17051}
HTTP_BASE=${HTTP_BASE:-170}
STATE=${STATE:-$PWD/.local-cluster}
GATEWAYS=${GATEWAYS:-2}
MODERATORS=${MODERATORS:-2}
if ! [[ $GATEWAYS =~ ^[1-9]$ && $MODERATORS =~ ^[1-9]$ ]]; then
  echo "GATEWAYS and MODERATORS must be 1-9" >&2
  exit 2
fi
BIN=${RC_BIN:-}
if [ -z "$BIN" ]; then
  cargo build --release -p roomcast-server
  BIN=target/release/roomcast
fi
mkdir -p "$STATE/redis" "$STATE/logs"

CONFIG=$STATE/roomcast.toml
if [ ! -f "$CONFIG" ]; then
  secret=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
  token=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
  umask 077
  cat > "$CONFIG" <<TOML
[[apps]]
sdkappid = 1400000000
secret = "$secret"
admin_identifier = "administrator"
admin_token = "$token"

[cluster]
nats_url = "nats://127.0.0.1:$NATS_PORT"
redis_url = "redis://127.0.0.1:$REDIS_PORT/0"
# Gateways send their users' room-state changes to room control.
control_url = "http://127.0.0.1:$GRPC_PORT"
TOML
  echo "wrote $CONFIG"
fi

pids=()
cleanup() {
  trap - EXIT INT TERM
  echo "stopping ${#pids[@]} processes"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

start() {
  local name=$1; shift
  "$@" >"$STATE/logs/$name.log" 2>&1 &
  pids+=($!)
  echo "started $name (pid $!), log $STATE/logs/$name.log"
}

start nats nats-server -a 127.0.0.1 -p "$NATS_PORT"
start redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$STATE/redis" --appendonly yes --save ""
sleep 0.5
start control "$BIN" control --config "$CONFIG" --http-addr 127.0.0.1:${HTTP_BASE}80 --grpc-addr 127.0.0.1:"$GRPC_PORT"
for ((i = 1; i <= MODERATORS; i++)); do
  start moderator-$i "$BIN" moderator --config "$CONFIG" --http-addr 127.0.0.1:${HTTP_BASE}9$i
done
urls=()
for ((i = 1; i <= GATEWAYS; i++)); do
  start gateway-$i "$BIN" gateway --config "$CONFIG" --http-addr 127.0.0.1:${HTTP_BASE}8$i
  urls+=("ws://127.0.0.1:${HTTP_BASE}8$i/ws")
done

cat <<INFO

Cluster up. Clients: ${urls[*]}
Admin:   $BIN admin --config $CONFIG --endpoint http://127.0.0.1:$GRPC_PORT create-room --id live-1
UserSig: $BIN usersig --config $CONFIG --user alice
Ctrl-C to stop.
INFO
wait -n "${pids[@]}" || true
echo "a process exited; see $STATE/logs"
