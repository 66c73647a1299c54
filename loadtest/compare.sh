#!/usr/bin/env bash
# Runs the same load against Roomcast (standalone, release build),
# nats-server (its WebSocket listener) and a socket.io 4 server, one after
# another, with roomcast-loadtest, and prints one comparison table.
#
#   loadtest/compare.sh [MEMBERS [RATE [MSG_BYTES]]]
#
# Defaults: 10000 members × 40 msg/s × 100 B in one room. Environment:
#   MEMBERS RATE MSG_BYTES ROOMS SENDERS   the load (SENDERS defaults to RATE, i.e. 1 msg/s each)
#   WARMUP DURATION DRAIN                  seconds (5, 20, 3)
#   SERVERS="roomcast nats socketio"       which servers, in order
#   ROOM_CAP                      rooms.frequency.room_cap_per_sec for Roomcast (default: the product default, 40)
#   GUESTS=1                               non-sending Roomcast members connect as guests (the peers have no login)
#   OUT_DIR                                where reports and logs go (default: a new temp dir)
#   SKIP_BUILD=1                           use existing release binaries
#   CARGO_TARGET_DIR                       where the release binaries are (default: <repo>/target)
#   NATS_SERVER NODE                       binaries (default: nats-server, node on PATH)
#   LOADTEST_ARGS                          extra arguments for every roomcast-loadtest run
#
# Everything listens on 127.0.0.1 on free ports; only the processes this
# script starts are stopped (by PID), also on errors and Ctrl-C.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MEMBERS=${1:-${MEMBERS:-10000}}
RATE=${2:-${RATE:-40}}
MSG_BYTES=${3:-${MSG_BYTES:-100}}
ROOMS=${ROOMS:-1}
SENDERS=${SENDERS:-$RATE}
if ((SENDERS > MEMBERS)); then SENDERS=$MEMBERS; fi
if ((SENDERS < 1)); then SENDERS=1; fi
WARMUP=${WARMUP:-5}
DURATION=${DURATION:-20}
DRAIN=${DRAIN:-3}
SERVERS=${SERVERS:-"roomcast nats socketio"}
GUESTS=${GUESTS:-1}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
NATS_SERVER=${NATS_SERVER:-nats-server}
NODE=${NODE:-node}
OUT_DIR=${OUT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/roomcast-compare.XXXXXX")}
mkdir -p "$OUT_DIR"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/roomcast-compare-work.XXXXXX")

PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        stop_pid "$pid"
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Stops one process we started: SIGTERM, then SIGKILL after 15 s.
stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

forget_pid() {
    local keep=() p
    for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

USED_PORTS=" "
free_port() {
    local p i
    for ((i = 0; i < 500; i++)); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 30000))
        [[ $USED_PORTS == *" $p "* ]] && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            USED_PORTS+="$p "
            echo "$p"
            return 0
        fi
    done
    echo "no free port found" >&2
    return 1
}

wait_port() {
    local port=$1 pid=$2 i
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || { echo "process $pid exited before listening on $port" >&2; return 1; }
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "nothing listening on 127.0.0.1:$port after 30 s" >&2
    return 1
}

rand_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    (cd "$ROOT" && CARGO_TARGET_DIR=$TARGET_DIR cargo build --release -p roomcast-server -p roomcast-loadtest)
fi
ROOMCAST=$TARGET_DIR/release/roomcast
LT=$TARGET_DIR/release/roomcast-loadtest
[[ -x $ROOMCAST && -x $LT ]] || { echo "missing $ROOMCAST or $LT" >&2; exit 1; }

LOAD=(--members "$MEMBERS" --rooms "$ROOMS" --senders "$SENDERS" --rate "$RATE" --msg-bytes "$MSG_BYTES"
    --warmup-secs "$WARMUP" --duration-secs "$DURATION" --drain-secs "$DRAIN")
# Extra time on top of the run for connecting (bounded by the tool itself too).
BOUND=$((WARMUP + DURATION + DRAIN + 900))

# run_tool NAME PID ARGS...: one measured run; the report goes to $OUT_DIR/NAME.json.
run_tool() {
    local name=$1 pid=$2
    shift 2
    echo "== $name (pid $pid): $MEMBERS members, $RATE msg/s, $MSG_BYTES B" >&2
    # shellcheck disable=SC2086
    timeout "$BOUND" "$LT" "${LOAD[@]}" --server-pid "$pid" --label "$name" --json "$@" ${LOADTEST_ARGS:-} \
        >"$OUT_DIR/$name.json" 2> >(tee "$OUT_DIR/$name.log" >&2)
}

REPORTS=()
for server in $SERVERS; do
    case $server in
    roomcast)
        http=$(free_port) grpc=$(free_port)
        secret=$(rand_hex 24) token=$(rand_hex 24) app=1400000001
        cap_line=""
        [[ -n ${ROOM_CAP:-} ]] && cap_line="room_cap_per_sec = $ROOM_CAP"
        cat >"$WORK/roomcast.toml" <<EOF
[[apps]]
sdkappid = $app
secret = "$secret"
admin_identifier = "administrator"
admin_token = "$token"

[gateway]
max_connections = 1000000
max_connections_per_user = 100000
user_send_rate = { per_sec = 1000000.0, burst = 1000000 }
drain_grace_ms = 1000
drain_spread_ms = 500

[rooms.frequency]
$cap_line

[log]
filter = "warn"
EOF
        chmod 600 "$WORK/roomcast.toml"
        "$ROOMCAST" standalone --config "$WORK/roomcast.toml" --http-addr "127.0.0.1:$http" --grpc-addr "127.0.0.1:$grpc" \
            >"$OUT_DIR/roomcast-server.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        wait_port "$http" "$pid"
        wait_port "$grpc" "$pid"
        guest_flag=()
        [[ $GUESTS == 1 ]] && guest_flag=(--guests)
        LOADTEST_SECRET=$secret LOADTEST_ADMIN_TOKEN=$token \
            run_tool roomcast "$pid" --target roomcast --url "ws://127.0.0.1:$http/ws" --sdkappid "$app" \
            --admin-endpoint "http://127.0.0.1:$grpc" "${guest_flag[@]}" || echo "roomcast run failed" >&2
        stop_pid "$pid"
        forget_pid "$pid"
        ;;
    nats)
        client=$(free_port) ws=$(free_port)
        sed -e "s/127.0.0.1:14222/127.0.0.1:$client/" -e "s/127.0.0.1:14223/127.0.0.1:$ws/" \
            "$ROOT/loadtest/peers/nats-ws.conf" >"$WORK/nats.conf"
        "$NATS_SERVER" -c "$WORK/nats.conf" >"$OUT_DIR/nats-server.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        wait_port "$ws" "$pid"
        run_tool nats-ws "$pid" --target nats-ws --url "ws://127.0.0.1:$ws" || echo "nats run failed" >&2
        stop_pid "$pid"
        forget_pid "$pid"
        server=nats-ws
        ;;
    socketio)
        if [[ ! -d $ROOT/loadtest/peers/node_modules/socket.io ]]; then
            (cd "$ROOT/loadtest/peers" && npm install --no-audit --no-fund)
        fi
        port=$(free_port)
        PORT=$port HOST=127.0.0.1 "$NODE" "$ROOT/loadtest/peers/socketio-server.js" >"$OUT_DIR/socketio-server.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        wait_port "$port" "$pid"
        run_tool socketio "$pid" --target socketio --url "ws://127.0.0.1:$port" || echo "socket.io run failed" >&2
        stop_pid "$pid"
        forget_pid "$pid"
        ;;
    *)
        echo "unknown server $server (roomcast, nats, socketio)" >&2
        exit 2
        ;;
    esac
    [[ -s $OUT_DIR/$server.json ]] && REPORTS+=("$OUT_DIR/$server.json")
done

echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), ulimit -n $(ulimit -n)"
echo "load: $MEMBERS members in $ROOMS room(s), $SENDERS senders, $RATE msg/s total, $MSG_BYTES B, ${DURATION}s window after ${WARMUP}s warm-up"
echo "reports: $OUT_DIR"
echo
if ((${#REPORTS[@]} > 0)); then
    "$LT" summarize "${REPORTS[@]}"
else
    echo "no run produced a report" >&2
    exit 1
fi
