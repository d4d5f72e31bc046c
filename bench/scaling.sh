#!/usr/bin/env bash
# Scaling: runs `logowatch bench` on 1, 2, 4 and 8 looped copies of samples/demo.mp4 and
# prints the processed frames per second per stream and in total, with drops, CPU and RSS.
# Each step uses the default configuration's models and matching (config/demo.yaml): the
# detector proposes boxes (min-score 0.3) and the embedder identifies them against
# samples/catalog (threshold 0.7, margin 0.05).
#
#   bench/scaling.sh                               30 s per step after 10 s warm-up
#   bench/scaling.sh --counts "1 2 4" --seconds 20
#   bench/scaling.sh --proposer grid               sliding windows instead of the detector
#   JAVA_OPTS="-XX:+UseG1GC -XX:StartFlightRecording=filename=/tmp/s.jfr,settings=profile" \
#     bench/scaling.sh --counts 4                  profile one step (JAVA_OPTS replaces the defaults)
#
# Options:
#   --counts "N ..."  stream counts to run (default "1 2 4 8")
#   --seconds S       measuring window per step (default 30)
#   --warmup S        seconds before measuring (default 10)
#   --fps F           frames per second asked of each stream (default 5); what the pipeline
#                     cannot keep up with is counted as dropped, so drops mark where the
#                     machine runs out (--counts 1 --fps 25: one stream's every frame)
#   --out DIR         configurations and bench reports (default bench/out/scaling-<time>)
#   --jar FILE        run this jar (default app/target/logowatch.jar, built first when
#                     missing or older than app/src/main or app/pom.xml)
#   --embedder DIR    model folder (default: models/logo-embedder)
#   --detector DIR    detector model folder (default: models/logo-detector when present)
#   --proposer KIND   detector | grid (default: detector when a detector is present, else grid)
# Exit: 0 done, 2 usage or missing tools or models.
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
counts="1 2 4 8"
seconds=30
warmup=10
fps=5
out=""
jar=""
embedder=""
detector=""
proposer=""

die() { echo "scaling.sh: $*" >&2; exit 2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --counts) counts=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --fps) fps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --jar) jar=$2; shift 2 ;;
    --embedder) embedder=$2; shift 2 ;;
    --detector) detector=$2; shift 2 ;;
    --proposer) proposer=$2; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0" | cut -c3-; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

if [[ -z ${JAVA_HOME:-} ]]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/*; do
    if [[ -x $candidate/bin/java ]]; then JAVA_HOME=$candidate; break; fi
  done
fi
[[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]] || die "no JDK found; set JAVA_HOME"

if [[ -z $detector && -f $repo/models/logo-detector/model.json ]]; then
  detector=$repo/models/logo-detector
fi
if [[ -z $proposer ]]; then
  if [[ -n $detector ]]; then proposer=detector; else proposer=grid; fi
fi
case "$proposer" in
  detector)
    [[ -n $detector ]] || die "--proposer detector needs a detector: models/logo-detector is missing; pass --detector DIR"
    [[ -f $detector/model.json ]] || die "detector $detector has no model.json"
    detector=$(cd "$detector" && pwd) ;;
  grid) ;;
  *) die "--proposer must be detector or grid, not $proposer" ;;
esac

out=${out:-$repo/bench/out/scaling-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
out=$(cd "$out" && pwd)

embedder=${embedder:-$repo/models/logo-embedder}
[[ -f $embedder/model.json ]] || { echo "scaling.sh: no embedder: $embedder/model.json not found" >&2; exit 2; }

if [[ -z $jar ]]; then
  jar=$repo/app/target/logowatch.jar
  # Rebuilding costs minutes on a small machine; only when the sources moved past the jar.
  if [[ ! -f $jar || -n $(find "$repo/app/src/main" "$repo/app/pom.xml" -newer "$jar" -type f -print -quit) ]]; then
    echo "scaling.sh: building app/target/logowatch.jar ..." >&2
    (cd "$repo" && JAVA_HOME=$JAVA_HOME ./mvnw -B -q -pl app package -DskipTests) >&2
  fi
fi
[[ -f $jar ]] || die "jar $jar not found"

java_opts=${JAVA_OPTS:--Xms64m -Xmx1g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError}
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}  # as the launcher and the systemd unit
echo "scaling.sh: proposer $proposer${detector:+ ($detector)}, embedder $embedder" >&2
printf '%-8s %14s %16s %12s %10s %8s %10s\n' streams "total fps" "fps per stream" "min..max" dropped CPU RSS \
  | tee "$out/scaling.txt"
for n in $counts; do
  config=$out/streams-$n.yaml
  {
    printf 'device:\n  id: scaling\n  state-dir: %s/state\nstreams:\n' "$out"
    for i in $(seq 1 "$n"); do
      printf '  - id: file-%d\n    url: %s/samples/demo.mp4\n    loop: true\n' "$i" "$repo"
    done
    printf 'models:\n  embedder: %s\n' "$embedder"
    if [[ $proposer == detector ]]; then
      printf '  detector: %s\nproposer:\n  kind: detector\n  min-score: 0.3\n' "$detector"
    else
      printf 'proposer:\n  kind: grid\n'
    fi
    printf 'catalog:\n  dir: %s/samples/catalog\n  threshold: 0.7\n  margin: 0.05\n' "$repo"
    printf 'mqtt:\n  broker: embedded\n  embedded-port: 0\nweb:\n  host: 127.0.0.1\n  port: 0\n'
  } > "$config"
  report=$out/bench-$n.txt
  echo "scaling.sh: $n stream(s), ${warmup} s warm-up + ${seconds} s ..." >&2
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" $java_opts -jar "$jar" bench --config "$config" --seconds "$seconds" --warmup "$warmup" \
    --fps "$fps" > "$report" 2> "$out/bench-$n.log" || die "bench with $n stream(s) failed; see $out/bench-$n.log"
  awk -v n="$n" '
    /^file-[0-9]+ / { total += $3; dropped += $4; if (min == "" || $3 < min) min = $3; if ($3 > max) max = $3 }
    /^CPU:/ { cpu = $2; rss = $(NF-1) " " $NF }
    END { printf "%-8s %14.2f %16.2f %5.2f..%-5.2f %10d %8s %10s\n", n, total, total / n, min, max, dropped, cpu, rss }
  ' "$report" | tee -a "$out/scaling.txt"
done
echo "reports: $out" >&2
