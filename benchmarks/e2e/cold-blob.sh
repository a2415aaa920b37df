#!/usr/bin/env bash
# Cold blob GET as a user meets it: for each jar, RUNS times, a fresh berth process on an empty
# cache with the embedded default config (only --listen/--admin/--data/--upstream given) and the
# launcher's JVM options, then one `curl` GET of a SIZE_MIB random blob through it from a local
# docker-registry, checked by sha256. Prints the CPU model and, per jar, min/median/p90/max of the
# GET in ms (and MB/s at the median); the direct GET from the registry is measured the same way.
#
#   RUNS=10 SIZE_MIB=256 benchmarks/e2e/cold-blob.sh OLD.jar NEW.jar
#   CONC=8 ...   (CONC clients GET the blob at once; the time is until the last one is done)
#   CHECK=0 ...  (clients write to /dev/null and only the size is checked: no client-side sha256sum
#                 competing for the CPU with the server on a small machine)
#   BERTH_CONFIG=/path/berth.yaml ...   (a config file on top of the embedded defaults)
#   LIMIT=1.25 ...  (exit 1 when a jar's slowest GET takes more than LIMIT times its median: the
#                    issue-14 check for the SHA-256 cliff of AVX-512 CPUs, which made some fresh
#                    processes 10x slower; run.sh runs it)
#
# Needs docker-registry, curl, python3. Everything on 127.0.0.1 in a mktemp directory.
set -euo pipefail
RUNS=${RUNS:-10}
JAVA=${JAVA:-java}
CONC=${CONC:-1}
SIZE_MIB=${SIZE_MIB:-256}
OPTS="${BERTH_JAVA_OPTS-$("$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/berth-opts.sh")}"
W=$(mktemp -d); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
cd "$W"
printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s/registry\nhttp:\n  addr: 127.0.0.1:18296\nlog:\n  level: error\n' "$W" > reg.yml
docker-registry serve reg.yml > reg.log 2>&1 & PIDS+=($!)
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18296/v2/ >/dev/null && break; sleep 0.05; done
head -c $((SIZE_MIB << 20)) /dev/urandom > blob
digest="sha256:$(sha256sum blob | cut -d' ' -f1)"
loc=$(curl -sf -X POST -D - -o /dev/null http://127.0.0.1:18296/v2/bench/big/blobs/uploads/ | tr -d '\r' | awk -F': ' 'tolower($1)=="location" {print $2}')
sep='?'; [[ $loc == *\?* ]] && sep='&'
curl -sf -X PUT --data-binary @blob -H 'Content-Type: application/octet-stream' "${loc}${sep}digest=${digest}" -o /dev/null
# A tagged image around the blob: berth's default tenancy (verify) asks the upstream's tag list
# whether the repository is public, and a repository without tags is not.
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}' > config
cdig="sha256:$(sha256sum config | cut -d' ' -f1)"
loc=$(curl -sf -X POST -D - -o /dev/null http://127.0.0.1:18296/v2/bench/big/blobs/uploads/ | tr -d '\r' | awk -F': ' 'tolower($1)=="location" {print $2}')
sep='?'; [[ $loc == *\?* ]] && sep='&'
curl -sf -X PUT --data-binary @config -H 'Content-Type: application/octet-stream' "${loc}${sep}digest=${cdig}" -o /dev/null
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}]}' \
  "$cdig" "$(stat -c %s config)" "$digest" "$(stat -c %s blob)" > manifest
curl -sf -X PUT --data-binary @manifest -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' http://127.0.0.1:18296/v2/bench/big/manifests/1 -o /dev/null
echo "clients per GET: $CONC; cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs; $("$JAVA" -version 2>&1 | head -1); java options: $OPTS"
report() {  # label, then times in ms
  python3 -c '
import sys, statistics
label, t = sys.argv[1], sorted(float(x) for x in sys.argv[2:])
med = statistics.median(t); p90 = t[min(len(t) - 1, int(round(0.9 * (len(t) - 1))))]
print("%-40s min %6.0f  median %6.0f  p90 %6.0f  max %6.0f ms  (max/median %.2f)" % (label, t[0], med, p90, t[-1], t[-1] / med))
' "$@"
}
failed=0
over_limit() {  # label, then times in ms: true when LIMIT is set and max/median exceeds it
  [[ -n ${LIMIT:-} ]] && python3 -c '
import sys, statistics
t = [float(x) for x in sys.argv[2:]]
sys.exit(0 if max(t) / statistics.median(t) > float(sys.argv[1]) else 1)
' "$LIMIT" "$@"
}
get() {  # url -> ms until CONC GETs of it are done, checking each digest
  local t0 t1 i
  t0=$(date +%s%N)
  for i in $(seq 1 "$CONC"); do
    if [[ ${CHECK:-1} == 1 ]]; then
      (curl -sf "$1" | sha256sum | cut -d' ' -f1 > "got.$i") &
    else  # no client-side hashing competing for the CPU; the size is checked instead
      (curl -sf -o /dev/null -w '%{size_download}' "$1" > "got.$i") &
    fi
  done
  wait
  t1=$(date +%s%N)
  for i in $(seq 1 "$CONC"); do
    if [[ ${CHECK:-1} == 1 ]]; then
      [[ "sha256:$(cat "got.$i")" == "$digest" ]] || { echo "digest mismatch from $1 (client $i)" >&2; exit 1; }
    else
      [[ "$(cat "got.$i")" == "$((SIZE_MIB << 20))" ]] || { echo "short body from $1 (client $i)" >&2; exit 1; }
    fi
  done
  echo $(( (t1 - t0) / 1000000 ))
}
times=()
for run in $(seq 1 "$RUNS"); do times+=("$(get "http://127.0.0.1:18296/v2/bench/big/blobs/$digest")"); done
report "direct from docker-registry" "${times[@]}"
for jar in "$@"; do
  times=()
  for run in $(seq 1 "$RUNS"); do
    rm -rf data
    sync  # no write-back of the previous run's cache (or of the push) during this one
    # shellcheck disable=SC2086
    "$JAVA" $OPTS -Dberth.access-log=OFF -jar "$jar" serve ${BERTH_CONFIG:+--config "$BERTH_CONFIG"} \
      --listen 127.0.0.1:15296 --admin 127.0.0.1:19296 --data "$W/data" \
      --upstream bench.local=http://127.0.0.1:18296 > berth.log 2>&1 &
    pid=$!; PIDS+=($pid)
    for _ in $(seq 1 300); do curl -sf http://127.0.0.1:19296/readyz >/dev/null && break; sleep 0.05; done
    times+=("$(get "http://127.0.0.1:15296/v2/bench.local/bench/big/blobs/$digest")")
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  report "$(basename "$(dirname "$(dirname "$(dirname "$jar")")")")/$(basename "$jar")" "${times[@]}"
  echo "  each run, ms: ${times[*]}"
  if over_limit "${times[@]}"; then
    echo "cold-blob: $jar's slowest cold GET took more than $LIMIT times its median" >&2
    failed=1
  fi
done
exit "$failed"
