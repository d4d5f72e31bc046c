#!/usr/bin/env bash
# Soak test: runs the service for a long time on four looped streams while its camera
# server and its MQTT broker fail and come back, samples memory, threads, file
# descriptors and per-stream rates into a CSV, and checks at the end that every stream
# recovered and no QoS 1 appearance event was lost.
#
#   bench/soak.sh                      60 minutes, a sample a minute
#   bench/soak.sh --minutes 480        overnight
#   bench/soak.sh --minutes 2 --interval 10 --out /tmp/soak     CI-sized
#
# Options:
#   --minutes N      how long to run (default 60)
#   --interval S     seconds between samples (default 60)
#   --fps F          frames per second sampled per stream (default 3, as the demo)
#   --out DIR        where the CSV, logs and state go (default bench/out/soak-<time>)
#   --jar FILE       run this jar instead of building app/target/logowatch.jar
#   --embedder DIR   model folder with model.json (default models/logo-embedder)
#   --proposer KIND  detector (default, as config/demo.yaml: models/logo-detector, min-score
#                    0.3, crop-padding 0.2) or grid (sliding windows, no detector)
#   --threshold T    catalog.threshold (default 0.45). The soak wants traffic, not accuracy:
#                    with margin 0 and tracking.min-frames 1 appearances open and close all
#                    the time: QoS 1 traffic to count.
#
# Streams: 2 RTSP (the project's test server, built here with gcc) and 2 files
# (samples/demo.mp4, looped). Broker: a real mosquitto on a loopback port. Faults: the RTSP
# servers are killed (SIGKILL) at 25 % and 55 % of the run, the broker restarted (SIGTERM,
# it keeps its persistent sessions) at 40 % and 70 %; each stays down 10 s. A subscriber
# (mosquitto_sub -q 1, persistent session) records every appearance event from the start.
#
# Output in --out: soak.csv (one row per sample), faults.csv, service.log, events.txt,
# summary.txt. Draw the CSV with: /usr/bin/python3 bench/plot.py DIR/soak.csv
# Exit: 0 all checks passed, 1 a check failed, 2 usage or missing tools or models.
# Needs (Debian): mosquitto mosquitto-clients gcc pkg-config libgstrtspserver-1.0-dev
# gstreamer1.0-plugins-{base,good,bad,ugly} python3 and a JDK 21+ (jcmd, jstat).
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
minutes=60
interval=60
fps=3
threshold=0.45
out=""
jar=""
embedder=""
proposer=detector
down_seconds=10

die() { echo "soak.sh: $*" >&2; exit 2; }
say() { echo "soak.sh: $*" | tee -a "$out/summary.txt"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --fps) fps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --jar) jar=$2; shift 2 ;;
    --embedder) embedder=$2; shift 2 ;;
    --proposer) proposer=$2; shift 2 ;;
    --threshold) threshold=$2; shift 2 ;;
    -h|--help) sed -n '2,34p' "$0" | cut -c3-; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[[ $minutes =~ ^[0-9]+$ && $minutes -ge 1 ]] || die "--minutes must be a whole number >= 1"
[[ $interval =~ ^[0-9]+$ && $interval -ge 5 ]] || die "--interval must be a whole number of seconds >= 5"

for tool in mosquitto mosquitto_sub gcc pkg-config; do
  command -v "$tool" >/dev/null || die "$tool not found; install the packages in .ci/packages-soak.txt"
done
python=/usr/bin/python3
[[ -x $python ]] || python=$(command -v python3) || die "python3 not found"
if [[ -z ${JAVA_HOME:-} ]]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/*; do
    if [[ -x $candidate/bin/jcmd ]]; then JAVA_HOME=$candidate; break; fi
  done
fi
[[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]] || die "no JDK found; set JAVA_HOME"
export JAVA_HOME

out=${out:-$repo/bench/out/soak-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
: > "$out/summary.txt"
probe() { "$python" "$repo/bench/soak_probe.py" "$@"; }

# The embedder: the project's own unless --embedder names another.
embedder=${embedder:-$repo/models/logo-embedder}
[[ -f $embedder/model.json ]] || { echo "soak.sh: no embedder: $embedder/model.json not found" >&2; exit 2; }
case "$proposer" in
  detector)
    [[ -f $repo/models/logo-detector/model.json ]] \
      || { echo "soak.sh: --proposer detector needs models/logo-detector/model.json" >&2; exit 2; }
    proposal_settings="  detector: $repo/models/logo-detector
proposer:
  kind: detector
  min-score: 0.3
  crop-padding: 0.2" ;;
  grid) proposal_settings="proposer:
  kind: grid" ;;
  *) echo "soak.sh: --proposer must be detector or grid, not $proposer" >&2; exit 2 ;;
esac

if [[ -z $jar ]]; then
  echo "soak.sh: building app/target/logowatch.jar ..." >&2
  (cd "$repo" && ./mvnw -B -q -DskipTests package) >&2
  jar=$repo/app/target/logowatch.jar
fi
[[ -f $jar ]] || die "jar $jar not found"

echo "soak.sh: building the RTSP test server ..." >&2
# shellcheck disable=SC2046
gcc -O1 -o "$out/rtsp-test-server" "$repo/app/src/test/resources/rtsp/rtsp-test-server.c" \
  $(pkg-config --cflags --libs gstreamer-rtsp-server-1.0)

broker_port=$(probe free-port)
web_port=$(probe free-port)
rtsp_ports=("$(probe free-port)" "$(probe free-port)")
streams=(rtsp-1 rtsp-2 file-1 file-2)

# Every process started here is remembered by PID and stopped by PID.
service_pid=""
broker_pid=""
sub_pid=""
rtsp_pids=("" "")
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local pid
  for pid in "$service_pid" "$sub_pid" "${rtsp_pids[@]}" "$broker_pid"; do
    if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; fi
  done
  sleep 1
  for pid in "$service_pid" "$sub_pid" "${rtsp_pids[@]}" "$broker_pid"; do
    if [[ -n $pid ]]; then kill -9 "$pid" 2>/dev/null || true; fi
  done
}
trap cleanup EXIT
trap 'exit 1' INT TERM

wait_port() { # port seconds
  local deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    [[ $SECONDS -lt $deadline ]] || return 1
    sleep 0.2
  done
}

start_broker() {
  mkdir -p "$out/mosquitto"
  cat > "$out/mosquitto/mosquitto.conf" <<EOF
listener $broker_port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $out/mosquitto/
autosave_interval 30
log_dest file $out/mosquitto/mosquitto.log
EOF
  # As root, mosquitto would switch to its own user and lose access to this folder.
  [[ $(id -u) -eq 0 ]] && echo "user root" >> "$out/mosquitto/mosquitto.conf"
  mosquitto -c "$out/mosquitto/mosquitto.conf" &
  broker_pid=$!
  wait_port "$broker_port" 10 || die "mosquitto did not listen on $broker_port"
}

stop_broker() {
  kill -TERM "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
  broker_pid=""
}

start_rtsp() { # index
  local i=$1 attempt
  for attempt in $(seq 1 20); do
    "$out/rtsp-test-server" "${rtsp_ports[$i]}" > "$out/rtsp-$i.out" 2>/dev/null &
    rtsp_pids[i]=$!
    for _ in $(seq 1 50); do
      grep -q READY "$out/rtsp-$i.out" 2>/dev/null && return 0
      kill -0 "${rtsp_pids[$i]}" 2>/dev/null || break
      sleep 0.2
    done
    kill -9 "${rtsp_pids[$i]}" 2>/dev/null || true
    wait "${rtsp_pids[$i]}" 2>/dev/null || true
    sleep 0.5 # the killed predecessor may still hold the port
  done
  die "RTSP test server did not start on port ${rtsp_ports[$i]} (attempt $attempt)"
}

kill_rtsp() { # index
  kill -9 "${rtsp_pids[$1]}" 2>/dev/null || true
  wait "${rtsp_pids[$1]}" 2>/dev/null || true
  rtsp_pids[$1]=""
}

start_broker
start_rtsp 0
start_rtsp 1

# The subscriber has a persistent session, so events published while it reconnects wait for it.
stdbuf -oL mosquitto_sub -h 127.0.0.1 -p "$broker_port" -q 1 -c -i "soak-subscriber-$$" \
  -t "logowatch/soak/events" -v > "$out/events.txt" 2> "$out/subscriber.err" &
sub_pid=$!

cat > "$out/soak.yaml" <<EOF
device:
  id: soak
  state-dir: $out/state
streams:
  - id: rtsp-1
    url: rtsp://127.0.0.1:${rtsp_ports[0]}/test
    fps: $fps
    stall-timeout: 10s
  - id: rtsp-2
    url: rtsp://127.0.0.1:${rtsp_ports[1]}/test
    fps: $fps
    stall-timeout: 10s
  - id: file-1
    url: $repo/samples/demo.mp4
    loop: true
    fps: $fps
  - id: file-2
    url: $repo/samples/demo.mp4
    loop: true
    fps: $fps
models:
  embedder: $embedder
$proposal_settings
catalog:
  dir: $repo/samples/catalog
  threshold: $threshold
  margin: 0.0
tracking:
  min-frames: 1
mqtt:
  broker: tcp://127.0.0.1:$broker_port
web:
  host: 127.0.0.1
  port: $web_port
EOF

java_opts=${JAVA_OPTS:--Xms64m -Xmx1g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError}
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}  # as the launcher and the systemd unit
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" $java_opts -jar "$jar" run --check --config "$out/soak.yaml" >&2 \
  || die "the generated configuration $out/soak.yaml is not valid"
# A short command line on purpose: ONNX Runtime fails on very long ones.
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" $java_opts -jar "$jar" run --config "$out/soak.yaml" > "$out/service.log" 2>&1 &
service_pid=$!
start=$(date +%s)
say "service pid $service_pid, page http://127.0.0.1:$web_port/, broker $broker_port, RTSP ${rtsp_ports[*]}, out $out"
probe wait-live "$web_port" 180 "${streams[@]}" || { tail -n 30 "$out/service.log" >&2; die "streams did not go live"; }

total=$((minutes * 60))
# Fault times in seconds from the start: RTSP kills at 25 % and 55 %, broker restarts at 40 % and 70 %.
rtsp_at=($((total * 25 / 100)) $((total * 55 / 100)))
broker_at=($((total * 40 / 100)) $((total * 70 / 100)))
echo "elapsed_s,event" > "$out/faults.csv"
probe header "${streams[@]}" > "$out/soak.csv"

pending=""
next_sample=$(($(date +%s) - start))
rtsp_next=0
broker_next=0
rtsp_down_until=0
broker_down_until=0
fault() { # event
  local now=$(($(date +%s) - start))
  echo "$now,$1" >> "$out/faults.csv"
  pending="${pending:+$pending;}$1"
  say "t=${now}s $1"
}
while true; do
  now=$(($(date +%s) - start))
  [[ $now -ge $total ]] && break
  kill -0 "$service_pid" 2>/dev/null || { tail -n 30 "$out/service.log" >&2; say "FAIL: the service died"; exit 1; }
  if [[ $rtsp_next -lt ${#rtsp_at[@]} && $now -ge ${rtsp_at[$rtsp_next]} ]]; then
    kill_rtsp 0; kill_rtsp 1; fault "rtsp-killed"
    rtsp_down_until=$((now + down_seconds)); rtsp_next=$((rtsp_next + 1))
  fi
  if [[ $rtsp_down_until -gt 0 && $now -ge $rtsp_down_until ]]; then
    start_rtsp 0; start_rtsp 1; fault "rtsp-restarted"; rtsp_down_until=0
  fi
  if [[ $broker_next -lt ${#broker_at[@]} && $now -ge ${broker_at[$broker_next]} ]]; then
    stop_broker; fault "broker-stopped"
    broker_down_until=$((now + down_seconds)); broker_next=$((broker_next + 1))
  fi
  if [[ $broker_down_until -gt 0 && $now -ge $broker_down_until ]]; then
    start_broker; fault "broker-restarted"; broker_down_until=0
  fi
  if [[ $now -ge $next_sample ]]; then
    probe row "$service_pid" "$web_port" "$JAVA_HOME" "$start" "$pending" "${streams[@]}" >> "$out/soak.csv" \
      || say "sample at t=${now}s failed"
    pending=""
    next_sample=$((next_sample + interval))
  fi
  sleep 1
done
# A fault still in progress at the end is undone before the checks.
[[ $rtsp_down_until -gt 0 ]] && { start_rtsp 0; start_rtsp 1; fault "rtsp-restarted"; }
[[ $broker_down_until -gt 0 ]] && { start_broker; fault "broker-restarted"; }
probe row "$service_pid" "$web_port" "$JAVA_HOME" "$start" "end" "${streams[@]}" >> "$out/soak.csv"

failed=0
say "checking recovery ..."
if probe wait-live "$web_port" 120 "${streams[@]}"; then
  say "all streams recovered (live)"
else
  say "FAIL: not every stream is live again"; failed=1
fi
probe recovered "$web_port" 2 rtsp-1 rtsp-2 | tee -a "$out/summary.txt" || { say "FAIL: RTSP streams did not reconnect twice"; failed=1; }
if probe wait-drained "$web_port" 120; then
  sleep 3 # the subscriber's last acknowledgements
  probe events "$out/service.log" "$out/events.txt" | tee -a "$out/summary.txt" || failed=1
else
  say "FAIL: MQTT did not reconnect and drain its buffer"; failed=1
fi

warmup=$((minutes > 30 ? 10 : (minutes + 2) / 3))
probe slope "$out/soak.csv" "$warmup" | tee -a "$out/summary.txt"

kill -TERM "$service_pid"
code=0
wait "$service_pid" || code=$?
service_pid=""
if [[ $code -ne 0 ]]; then
  say "FAIL: the service exited with $code after SIGTERM"; failed=1
fi
say "samples: $(($(wc -l < "$out/soak.csv") - 1)) rows in $out/soak.csv"
if [[ $failed -eq 0 ]]; then
  say "PASS"
else
  say "FAIL (see $out/summary.txt and $out/service.log)"
fi
exit "$failed"
