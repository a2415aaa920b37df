#!/usr/bin/env bash
# Manifest-hit A/B check: one berth jar after another against the same docker-registry upstream,
# each in a fresh process with an empty cache. After a warm-up, wrk GETs one cached tag
# (policy if-not-present: answered from berth's memory) with 8 connections for 10 s, three rounds;
# prints requests/s and p99 latency per round. (No HEAD rounds: wrk waits for the body a HEAD
# announces in Content-Length and reports nothing.) Used for the before/after rows of
# benchmarks/RESULTS.md when the manifest hit path changes.
#
#   benchmarks/e2e/manifest-hits.sh JAR [JAR...]
#   TENANCY=verify benchmarks/e2e/manifest-hits.sh JAR [JAR...]   # the default tenancy: every
#                                   # request passes the access check (verdict lookup, node identity)
#
# Needs docker-registry, skopeo, wrk and curl. Everything on 127.0.0.1 in a mktemp directory; every
# process it starts is stopped by PID.
set -euo pipefail
BERTH_OPTS="${BERTH_JAVA_OPTS-$("$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/berth-opts.sh")}"
WORK=$(mktemp -d); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

mkdir -p "$WORK/image/blobs/sha256"
cfg='{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}'
printf '%s' "$cfg" >"$WORK/cfg"; cd_=$(sha256sum "$WORK/cfg" | cut -d' ' -f1); cp "$WORK/cfg" "$WORK/image/blobs/sha256/$cd_"
man=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[]}' "$cd_" "${#cfg}")
printf '%s' "$man" >"$WORK/man"; md=$(sha256sum "$WORK/man" | cut -d' ' -f1); cp "$WORK/man" "$WORK/image/blobs/sha256/$md"
printf '{"imageLayoutVersion":"1.0.0"}' >"$WORK/image/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"1"}}]}' "$md" "${#man}" >"$WORK/image/index.json"

printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s/registry\nhttp:\n  addr: 127.0.0.1:18282\nlog:\n  level: error\n' "$WORK" >"$WORK/registry.yml"
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 & PIDS+=($!)
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18282/v2/ >/dev/null && break; sleep 0.05; done
skopeo copy -q --dest-tls-verify=false "oci:$WORK/image:1" docker://127.0.0.1:18282/bench/app:1
printf 'tenancy: %s\nupstreams:\n  - name: up.test\n    url: http://127.0.0.1:18282\n    default: true\n    policy: if-not-present\n' "${TENANCY:-open}" >"$WORK/berth.yaml"
printf 'wrk.headers["Accept"] = "application/vnd.oci.image.manifest.v1+json"\n' >"$WORK/get.lua"

for jar in "$@"; do
  echo "== $jar"
  rm -rf "$WORK/data"
  # shellcheck disable=SC2086
  java $BERTH_OPTS -Dberth.access-log=OFF -jar "$jar" serve --config "$WORK/berth.yaml" \
    --listen 127.0.0.1:15252 --admin 127.0.0.1:19292 --data "$WORK/data" >"$WORK/berth.log" 2>&1 &
  pid=$!; PIDS+=("$pid")
  for _ in $(seq 1 200); do curl -sf http://127.0.0.1:19292/readyz >/dev/null && break; sleep 0.05; done
  U=http://127.0.0.1:15252/v2/bench/app/manifests/1
  curl -sf -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$U"
  wrk -t2 -c8 -d5s -s "$WORK/get.lua" "$U" >/dev/null # JIT warm-up
  for method in get; do
    for round in 1 2 3; do
      wrk -t2 -c8 -d10s --latency -s "$WORK/$method.lua" "$U" |
        awk -v m="$method" -v r="$round" '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} END {printf "  %s round %d: %s req/s, p99 %s\n", m, r, rps, p99}'
    done
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
