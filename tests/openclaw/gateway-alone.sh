# Sourced (bash) by scripts that run one OpenClaw gateway alone from the 2026.9.6 runtime image, outside
# the appliance: tests/bench/control-ui-cost, tests/openclaw/probe-trusted-proxy. The gateway runs as
# `nobody` in a network namespace the script creates (loopback only: OpenClaw's discovery must reach no
# real network), with a state directory of the caller's making.
#
#   ga_enter_netns NAME ARGS...  re-runs the calling script ("$0" ARGS) in a new network namespace (needs
#                                root; NAME is for messages) and brings its loopback up there
#   ga_unpack BUILD_DIR          unpacks the image into a new $ga_work (removed at exit, with the gateway);
#                                $ga_cache is a compile cache kept across starts
#   ga_start STATE PORT VAR=VALUE...  starts the gateway on STATE/openclaw.json5, output in
#                                $ga_work/gateway.log, extra environment VAR=VALUE; sets $ga_pid
#   ga_wait_ready PORT WHAT      waits up to 180 s for /readyz 200; else prints the log, ends the gateway
#                                and exits 1
#   ga_stop                      ends the gateway (its whole process group)

ga_enter_netns() {
  local name=$1
  shift
  if [ "${GA_IN_NETNS:-}" != 1 ]; then
    [ "$(id -u)" = 0 ] || { echo "$name: needs root" >&2; exit 2; }
    exec env GA_IN_NETNS=1 unshare --net -- "$0" "$@"
  fi
  ip link set lo up
}

ga_pid=
ga_work=

ga_stop() {
  if [ -n "$ga_pid" ]; then
    kill -- -"$ga_pid" 2>/dev/null || true
    wait "$ga_pid" 2>/dev/null || true
  fi
  ga_pid=
}

ga_unpack() {
  local image_tar
  image_tar=$(ls "$1"/runtime/openclaw-2026.9.6-node*.tar.zst 2>/dev/null | head -n1)
  [ -n "$image_tar" ] || { echo "no runtime image in $1/runtime (run tests/openclaw/build-images $1)" >&2; exit 2; }
  ga_work=$(mktemp -d /var/tmp/clawhive-cui-XXXXXX)
  chmod 755 "$ga_work"
  trap 'ga_stop; rm -rf "$ga_work"' EXIT
  mkdir "$ga_work/image" "$ga_work/cache"
  zstd -dc "$image_tar" | tar -x -C "$ga_work/image"
  chown nobody "$ga_work/cache"
  ga_cache=$ga_work/cache
}

ga_start() {
  local state=$1 port=$2
  shift 2
  setsid env -i PATH=/usr/bin:/bin HOME="$state" OPENCLAW_STATE_DIR="$state" OPENCLAW_CONFIG_PATH="$state/openclaw.json5" \
    OPENCLAW_SUPERVISOR_MODE=external OPENCLAW_NO_AUTO_UPDATE=1 NODE_COMPILE_CACHE="$ga_cache" "$@" \
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$ga_work/image/node/bin/node" \
    "$ga_work/image/openclaw/node_modules/openclaw/openclaw.mjs" gateway run --port "$port" --bind loopback \
    >"$ga_work/gateway.log" 2>&1 &
  ga_pid=$!
}

ga_wait_ready() {
  local port=$1 what=$2 deadline=$((SECONDS + 180))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "http://127.0.0.1:$port/readyz")" = 200 ]; do
    if ! kill -0 "$ga_pid" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
      echo "the gateway did not get ready ($what); its log:" >&2
      tail -n 30 "$ga_work/gateway.log" >&2
      ga_stop  # here too: a caller in a subshell (one | tee) has its own copy of ga_pid
      exit 1
    fi
    sleep 0.1
  done
}
