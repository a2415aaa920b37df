#!/usr/bin/env bash
# SHA-256 cliff check (issue 14): RUNS fresh JVMs each hash 256 MiB the way a download does
# (dev.berth.storage.HashCliffRun: copy a 64 KiB piece, hash it), with the launcher's JVM options.
# Prints the CPU model, each run's MB/s and min/median/p90/max, and exits 1 when the slowest run
# takes more than 1.25x the median's time: on Intel CPUs with AVX-512 and SHA-NI some fresh JVMs
# hashed ~10x slower than others (AVX-512 code next to legacy-SSE SHA instructions), which the
# launcher's -XX:UseAVX=2 avoids.
#
#   benchmarks/e2e/hash-cliff.sh                      # the launcher's options
#   JAVA_OPTS="-Xmx256m" benchmarks/e2e/hash-cliff.sh # others (here: without UseAVX=2)
#   RUNS=10 MIB=256 JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java benchmarks/e2e/hash-cliff.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RUNS=${RUNS:-10}
MIB=${MIB:-256}
JAVA=${JAVA:-java}
JAR="$ROOT/benchmarks/target/benchmarks.jar"
if [[ ! -f $JAR ]]; then
  echo "hash-cliff: building $JAR" >&2
  (cd "$ROOT" && mvn -B -q -o -Pbench package -pl benchmarks -am -DskipTests) >&2
fi
if [[ -z ${JAVA_OPTS+set} ]]; then
  # The launcher's options, as `./berth serve` runs (its x86-64 flags included).
  JAVA_OPTS="$("$HERE/berth-opts.sh")"
fi
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
flags="$(grep -m1 '^flags' /proc/cpuinfo)"
has() { [[ " $flags " == *" $1 "* ]] && echo yes || echo no; }
echo "cpu: $cpu (avx512f: $(has avx512f), sha_ni: $(has sha_ni)); $("$JAVA" -version 2>&1 | head -1)"
echo "java options: ${JAVA_OPTS:-(none)}"
rates=()
for i in $(seq 1 "$RUNS"); do
  # shellcheck disable=SC2086
  out="$("$JAVA" $JAVA_OPTS -cp "$JAR" dev.berth.storage.HashCliffRun "$MIB")"
  rates+=("${out%% *}")
  echo "run $i: ${out%% *} MB/s"
done
printf '%s\n' "${rates[@]}" | python3 -c '
import sys, statistics
r = sorted(float(x) for x in sys.stdin.read().split())
t = sorted(1 / x for x in r)  # time per MB: the slowest run has the largest
med = statistics.median(t)
p90 = t[min(len(t) - 1, int(round(0.9 * (len(t) - 1))))]
print("MB/s min %.0f, median %.0f, p90 %.0f, max %.0f" % (1 / t[-1], 1 / med, 1 / p90, 1 / t[0]))
ratio = t[-1] / med
print("slowest/median time: %.2f (limit 1.25)" % ratio)
sys.exit(1 if ratio > 1.25 else 0)
'
