#!/usr/bin/env bash
# Cold pull as a user meets it: for each jar, RUNS times, a fresh berth process on an empty cache
# with the embedded default config (tenancy verify, policy always; only --listen/--admin/--data/
# --upstream given), started and made ready, then one `skopeo copy` of a small image (a 1 MiB
# layer) through it from a local docker-registry. Prints min/median/p90/max of the pull alone
# (berth already ready) in ms. Each jar runs with the class-data archive the launcher would
# record for it (`serve --warm-up-run`); CDS=0 runs without one.
#
#   RUNS=10 benchmarks/e2e/cold-pull.sh OLD.jar NEW.jar
#   LAYERS=50x1MiB RUNS=10 benchmarks/e2e/cold-pull.sh OLD.jar NEW.jar   # an image of mkimage.py's
#
# Needs docker-registry, skopeo, curl, python3. Everything on 127.0.0.1 in a mktemp directory.
set -euo pipefail
RUNS=${RUNS:-10}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OPTS="${BERTH_JAVA_OPTS-$("$HERE/berth-opts.sh")}"
W=$(mktemp -d); PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
cd "$W"
printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s/registry\nhttp:\n  addr: 127.0.0.1:18295\nlog:\n  level: error\n' "$W" > reg.yml
docker-registry serve reg.yml > reg.log 2>&1 & PIDS+=($!)
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18295/v2/ >/dev/null && break; sleep 0.05; done
if [[ -n "${LAYERS:-}" ]]; then
  python3 "$HERE/mkimage.py" "$W/img" 1 "$LAYERS" >/dev/null
else
mkdir -p img/blobs/sha256 layer
head -c 1048576 /dev/urandom > layer/data; tar -C layer -czf l.tgz data
ld=$(sha256sum l.tgz | cut -d' ' -f1); ls_=$(stat -c %s l.tgz); cp l.tgz img/blobs/sha256/$ld
diff=$(tar -C layer -cf - data | sha256sum | cut -d' ' -f1)
cfg=$(printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"config":{}}' "$diff")
printf '%s' "$cfg" > c; cd_=$(sha256sum c | cut -d' ' -f1); cp c img/blobs/sha256/$cd_
man=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' "$cd_" "${#cfg}" "$ld" "$ls_")
printf '%s' "$man" > m; md=$(sha256sum m | cut -d' ' -f1); cp m img/blobs/sha256/$md
printf '{"imageLayoutVersion":"1.0.0"}' > img/oci-layout
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"1"}}]}' "$md" "${#man}" > img/index.json
fi
skopeo copy -q --dest-tls-verify=false "oci:img:1" docker://127.0.0.1:18295/bench/app:1
for jar in "$@"; do
  times=()
  cds=""
  if [[ "${CDS:-1}" != 0 ]]; then
    rm -f "$W/berth.jsa"
    # shellcheck disable=SC2086
    java $OPTS -XX:ArchiveClassesAtExit="$W/berth.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off \
      -jar "$jar" serve --listen 127.0.0.1:0 --admin 127.0.0.1:0 --data "$W/cds-data" \
      --warm-up-run >/dev/null 2>&1 || true
    rm -rf "$W/cds-data"
    [[ -f "$W/berth.jsa" ]] && cds="-XX:SharedArchiveFile=$W/berth.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
  fi
  for run in $(seq 1 "$RUNS"); do
    rm -rf data out
    # shellcheck disable=SC2086
    java $OPTS $cds -Dberth.access-log=OFF -jar "$jar" serve \
      --listen 127.0.0.1:15295 --admin 127.0.0.1:19295 --data "$W/data" \
      --upstream bench.local=http://127.0.0.1:18295 > berth.log 2>&1 &
    pid=$!; PIDS+=($pid)
    for _ in $(seq 1 300); do curl -sf http://127.0.0.1:19295/readyz >/dev/null && break; sleep 0.05; done
    t0=$(date +%s%N)
    skopeo copy -q --src-tls-verify=false docker://127.0.0.1:15295/bench.local/bench/app:1 dir:out
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
    kill $pid; wait $pid 2>/dev/null || true
  done
  printf '%s\n' "${times[@]}" | python3 -c "
import sys, math
t=sorted(int(x) for x in sys.stdin)
n=len(t); p90=t[max(0, math.ceil(0.9*n)-1)]  # nearest rank
print('$(basename "$jar")', '${cds:+(archive) }cold pull ms: min', t[0], 'median', t[n//2] if n%2 else (t[n//2-1]+t[n//2])/2, 'p90', p90, 'max', t[-1], 'all', t)"
done
