#!/usr/bin/env bash
# CPU of the berth process per cached-tag GET, one jar after another, each in a fresh process with an
# empty cache: after a warm-up, 3 rounds of wrk (8 connections, 10 s) while the process's user+sys
# ticks are read from /proc; prints µs of CPU per request. Steadier than req/s on a shared machine
# (the load generator's share of the 2 cores varies); tenancy from $TENANCY (default verify).
#
#   TENANCY=verify benchmarks/e2e/manifest-cpu.sh OLD.jar NEW.jar [OLD.jar NEW.jar]
set -euo pipefail
BERTH_OPTS="${BERTH_JAVA_OPTS-$("$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/berth-opts.sh")}"
W=$(mktemp -d); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
cd "$W"
printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s/registry\nhttp:\n  addr: 127.0.0.1:18284\nlog:\n  level: error\n' "$W" > reg.yml
docker-registry serve reg.yml > reg.log 2>&1 & PIDS+=($!)
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18284/v2/ >/dev/null && break; sleep 0.05; done
mkdir -p img/blobs/sha256; cfg='{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}'; printf '%s' "$cfg" > c; cd_=$(sha256sum c|cut -d' ' -f1); cp c img/blobs/sha256/$cd_
man=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[]}' "$cd_" "${#cfg}"); printf '%s' "$man" > m; md=$(sha256sum m|cut -d' ' -f1); cp m img/blobs/sha256/$md
printf '{"imageLayoutVersion":"1.0.0"}' > img/oci-layout; printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"1"}}]}' "$md" "${#man}" > img/index.json
skopeo copy -q --dest-tls-verify=false "oci:img:1" docker://127.0.0.1:18284/bench/app:1
printf 'tenancy: %s\nupstreams:\n  - name: up.test\n    url: http://127.0.0.1:18284\n    default: true\n    policy: if-not-present\n' "${TENANCY:-verify}" > b.yaml
printf 'wrk.headers["Accept"] = "application/vnd.oci.image.manifest.v1+json"\n' > get.lua
hz=$(getconf CLK_TCK)
for jar in "$@"; do
  rm -rf data
  # shellcheck disable=SC2086
  java $BERTH_OPTS -Dberth.access-log=OFF -jar "$jar" serve --config b.yaml --listen 127.0.0.1:15254 --admin 127.0.0.1:19294 --data data > berth.log 2>&1 &
  pid=$!; PIDS+=($pid)
  for _ in $(seq 1 200); do curl -sf http://127.0.0.1:19294/readyz >/dev/null && break; sleep 0.05; done
  U=http://127.0.0.1:15254/v2/bench/app/manifests/1
  curl -sf -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$U"
  wrk -t2 -c8 -d8s -s get.lua "$U" >/dev/null
  for r in 1 2 3; do
    t0=$(awk '{print $14+$15}' /proc/$pid/stat)
    n=$(wrk -t2 -c8 -d10s -s get.lua "$U" | awk '/requests in/ {print $1}')
    t1=$(awk '{print $14+$15}' /proc/$pid/stat)
    awk -v n="$n" -v d=$((t1-t0)) -v hz="$hz" -v j="$(basename "$jar")" -v r=$r 'BEGIN {printf "%s round %d: %d requests, %.1f us CPU/request\n", j, r, n, d/hz*1e6/n}'
  done
  kill $pid; wait $pid 2>/dev/null || true
done
