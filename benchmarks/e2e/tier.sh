#!/usr/bin/env bash
# The cluster tier as a node meets it (issue 17): one SIZE_MIB blob from a local docker-registry,
# RUNS times, every process fresh and every cache empty, the launcher's JVM options:
#   node alone      node berth -> registry (cold)
#   through tier    node berth -> tier replica (bucket on s3proxy) -> registry (all cold)
#   warm from tier  a second fresh node -> the same tier after the first node's pull
# and the direct GET from the registry. Prints the CPU model, min/median/p90/max per row in ms,
# and the ratios of the medians. Times are of the GET alone (the processes are ready first).
#
#   RUNS=10 SIZE_MIB=256 benchmarks/e2e/tier.sh proxy-core/target/berth.jar
#   S3PROXY_JAR=... (default: proxy-core/target/tools/s3proxy.jar, which mvn verify copies there)
#
# Needs docker-registry, curl, python3. Everything on 127.0.0.1 in a mktemp directory.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUNS=${RUNS:-10}
JAVA=${JAVA:-java}
SIZE_MIB=${SIZE_MIB:-256}
JAR=$(realpath "${1:-$ROOT/proxy-core/target/berth.jar}")
S3PROXY_JAR=$(realpath "${S3PROXY_JAR:-$ROOT/proxy-core/target/tools/s3proxy.jar}")
OPTS="${BERTH_JAVA_OPTS-$("$ROOT/benchmarks/e2e/berth-opts.sh")}"
W=$(mktemp -d); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
cd "$W"

printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s/registry\nhttp:\n  addr: 127.0.0.1:18297\nlog:\n  level: error\n' "$W" > reg.yml
docker-registry serve reg.yml > reg.log 2>&1 & PIDS+=($!)
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18297/v2/ >/dev/null && break; sleep 0.05; done
upload() {  # file -> digest, pushed into bench/big
  local d loc sep
  d="sha256:$(sha256sum "$1" | cut -d' ' -f1)"
  loc=$(curl -sf -X POST -D - -o /dev/null http://127.0.0.1:18297/v2/bench/big/blobs/uploads/ | tr -d '\r' | awk -F': ' 'tolower($1)=="location" {print $2}')
  sep='?'; [[ $loc == *\?* ]] && sep='&'
  curl -sf -X PUT --data-binary @"$1" -H 'Content-Type: application/octet-stream' "${loc}${sep}digest=${d}" -o /dev/null
  echo "$d"
}
head -c $((SIZE_MIB << 20)) /dev/urandom > blob
digest=$(upload blob)
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}' > config
cdig=$(upload config)
# A tag, so that the default tenancy (verify) finds the repository public.
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}]}' \
  "$cdig" "$(stat -c %s config)" "$digest" "$(stat -c %s blob)" > manifest
curl -sf -X PUT --data-binary @manifest -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' http://127.0.0.1:18297/v2/bench/big/manifests/1 -o /dev/null

mkdir -p s3/berth-tier
printf 's3proxy.endpoint=http://127.0.0.1:18298\ns3proxy.authorization=aws-v2-or-v4\ns3proxy.identity=bench\ns3proxy.credential=bench-secret\njclouds.provider=filesystem\njclouds.filesystem.basedir=%s/s3\n' "$W" > s3proxy.properties
"$JAVA" -Xmx512m -jar "$S3PROXY_JAR" --properties s3proxy.properties > s3proxy.log 2>&1 & PIDS+=($!)
for _ in $(seq 1 300); do curl -s -o /dev/null http://127.0.0.1:18298/ && break; sleep 0.1; done
printf '[default]\naws_access_key_id = bench\naws_secret_access_key = bench-secret\n' > s3-credentials

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs; $("$JAVA" -version 2>&1 | head -1); java options: $OPTS"
report() {  # label, then times in ms
  python3 -c '
import sys, statistics
label, t = sys.argv[1], sorted(float(x) for x in sys.argv[2:])
med = statistics.median(t); p90 = t[min(len(t) - 1, int(round(0.9 * (len(t) - 1))))]
print("%-16s min %6.0f  median %6.0f  p90 %6.0f  max %6.0f ms" % (label, t[0], med, p90, t[-1]))
' "$@"
}
median() { python3 -c 'import sys, statistics; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
get() {  # url -> ms, checking the digest
  local t0 t1 got
  t0=$(date +%s%N)
  got=$(curl -sf "$1" | sha256sum | cut -d' ' -f1)
  t1=$(date +%s%N)
  [[ "sha256:$got" == "$digest" ]] || { echo "digest mismatch from $1" >&2; exit 1; }
  echo $(( (t1 - t0) / 1000000 ))
}
serve() {  # name port admin config -> pid; waits for readiness
  # shellcheck disable=SC2086
  "$JAVA" $OPTS -Dberth.access-log=OFF -jar "$JAR" serve --config "$4" \
    --listen "127.0.0.1:$2" --admin "127.0.0.1:$3" --data "$W/$1" > "$1.log" 2>&1 &
  local pid=$!; PIDS+=($pid)
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$3/readyz" >/dev/null && break; sleep 0.05; done
  echo "$pid"
}
stop() {  # the pid came from a subshell, so it is no child to wait for: poll until it is gone
  kill "$1" 2>/dev/null || true
  while kill -0 "$1" 2>/dev/null; do sleep 0.05; done
}
node_yaml() {  # parent URL or empty -> config
  printf 'upstreams:\n  - name: bench.local\n    url: http://127.0.0.1:18297\n    default: true\n'
  [[ -n $1 ]] && printf '    parent: %s\n' "$1"
  return 0
}
url="/v2/bench/big/blobs/$digest"
direct=(); alone=(); tier=(); warm=()
for run in $(seq 1 "$RUNS"); do
  rm -rf node-a node-b replica; sync
  direct+=("$(get "http://127.0.0.1:18297$url")")
  node_yaml "" > node-alone.yaml
  pid=$(serve node-a 15297 19297 node-alone.yaml)
  alone+=("$(get "http://127.0.0.1:15297$url")")
  stop "$pid"; rm -rf node-a; sync
  # A fresh tier replica on an empty part of the bucket (its own prefix per run).
  { node_yaml ""
    printf 'cluster:\n  object-storage:\n    endpoint: http://127.0.0.1:18298\n    bucket: berth-tier\n    prefix: run-%s/\n    credentials-file: %s/s3-credentials\n' "$run" "$W"; } > tier.yaml
  tpid=$(serve replica 15298 19298 tier.yaml)
  node_yaml "http://127.0.0.1:15298" > node-parent.yaml
  pid=$(serve node-a 15297 19297 node-parent.yaml)
  tier+=("$(get "http://127.0.0.1:15297$url")")
  stop "$pid"
  sleep 1  # the tier's upload completes after the client's last byte
  pid=$(serve node-b 15299 19299 node-parent.yaml)
  warm+=("$(get "http://127.0.0.1:15299$url")")
  stop "$pid"; stop "$tpid"
done
report "direct" "${direct[@]}"
report "node alone" "${alone[@]}"
report "through tier" "${tier[@]}"
report "warm from tier" "${warm[@]}"
python3 - "$(median "${direct[@]}")" "$(median "${alone[@]}")" "$(median "${tier[@]}")" "$(median "${warm[@]}")" <<'PY'
import sys
d, a, t, w = map(float, sys.argv[1:])
print("ratios of medians: through tier / node alone %.2f; warm from tier / node alone %.2f;"
      " warm from tier / direct %.2f" % (t / a, w / a, w / d))
PY
