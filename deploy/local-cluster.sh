#!/usr/bin/env bash
# Runs a Roomcast cluster on loopback by hand: its own nats-server and
# redis-server, one control, moderators and gateways. Ctrl-C (or SIGTERM)
# stops everything it started, and nothing else, and says whether every
# process stopped cleanly.
#
#   deploy/local-cluster.sh                 # build (release) and run
#   RC_BIN=target/debug/roomcast deploy/local-cluster.sh
#   GATEWAYS=6 deploy/local-cluster.sh      # more gateways (1-9)
#   deploy/local-cluster.sh roll            # (another terminal) rolling restart
#                                           # of the running cluster's gateways
#
# Ports (override with env): NATS 14222 (monitoring 18222), Redis 16379,
# control gRPC 17051 / HTTP ${HTTP_BASE}80, gateways HTTP ${HTTP_BASE}81…,
# moderators HTTP ${HTTP_BASE}91… (HTTP_BASE=170).
#
# State (config, secrets, Redis data, logs, the pid file) lives in $STATE,
# by default outside the repository. The config is written anew on every
# start from the current ports; the app secret and admin token are kept, so
# userSigs and admin commands stay valid across restarts.
set -euo pipefail
cd "$(dirname "$0")/.."

STATE=${STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/roomcast/local-cluster}

if [ "${1:-}" = roll ]; then
  pid=$(cat "$STATE/cluster.pid" 2>/dev/null || true)
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "no local cluster running (no live pid in $STATE/cluster.pid)" >&2
    exit 1
  fi
  kill -USR1 "$pid"
  echo "rolling restart requested; progress in the cluster's terminal and $STATE/logs/roll.log"
  exit 0
fi

NATS_PORT=${NATS_PORT:-14222}
NATS_MONITOR_PORT=${NATS_MONITOR_PORT:-18222}
REDIS_PORT=${REDIS_PORT:-16379}
GRPC_PORT=${GRPC_PORT:-17051}
HTTP_BASE=${HTTP_BASE:-170}
GATEWAYS=${GATEWAYS:-2}
MODERATORS=${MODERATORS:-2}
READY_TIMEOUT=${READY_TIMEOUT:-60}
if ! [[ $GATEWAYS =~ ^[1-9]$ && $MODERATORS =~ ^[1-9]$ ]]; then
  echo "GATEWAYS and MODERATORS must be 1-9" >&2
  exit 2
fi
BIN=${RC_BIN:-}
if [ -z "$BIN" ]; then
  cargo build --release -p roomcast-server
  BIN=${CARGO_TARGET_DIR:-target}/release/roomcast
fi
mkdir -p "$STATE/redis" "$STATE/logs"
if [ -f "$STATE/cluster.pid" ] && kill -0 "$(cat "$STATE/cluster.pid")" 2>/dev/null; then
  echo "a local cluster already runs from $STATE (pid $(cat "$STATE/cluster.pid")); stop it or set STATE" >&2
  exit 1
fi

# Secrets are generated once and kept; the config is regenerated each time,
# so a restart with other ports never dials the old ones.
umask 077
for f in app-secret admin-token; do
  [ -s "$STATE/$f" ] || od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$STATE/$f"
done
CONFIG=$STATE/roomcast.toml
cat > "$CONFIG" <<TOML
# Written by deploy/local-cluster.sh on every start; edits are overwritten.
[[apps]]
sdkappid = 1400000000
secret_file = "$STATE/app-secret"
admin_identifier = "administrator"
admin_token_file = "$STATE/admin-token"

[cluster]
nats_url = "nats://127.0.0.1:$NATS_PORT"
redis_url = "redis://127.0.0.1:$REDIS_PORT/0"
# Gateways send their users' room-state changes to room control.
control_url = "http://127.0.0.1:$GRPC_PORT"
TOML
umask 022
echo "wrote $CONFIG (NATS $NATS_PORT, Redis $REDIS_PORT, control gRPC $GRPC_PORT)"
echo $$ > "$STATE/cluster.pid"

declare -A pid_of=()  # name → pid
declare -a order=()   # start order
declare -A http_of=() # roomcast processes: name → HTTP address

start() {
  local name=$1; shift
  "$@" >>"$STATE/logs/$name.log" 2>&1 &
  pid_of[$name]=$!
  order+=("$name")
  echo "started $name (pid $!), log $STATE/logs/$name.log"
}

# Polls `check` until it succeeds; fails if `name` exits or time runs out.
wait_for() {
  local name=$1 what=$2; shift 2
  local deadline=$((SECONDS + READY_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "${pid_of[$name]}" 2>/dev/null; then
      echo "$name exited before it was $what; see $STATE/logs/$name.log" >&2
      return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "$name not $what after ${READY_TIMEOUT}s; see $STATE/logs/$name.log" >&2
      return 1
    fi
    sleep 0.1
  done
}

ready() { curl -fsS -o /dev/null "http://$1/readyz"; }

start_roomcast() {
  local name=$1 role=$2 http=$3; shift 3
  start "$name" "$BIN" "$role" --config "$CONFIG" --http-addr "$http" "$@"
  http_of[$name]=$http
}

stopping=0
stopped_status=0
# Stops one process (SIGTERM; nats-server SIGINT, after which it exits 0
# when it stopped cleanly); its exit status lands in $stopped_status.
stop_one() {
  local pid=${pid_of[$1]} sig=TERM
  [ "$1" = nats ] && sig=INT
  stopped_status=0
  kill -"$sig" "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || stopped_status=$?
}

cleanup() {
  trap - EXIT INT TERM USR1
  [ "$stopping" = 1 ] && return
  stopping=1
  echo "stopping ${#order[@]} processes (gateways first)"
  local unclean=() name i
  for ((i = ${#order[@]} - 1; i >= 0; i--)); do
    name=${order[$i]}
    stop_one "$name"
    [ "$stopped_status" = 0 ] || unclean+=("$name (status $stopped_status)")
  done
  rm -f "$STATE/cluster.pid"
  if [ ${#unclean[@]} -eq 0 ]; then
    echo "stopped cleanly: every process exited with status 0"
  else
    echo "stopped; not cleanly: ${unclean[*]} (logs in $STATE/logs)"
    exit 1
  fi
}
trap cleanup EXIT
trap 'cleanup; exit 0' INT TERM

roll_requested=0
trap 'roll_requested=1' USR1

# Restarts the gateways one at a time: SIGTERM (shutdown delay, drain with
# spread reconnects), wait for the exit, start again on the same port, wait
# until ready, then the next one.
roll() {
  local i name t0
  for ((i = 1; i <= GATEWAYS; i++)); do
    name=gateway-$i
    t0=$SECONDS
    echo "roll: stopping $name" | tee -a "$STATE/logs/roll.log"
    stop_one "$name"
    echo "roll: $name exited with status $stopped_status after $((SECONDS - t0))s" | tee -a "$STATE/logs/roll.log"
    start_roomcast "$name" gateway "${http_of[$name]}"
    wait_for "$name" ready ready "${http_of[$name]}"
    echo "roll: $name ready again ($((SECONDS - t0))s)" | tee -a "$STATE/logs/roll.log"
  done
  echo "roll: all $GATEWAYS gateways restarted" | tee -a "$STATE/logs/roll.log"
}

start nats nats-server -a 127.0.0.1 -p "$NATS_PORT" -m "$NATS_MONITOR_PORT"
start redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$STATE/redis" --appendonly yes --save ""
wait_for nats ready curl -fsS -o /dev/null "http://127.0.0.1:$NATS_MONITOR_PORT/healthz"
wait_for redis ready redis-cli -p "$REDIS_PORT" ping
start_roomcast control control "127.0.0.1:${HTTP_BASE}80" --grpc-addr "127.0.0.1:$GRPC_PORT"
for ((i = 1; i <= MODERATORS; i++)); do
  start_roomcast moderator-$i moderator "127.0.0.1:${HTTP_BASE}9$i"
done
urls=()
for ((i = 1; i <= GATEWAYS; i++)); do
  start_roomcast gateway-$i gateway "127.0.0.1:${HTTP_BASE}8$i"
  urls+=("ws://127.0.0.1:${HTTP_BASE}8$i/ws")
done
for name in "${!http_of[@]}"; do
  wait_for "$name" ready ready "${http_of[$name]}"
done

gateway_pids=()
for ((i = 1; i <= GATEWAYS; i++)); do gateway_pids+=("${pid_of[gateway-$i]}"); done
cat <<INFO

Cluster up: every process answers /readyz. Clients: ${urls[*]}
Gateway PIDs: ${gateway_pids[*]}
Admin:   $BIN admin --config $CONFIG --endpoint http://127.0.0.1:$GRPC_PORT create-room --id live-1
UserSig: $BIN usersig --config $CONFIG --user alice
Rolling restart of the gateways: $0 roll
Ctrl-C to stop.
INFO

while true; do
  status=0
  wait -n "${pid_of[@]}" || status=$?
  if [ "$roll_requested" = 1 ]; then
    roll_requested=0
    roll || echo "roll: failed; see $STATE/logs" >&2
    continue
  fi
  for name in "${order[@]}"; do
    if ! kill -0 "${pid_of[$name]}" 2>/dev/null; then
      echo "$name (pid ${pid_of[$name]}) exited unexpectedly (status $status); see $STATE/logs/$name.log" >&2
      break
    fi
  done
  exit 1
done
