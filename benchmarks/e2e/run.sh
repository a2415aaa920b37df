#!/usr/bin/env bash
# End-to-end pull benchmark: berth vs distribution's own pull-through proxy (docker-registry 2.8 in
# proxy mode), both in front of the same local docker-registry upstream. Everything runs on
# 127.0.0.1 with free ports; no docker daemon and no network.
#
#   benchmarks/e2e/run.sh [--quick] [--policy POLICY] [--reps N] [--keep]
#
#   --quick         smoke run: 64 MiB layer, 1 repetition, 3 s load runs (about 1.5 minutes)
#   --policy P      berth's pull policy for the pull and blob measurements (default: always, the
#                   closest to the peer, which asks the upstream for every tag)
#   --reps N        cold/warm pull repetitions, fresh caches each time (default 3, quick 1)
#   --keep          keep the temporary directory (logs, configs) instead of deleting it
#
# Environment: BERTH_JAR (default proxy-core/target/berth.jar), BERTH_JAVA_OPTS (JVM options for
# berth), TMPDIR (where the one temporary directory goes).
#
# Writes the results table to stdout and to benchmarks/e2e/last-run.md. See README.md beside this.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JAR="${BERTH_JAR:-$ROOT/proxy-core/target/berth.jar}"
COMMAND_LINE="${BERTH_JAR:+BERTH_JAR=$BERTH_JAR }${BERTH_JAVA_OPTS:+BERTH_JAVA_OPTS='$BERTH_JAVA_OPTS' }benchmarks/e2e/run.sh${*:+ $*}"

QUICK=0
POLICY=always
REPS=""
KEEP=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --policy) POLICY="${2:?--policy needs a value}"; shift ;;
    --reps) REPS="${2:?--reps needs a value}"; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ $QUICK == 1 ]]; then
  LARGE_SIZE=64MiB; SMALL_SIZES=(1MiB 2MiB 3MiB); REPS="${REPS:-1}"
  WARM_LOOPS=4; WARM_ITERS=2; LOAD_SECS=3; WARMUP_SECS=1
else
  LARGE_SIZE=256MiB; SMALL_SIZES=(3MiB 4MiB 5MiB); REPS="${REPS:-3}"
  WARM_LOOPS=4; WARM_ITERS=4; LOAD_SECS=10; WARMUP_SECS=8
fi
CONCURRENT=8
LARGE_REPO=bench/large
SMALL_REPO=bench/small
TAG=1
ACCEPT='application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json'

# ---------------------------------------------------------------- helpers

T0=$(date +%s)
log() { printf '[e2e %4ds] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
# problem MSG: recorded for the report (a file, so that calls inside $(...) count too).
problem() { log "PROBLEM: $*"; echo "$*" >>"$WORK/problems.txt"; }

for tool in java docker-registry skopeo wrk ab curl python3 awk sha256sum; do
  command -v "$tool" >/dev/null || die "'$tool' is not on PATH (see benchmarks/e2e/README.md)"
done
if [[ ! -f "$JAR" ]]; then
  log "building $JAR (mvn -B -q -o package -pl proxy-core -am -DskipTests)"
  (cd "$ROOT" && mvn -B -q -o package -pl proxy-core -am -DskipTests) >&2
fi

LOAD_AT_START="$(cut -d' ' -f1-3 /proc/loadavg)"
OTHERS="$( { pgrep -c -f 'maven|surefire|failsafe|docker-registry|berth.jar' || true; } )"
# Builds and tests of other sessions on this machine (the patterns of the project's e2e fixtures
# included) while the benchmark runs; a sampler below records when it sees any.
FOREIGN='plexus-classworlds|surefire|failsafe|junit-|berth-registry-|berth-skopeo-'
[[ $OTHERS == 0 ]] || log "warning: $OTHERS other java/maven/registry processes are running; figures will be noisy"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/berth-e2e.XXXXXX")"
PIDS=()          # every daemon this script started; the EXIT trap stops those still alive
cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
  done
  if [[ $KEEP == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
log "work directory $WORK"
# Run a copy: a build during the run (mvn package rewrites the jar) must not change what is measured.
JAR_MTIME="$(date -u -r "$JAR" '+%Y-%m-%d %H:%M UTC')"; JAR_SOURCE="$JAR"
cp "$JAR" "$WORK/berth.jar"; JAR="$WORK/berth.jar"

# phase NAME: logs it and tells the sampler which phase is running.
phase() { log "$1"; echo "${1%% *}" >"$WORK/phase"; }
echo "0/5" >"$WORK/phase"
python3 - "$WORK" "$FOREIGN" <<'EOF' &
import os, re, sys, time
work, pattern, me = sys.argv[1], re.compile(sys.argv[2]), os.getpid()
while os.path.isdir(work):
    seen = False
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == me:
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if pattern.search(cmd):
            seen = True
            break
    try:
        with open(f"{work}/phase") as f:
            phase = f.read().strip()
        with open(f"{work}/samples.txt", "a") as f:
            f.write(f"{phase} {int(seen)}\n")
    except OSError:
        break
    time.sleep(2)
EOF
PIDS+=("$!")

# free_ports N: N distinct free loopback ports, space-separated (bound together, then released).
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# stop_pid PID: SIGTERM, SIGKILL after 10 s, reap. Records its peak RSS (VmHWM) first.
stop_pid() {
  local pid=$1 name=${2:-$1}
  if [[ -r /proc/$pid/status ]]; then
    echo "$name $(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")" >>"$WORK/peak-rss.txt"
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# await_http URL PID WHAT: waits up to 60 s for URL to answer 200 while PID lives.
await_http() {
  local url=$1 pid=$2 what=$3
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || die "$what exited during start-up (log: $4)"
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)" == 200 ]]; then return 0; fi
    sleep 0.1
  done
  die "$what did not answer $url within 60 s (log: $4)"
}

# registry_config FILE PORT STORAGE_DIR ACCESSLOG(true|false) [REMOTE_URL]
registry_config() {
  local file=$1 port=$2 storage=$3 accesslog=$4 remote=${5:-}
  cat >"$file" <<EOF
version: 0.1
log:
  level: warn
  formatter: text
  accesslog:
    disabled: $([[ $accesslog == true ]] && echo false || echo true)
storage:
  filesystem:
    rootdirectory: $storage
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  secret: berth-e2e-bench
health:
  storagedriver:
    enabled: false
EOF
  if [[ -n $remote ]]; then printf 'proxy:\n  remoteurl: %s\n' "$remote" >>"$file"; fi
}

INSTANCE=0
# start_berth POLICY: fresh data dir, fresh ports. Sets TARGET (host:port), TARGET_PID, TARGET_ADMIN,
# TARGET_LOG.
start_berth() {
  local policy=$1 ports dir
  INSTANCE=$((INSTANCE + 1))
  dir="$WORK/berth-$INSTANCE"; mkdir -p "$dir"
  read -r -a ports <<<"$(free_ports 2)"
  # tenancy open: a single-tenant loopback benchmark (under the default verify, GET /v2/ answers
  # 401 to clients without credentials, and each repository costs one cached access check).
  cat >"$dir/config.yaml" <<EOF
tenancy: open
upstreams:
  - name: $UP
    url: http://$UP
    default: true
    policy: $policy
EOF
  # shellcheck disable=SC2086
  java ${BERTH_JAVA_OPTS:-} -jar "$JAR" serve --listen "127.0.0.1:${ports[0]}" \
    --admin "127.0.0.1:${ports[1]}" --data "$dir/data" --config "$dir/config.yaml" \
    >"$dir/berth.log" 2>&1 &
  TARGET_PID=$!; PIDS+=("$TARGET_PID")
  TARGET="127.0.0.1:${ports[0]}"; TARGET_ADMIN="127.0.0.1:${ports[1]}"; TARGET_LOG="$dir/berth.log"; TARGET_DATA="$dir/data"
  await_http "http://$TARGET_ADMIN/readyz" "$TARGET_PID" "berth ($policy)" "$TARGET_LOG"
  await_http "http://$TARGET/v2/" "$TARGET_PID" "berth ($policy)" "$TARGET_LOG"
  echo "$TARGET_LOG" >>"$WORK/berth-logs.txt"
}

# start_peer: docker-registry proxying the upstream, fresh storage; access log off (as berth).
start_peer() {
  local port dir
  INSTANCE=$((INSTANCE + 1))
  dir="$WORK/peer-$INSTANCE"; mkdir -p "$dir"
  port="$(free_ports 1)"
  registry_config "$dir/config.yml" "$port" "$dir/storage" false "http://$UP"
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  TARGET_PID=$!; PIDS+=("$TARGET_PID")
  TARGET="127.0.0.1:$port"; TARGET_ADMIN=""; TARGET_LOG="$dir/registry.log"; TARGET_DATA="$dir/storage"
  await_http "http://$TARGET/v2/" "$TARGET_PID" "peer docker-registry" "$TARGET_LOG"
  echo "$TARGET_LOG" >>"$WORK/peer-logs.txt"
}

# start_target berth|peer. Flushes dirty pages first, so that earlier writes (pushes, the previous
# cache) are not written back in the middle of the next measurement.
start_target() { sync; if [[ $1 == berth ]]; then start_berth "$POLICY"; else start_peer; fi; }
# stop_target NAME: stops the current target and deletes its cache (its log stays).
stop_target() { stop_pid "$TARGET_PID" "$1"; rm -rf "$TARGET_DATA"; }

SYNC=0
# up_mark: makes sure every request the upstream answered so far is in its access log (it writes
# the line just after the response), then prints the log's line count.
up_mark() {
  SYNC=$((SYNC + 1))
  local marker="bench-sync=$SYNC-$$"
  curl -s -o /dev/null "http://$UP/v2/?$marker" || true
  for _ in $(seq 1 100); do
    if grep -q -F "$marker " "$UPLOG"; then wc -l <"$UPLOG"; return 0; fi
    sleep 0.05
  done
  die "upstream access log never showed $marker"
}

# up_count FROM_LINE METHOD PATH_REGEX: "<requests> <response bytes>" among upstream access-log
# lines after FROM_LINE (Apache combined format: "METHOD TARGET PROTO" STATUS BYTES ...).
up_count() {
  tail -n +"$(($1 + 1))" "$UPLOG" | awk -F'"' -v m="$2" -v re="$3" '
    { split($2, r, " "); p = r[2]; sub(/\?.*/, "", p)
      if (r[1] == m && p ~ re) { split($3, s, " "); n++; if (s[2] != "-") b += s[2] } }
    END { printf "%.0f %.0f\n", n, b }'
}

# pull TARGET REPO: skopeo copy to an OCI layout under $WORK, deleted afterwards; prints seconds.
pull() {
  local dest="$WORK/pulled" s e
  rm -rf "$dest"
  s=$(now)
  if ! skopeo copy -q --src-tls-verify=false "docker://$1/$2:$TAG" "oci:$dest:$TAG" \
      >"$WORK/skopeo.out" 2>&1; then
    problem "skopeo copy docker://$1/$2:$TAG failed: $(tail -c 400 "$WORK/skopeo.out")"
    echo NaN; return 0
  fi
  e=$(now)
  rm -rf "$dest"
  sub "$e" "$s"
}

# stats V...: "median (min–max)" or just the value for one sample (NaN = a failed sample).
stats() {
  printf '%s\n' "$@" | sort -g | awk '
    { v[NR] = $1 } END {
      if (NR == 0) { print "n/a"; exit }
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      if (NR == 1) printf "%.2f", m; else printf "%.2f (%.2f–%.2f)", m, v[1], v[NR] }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "" || a == "NaN" || b == "NaN") print "—"; else printf "%.2f×", a / b }'; }

metric() { curl -s "http://$1/metrics" | awk -v n="$2" '$1 == n { printf "%.0f", $2; f = 1 } END { if (!f) printf "?" }'; }

# ---------------------------------------------------------------- 1. images and upstream

phase "1/5 generating test images (large: one $LARGE_SIZE layer; small: ${SMALL_SIZES[*]})"
python3 "$HERE/mkimage.py" "$WORK/img-large" "$TAG" "$LARGE_SIZE" >"$WORK/img-large.txt"
python3 "$HERE/mkimage.py" "$WORK/img-small" "$TAG" "${SMALL_SIZES[@]}" >"$WORK/img-small.txt"
LARGE_BLOB=$(awk '$1 == "layer" { print $2; exit }' "$WORK/img-large.txt")
LARGE_BYTES=$(awk '$1 == "layer" { print $3; exit }' "$WORK/img-large.txt")
LARGE_MANIFEST=$(awk '$1 == "manifest" { print $2 }' "$WORK/img-large.txt")
SMALL_BYTES=$(awk '$1 == "layer" { s += $3 } END { print s }' "$WORK/img-small.txt")
log "large layer $LARGE_BLOB ($LARGE_BYTES bytes), manifest $LARGE_MANIFEST"

UP_PORT="$(free_ports 1)"; UP="127.0.0.1:$UP_PORT"; UPLOG="$WORK/upstream/access.log"
mkdir -p "$WORK/upstream"
registry_config "$WORK/upstream/config.yml" "$UP_PORT" "$WORK/upstream/storage" true
docker-registry serve "$WORK/upstream/config.yml" >"$UPLOG" 2>&1 &
UP_PID=$!; PIDS+=("$UP_PID")
await_http "http://$UP/v2/" "$UP_PID" "upstream docker-registry" "$UPLOG"
log "upstream docker-registry on $UP; pushing with skopeo"
skopeo copy -q --dest-tls-verify=false "oci:$WORK/img-large:$TAG" "docker://$UP/$LARGE_REPO:$TAG"
skopeo copy -q --dest-tls-verify=false "oci:$WORK/img-small:$TAG" "docker://$UP/$SMALL_REPO:$TAG"
rm -rf "$WORK/img-large" "$WORK/img-small"
got=$(curl -s -o /dev/null -w '%{http_code}' -I -H "Accept: $ACCEPT" "http://$UP/v2/$LARGE_REPO/manifests/$TAG")
[[ $got == 200 ]] || die "upstream does not serve $LARGE_REPO:$TAG after the push (HTTP $got)"

BLOB_RE="^/v2/$LARGE_REPO/blobs/$LARGE_BLOB\$"

# ---------------------------------------------------------------- 2. cold and warm pulls

declare -A R   # results: R[<side>.<measure>]
for side in berth peer; do
  for k in cold_large warm_large cold_small warm_small cold_up_gets warm_up_gets; do R[$side.$k]=""; done
done
phase "2/5 cold and warm skopeo pulls, $REPS repetition(s), fresh cache per repetition (berth policy $POLICY)"
for rep in $(seq 1 "$REPS"); do
  for side in berth peer; do
    start_target "$side"
    # The small image first: it warms the code paths (a fresh JVM for berth) with other blobs, so
    # the large pull below is a cold cache, not a cold process.
    cs=$(pull "$TARGET" "$SMALL_REPO"); ws=$(pull "$TARGET" "$SMALL_REPO")
    mark=$(up_mark)
    cl=$(pull "$TARGET" "$LARGE_REPO")
    up_mark >/dev/null
    gets=$(up_count "$mark" GET "$BLOB_RE" | awk '{ print $1 }')
    mark=$(up_mark)
    wl=$(pull "$TARGET" "$LARGE_REPO")
    up_mark >/dev/null
    # A warm pull may still reach the upstream (the peer's cache write finishes in the background).
    wgets=$(up_count "$mark" GET "$BLOB_RE" | awk '{ print $1 }')
    stop_target "$side"
    R[$side.cold_small]+="$cs "; R[$side.warm_small]+="$ws "
    R[$side.cold_large]+="$cl "; R[$side.warm_large]+="$wl "
    R[$side.cold_up_gets]+="$gets "; R[$side.warm_up_gets]+="$wgets "
    log "  rep $rep $side: small cold ${cs}s warm ${ws}s; large cold ${cl}s (upstream layer GETs $gets) warm ${wl}s (upstream layer GETs $wgets)"
  done
done

# ---------------------------------------------------------------- 3. concurrent cold blob GETs

phase "3/5 one cold GET, then $CONCURRENT concurrent cold GETs of the large layer (fresh cache each), then warm GETs"
declare -A BERTH_METRICS
for side in berth peer; do
  # One client, one cold GET: the proxy's cold path without skopeo's digest and disk work.
  start_target "$side"
  url="http://$TARGET/v2/$LARGE_REPO/blobs/$LARGE_BLOB"
  curl -s -o /dev/null "http://$TARGET/v2/$SMALL_REPO/manifests/$TAG" -H "Accept: $ACCEPT"  # warm the process
  s=$(now)
  read -r code size <<<"$(curl -s -o /dev/null -w '%{http_code} %{size_download}' --max-time 300 "$url" || true)"
  e=$(now)
  R[$side.one_cold]=$(sub "$e" "$s")
  [[ "${code:-}" == 200 && "${size:-}" == "$LARGE_BYTES" ]] || problem "$side: single cold GET got HTTP ${code:-?} with ${size:-?} of $LARGE_BYTES bytes"
  stop_target "$side-one"
  log "  $side: one cold GET ${R[$side.one_cold]}s"

  start_target "$side"
  url="http://$TARGET/v2/$LARGE_REPO/blobs/$LARGE_BLOB"
  curl -s -o /dev/null "http://$TARGET/v2/$SMALL_REPO/manifests/$TAG" -H "Accept: $ACCEPT"
  mark=$(up_mark)
  cpids=()
  s=$(now)
  for i in $(seq 1 "$CONCURRENT"); do
    curl -s -o /dev/null -w '%{http_code} %{size_download}\n' --max-time 300 "$url" \
      >"$WORK/conc-$side-$i.out" 2>&1 &
    cpids+=("$!")
  done
  for p in "${cpids[@]}"; do wait "$p" || true; done  # judged by the outputs below
  e=$(now)
  bad=0
  R[$side.conc_wall]=$(sub "$e" "$s")
  for i in $(seq 1 "$CONCURRENT"); do
    read -r code size <"$WORK/conc-$side-$i.out" || true
    if [[ "${code:-}" != 200 || "${size:-}" != "$LARGE_BYTES" ]]; then
      bad=$((bad + 1)); problem "$side: concurrent GET $i got HTTP ${code:-?} with ${size:-?} of $LARGE_BYTES bytes"
    fi
  done
  R[$side.conc_bad]=$bad
  up_mark >/dev/null  # every request answered so far is in the log now
  read -r gets bytes <<<"$(up_count "$mark" GET "$BLOB_RE")"
  R[$side.conc_gets]=$gets; R[$side.conc_bytes]=$bytes
  # The cache may still be writing (the peer stores in the background): wait for quiet upstream.
  sleep 1
  log "  $side: ${R[$side.conc_wall]}s wall, upstream ${R[$side.conc_gets]} GETs / ${R[$side.conc_bytes]} bytes of the layer, $bad failed"

  # ------------------------------------------------------------ 4. warm blob throughput (same cache)
  mark=$(up_mark)
  digest=$(curl -s "$url" | sha256sum | awk '{ print "sha256:" $1 }')
  [[ $digest == "$LARGE_BLOB" ]] || problem "$side: GET of the cached layer hashed to $digest, expected $LARGE_BLOB"
  up_mark >/dev/null
  read -r gets _ <<<"$(up_count "$mark" GET "$BLOB_RE")"
  R[$side.after_conc_gets]=$gets
  mark=$(up_mark)
  args=(); for _ in $(seq 1 "$WARM_ITERS"); do args+=(-o /dev/null "$url"); done
  cpids=()
  s=$(now)
  for i in $(seq 1 "$WARM_LOOPS"); do
    curl -s -w '%{http_code} %{size_download}\n' "${args[@]}" >"$WORK/warm-$side-$i.out" 2>&1 &
    cpids+=("$!")
  done
  for p in "${cpids[@]}"; do wait "$p" || problem "$side: a warm GET loop failed"; done
  e=$(now)
  total=$(cat "$WORK"/warm-"$side"-*.out | awk '$1 == 200 { b += $2 } END { printf "%.0f", b }')
  okcount=$(cat "$WORK"/warm-"$side"-*.out | awk '$1 == 200 && $2 == '"$LARGE_BYTES"' { n++ } END { printf "%.0f", n }')
  [[ $okcount == $((WARM_LOOPS * WARM_ITERS)) ]] || problem "$side: only $okcount of $((WARM_LOOPS * WARM_ITERS)) warm GETs were complete 200s"
  R[$side.warm_wall]=$(sub "$e" "$s")
  R[$side.warm_mbs]=$(awk -v b="$total" -v t="${R[$side.warm_wall]}" 'BEGIN { printf "%.0f", b / t / 1e6 }')
  up_mark >/dev/null
  read -r gets _ <<<"$(up_count "$mark" GET "$BLOB_RE")"
  R[$side.warm_gets]=$gets
  log "  $side warm: $((WARM_LOOPS * WARM_ITERS)) GETs, $total bytes in ${R[$side.warm_wall]}s = ${R[$side.warm_mbs]} MB/s (upstream layer GETs ${R[$side.warm_gets]})"
  if [[ $side == berth ]]; then
    for m in berth_upstream_downloads_total berth_coalesced_requests_total; do
      BERTH_METRICS[$m]=$(metric "$TARGET_ADMIN" "$m")
    done
    BERTH_METRICS[served_cache]=$(metric "$TARGET_ADMIN" 'berth_served_bytes_total{source="cache"}')
    BERTH_METRICS[served_upstream]=$(metric "$TARGET_ADMIN" 'berth_served_bytes_total{source="upstream"}')
  fi
  stop_target "$side-blob"
done

# ---------------------------------------------------------------- 5. HEAD / GET manifest by tag rates

# HEAD: ab (wrk 4.1 cannot do HEAD: its parser waits for a Content-Length body that a HEAD
# response never carries). GET: wrk, as a cross-check with a multi-threaded HTTP/1.1 client.
cat >"$WORK/get.lua" <<EOF
wrk.method = "GET"
wrk.headers["Accept"] = "$ACCEPT"
EOF
# rate NAME HOSTPORT: sets RATE_HEAD, RATE_GET and UPREQ_HEAD / UPREQ_GET ("<upstream HEADs>
# <upstream GETs> <client requests>" of manifests during each measured run).
rate() {
  local name=$1 hp=$2 url="http://$2/v2/$LARGE_REPO/manifests/$TAG" out mark n u_head u_get
  # Prime (the proxies cache the manifest) and warm up, not measured: berth's JIT needs more than
  # a few seconds of this load to reach its steady rate (3 s gave about half of it).
  curl -s -o /dev/null -H "Accept: $ACCEPT" "$url"
  ab -q -k -i -c 8 -t "$WARMUP_SECS" -n 1000000 -H "Accept: $ACCEPT" "$url" >"$WORK/ab-warmup-$name.txt" 2>&1 || true
  wrk -t2 -c8 -d"${WARMUP_SECS}s" -s "$WORK/get.lua" "$url" >"$WORK/wrk-warmup-$name.txt" 2>&1 || true
  WARMUP_HEAD=$(awk '/^Requests per second/ { printf "%.0f", $4 }' "$WORK/ab-warmup-$name.txt")
  mark=$(up_mark)
  out="$WORK/ab-$name.txt"
  ab -q -k -i -c 8 -t "$LOAD_SECS" -n 1000000 -H "Accept: $ACCEPT" "$url" >"$out" 2>&1 || problem "$name: ab failed: $(tail -3 "$out")"
  RATE_HEAD=$(awk '/^Requests per second/ { printf "%.0f", $4 }' "$out")
  n=$(awk '/^Complete requests/ { print $3 }' "$out")
  local failed non2xx; failed=$(awk '/^Failed requests/ { print $3 }' "$out"); non2xx=$(awk '/^Non-2xx responses/ { print $3 }' "$out")
  [[ "${failed:-0}" == 0 && -z "${non2xx:-}" ]] || problem "$name: HEAD run had ${failed:-?} failed and ${non2xx:-0} non-2xx responses of $n"
  up_mark >/dev/null
  u_head=$(up_count "$mark" HEAD "^/v2/$LARGE_REPO/manifests/" | awk '{ print $1 }')
  u_get=$(up_count "$mark" GET "^/v2/$LARGE_REPO/manifests/" | awk '{ print $1 }')
  UPREQ_HEAD="$u_head $u_get $n"
  mark=$(up_mark)
  out="$WORK/wrk-$name.txt"
  wrk -t2 -c8 -d"${LOAD_SECS}s" -s "$WORK/get.lua" "$url" >"$out" 2>&1 || problem "$name: wrk failed: $(tail -3 "$out")"
  RATE_GET=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$out")
  n=$(awk '/requests in/ { print $1 }' "$out")
  if grep -q -E 'Non-2xx|Socket errors' "$out"; then problem "$name: wrk GET run: $(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ')"; fi
  up_mark >/dev/null
  u_head=$(up_count "$mark" HEAD "^/v2/$LARGE_REPO/manifests/" | awk '{ print $1 }')
  u_get=$(up_count "$mark" GET "^/v2/$LARGE_REPO/manifests/" | awk '{ print $1 }')
  UPREQ_GET="$u_head $u_get $n"
  log "  $name: HEAD ${RATE_HEAD}/s (warm-up ${WARMUP_HEAD}/s; upstream HEAD/GET/client: $UPREQ_HEAD), GET ${RATE_GET}/s (upstream: $UPREQ_GET)"
}

phase "4/5 manifest-by-tag request rates (ab -k -i -c 8 HEAD, wrk -t2 -c8 GET, ${LOAD_SECS}s each after ${WARMUP_SECS}s + ${WARMUP_SECS}s warm-up)"
declare -A RH RG UH UG WH
rate upstream "$UP"; RH[upstream]=$RATE_HEAD; RG[upstream]=$RATE_GET; UH[upstream]=$UPREQ_HEAD; UG[upstream]=$UPREQ_GET; WH[upstream]=$WARMUP_HEAD
for p in always if-not-present; do
  sync; start_berth "$p"
  rate "berth-$p" "$TARGET"; RH[$p]=$RATE_HEAD; RG[$p]=$RATE_GET; UH[$p]=$UPREQ_HEAD; UG[$p]=$UPREQ_GET; WH[$p]=$WARMUP_HEAD
  stop_target "berth-$p"
done
sync; start_peer
rate peer "$TARGET"; RH[peer]=$RATE_HEAD; RG[peer]=$RATE_GET; UH[peer]=$UPREQ_HEAD; UG[peer]=$UPREQ_GET; WH[peer]=$WARMUP_HEAD
stop_target peer-rate

# ---------------------------------------------------------------- 6. report

phase "5/5 stopping the upstream and writing the report"
stop_pid "$UP_PID" upstream

berth_errors=0; berth_away=0; berth_unhandled=0; peer_errors=0
while read -r f; do
  berth_errors=$((berth_errors + $(grep -c -E ' (WARN|ERROR) ' "$f" || true)))
  berth_away=$((berth_away + $(grep -c 'client went away' "$f" || true)))
  berth_unhandled=$((berth_unhandled + $(grep -c 'Unhandled exception' "$f" || true)))
  # WARN/ERROR lines, and the exception line right after an ERROR
  awk '/ (WARN|ERROR) / { print; e = / ERROR /; next } e && !/^[0-9]/ && !/^[[:space:]]+at / { print } { e = 0 }' "$f" \
    | head -6 >>"$WORK/berth-errors.txt" || true
done <"$WORK/berth-logs.txt"
while read -r f; do
  peer_errors=$((peer_errors + $(grep -c -E 'level=(error|fatal|panic)' "$f" || true)))
done <"$WORK/peer-logs.txt"
peak() { awk -v p="$1" '$1 ~ p { if ($2 > m) m = $2 } END { printf "%.0f", m / 1024 }' "$WORK/peak-rss.txt"; }

mib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }
uplist() { local a=($1); echo "${a[0]} HEAD + ${a[1]} GET for ${a[2]} requests"; }
per() { local a=($1); awk -v u=$((a[0] + a[1])) -v n="${a[2]}" 'BEGIN { if (n > 0) printf "%.3f", u / n; else print "?" }'; }

LARGE_MIB=$(mib "$LARGE_BYTES"); SMALL_MIB=$(mib "$SMALL_BYTES")
cl_b=$(median ${R[berth.cold_large]}); cl_p=$(median ${R[peer.cold_large]})
wl_b=$(median ${R[berth.warm_large]}); wl_p=$(median ${R[peer.warm_large]})
cs_b=$(median ${R[berth.cold_small]}); cs_p=$(median ${R[peer.cold_small]})
ws_b=$(median ${R[berth.warm_small]}); ws_p=$(median ${R[peer.warm_small]})
cg_b=$(median ${R[berth.cold_up_gets]}); cg_p=$(median ${R[peer.cold_up_gets]})
wg_b=$(median ${R[berth.warm_up_gets]}); wg_p=$(median ${R[peer.warm_up_gets]})
MACHINE="$(nproc) CPUs ($( { lscpu 2>/dev/null || true; } | awk -F: '/Model name/ && !f { gsub(/^ +/, "", $2); print $2; f = 1 }')), $(free -m | awk '/^Mem:/ { printf "%.1f", $2 / 1024 }') GiB RAM, kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
# (wrk -v exits 1; every version probe is best effort)
VERSIONS="berth repo HEAD $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?"), $( { java -version 2>&1 || true; } | awk 'NR == 1 { gsub(/"/, ""); print }'), berth jar ${JAR_SOURCE#"$ROOT/"} built $JAR_MTIME, $( { docker-registry --version || true; } | awk '{ print "docker-registry " $3 }'), $(skopeo --version || true), $( { curl --version || true; } | awk 'NR == 1 { print "curl " $2 }'), $( { ab -V || true; } | awk '/Version/ { print "ab " $5 }'), $( { wrk -v 2>&1 || true; } | awk 'NR == 1 { print "wrk " $2 }')"

REPORT="$WORK/report.md"
{
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'). Machine: $MACHINE. Load generators run on the same cores as the servers; load average at start $LOAD_AT_START, at end $(cut -d' ' -f1-3 /proc/loadavg); other maven/registry/berth processes at start: $OTHERS; $(awk '{ n[$1]++; if ($2) b[$1]++ } END { for (i = 0; i <= 5; i++) { p = i "/5"; if (b[p]) { printf "%s%s: %d of %d samples", sep, p, b[p], n[p]; sep = ", " } } }' "$WORK/samples.txt" | sed -e 's/^\(.\)/**other builds or tests ran during phases** \1/' -e 's/^$/no other builds or tests seen during the run/')."
  echo "- Versions: $VERSIONS."
  echo "- Command: \`$COMMAND_LINE\` ($( [[ $QUICK == 1 ]] && echo quick mode || echo full mode ); took $(($(date +%s) - T0)) s)."
  echo "- Setup: upstream = docker-registry (filesystem storage, access log on) on 127.0.0.1; peer = the same docker-registry binary in proxy mode (\`proxy.remoteurl\`, access log off); berth policy \`$POLICY\` for the pull and blob rows. Every cold row starts a fresh process with an empty cache. Images: large = one $LARGE_MIB MiB random layer (gzip level 0), small = ${#SMALL_SIZES[@]} layers, $SMALL_MIB MiB in total."
  echo "- Pull rows: \`skopeo copy docker://PROXY/REPO:1 oci:DIR:1\`, median of $REPS fresh-cache repetition(s) (min–max); skopeo verifies every digest and writes the layout to disk, which bounds the warm rows. The small image is pulled before the large one in the same process, so the large cold pull is a cold cache, not a cold JVM."
  echo ""
  echo "| measurement | berth | peer (distribution proxy) | berth / peer | notes |"
  echo "|---|---:|---:|---:|---|"
  echo "| cold pull, large image (${LARGE_MIB} MiB), s ↓ | $(stats ${R[berth.cold_large]}) | $(stats ${R[peer.cold_large]}) | $(ratio "$cl_b" "$cl_p") | upstream GETs of the layer per cold pull: berth $cg_b, peer $cg_p |"
  echo "| warm pull, large image, s ↓ | $(stats ${R[berth.warm_large]}) | $(stats ${R[peer.warm_large]}) | $(ratio "$wl_b" "$wl_p") | upstream GETs of the layer during the warm pull: berth $wg_b, peer $wg_p |"
  echo "| cold pull, small image (${SMALL_MIB} MiB), s ↓ | $(stats ${R[berth.cold_small]}) | $(stats ${R[peer.cold_small]}) | $(ratio "$cs_b" "$cs_p") | first requests of a fresh process |"
  echo "| warm pull, small image, s ↓ | $(stats ${R[berth.warm_small]}) | $(stats ${R[peer.warm_small]}) | $(ratio "$ws_b" "$ws_p") | |"
  echo "| 1 cold GET of the large layer (curl), s ↓ | ${R[berth.one_cold]} | ${R[peer.one_cold]} | $(ratio "${R[berth.one_cold]}" "${R[peer.one_cold]}") | fresh cache; $(awk -v b="$LARGE_BYTES" -v t="${R[berth.one_cold]}" 'BEGIN { printf "%.0f", b / t / 1e6 }') vs $(awk -v b="$LARGE_BYTES" -v t="${R[peer.one_cold]}" 'BEGIN { printf "%.0f", b / t / 1e6 }') MB/s |"
  echo "| $CONCURRENT concurrent cold GETs of the large layer, wall s ↓ | ${R[berth.conc_wall]} | ${R[peer.conc_wall]} | $(ratio "${R[berth.conc_wall]}" "${R[peer.conc_wall]}") | \`curl -s -o /dev/null\` ×$CONCURRENT in parallel, fresh cache; failed: berth ${R[berth.conc_bad]}, peer ${R[peer.conc_bad]} |"
  echo "| … upstream GETs of that layer ↓ | ${R[berth.conc_gets]} | ${R[peer.conc_gets]} | $(ratio "${R[berth.conc_gets]}" "${R[peer.conc_gets]}") | from the upstream's access log |"
  echo "| … upstream bytes of that layer, MiB ↓ | $(mib "${R[berth.conc_bytes]}") | $(mib "${R[peer.conc_bytes]}") | $(ratio "${R[berth.conc_bytes]}" "${R[peer.conc_bytes]}") | layer = $LARGE_MIB MiB; upstream GETs right after (one sha256-checked GET): berth ${R[berth.after_conc_gets]}, peer ${R[peer.after_conc_gets]} |"
  echo "| warm blob GET throughput, MB/s ↑ | ${R[berth.warm_mbs]} | ${R[peer.warm_mbs]} | $(ratio "${R[berth.warm_mbs]}" "${R[peer.warm_mbs]}") | $WARM_LOOPS parallel curl loops × $WARM_ITERS GETs of the cached layer (1 MB = 10⁶ B); upstream GETs meanwhile: berth ${R[berth.warm_gets]}, peer ${R[peer.warm_gets]} |"
  echo "| HEAD manifest by tag, req/s ↑, berth \`always\` | ${RH[always]} | ${RH[peer]} | $(ratio "${RH[always]}" "${RH[peer]}") | upstream: berth $(uplist "${UH[always]}"); peer $(uplist "${UH[peer]}") |"
  echo "| HEAD manifest by tag, req/s ↑, berth \`if-not-present\` | ${RH[if-not-present]} | ${RH[peer]} | $(ratio "${RH[if-not-present]}" "${RH[peer]}") | upstream: berth $(uplist "${UH[if-not-present]}"); the peer has one fixed behaviour: it asks the upstream for every tag |"
  echo "| HEAD manifest by tag, req/s, upstream direct (reference) | — | — | — | ${RH[upstream]} req/s from the upstream registry itself |"
  echo "| GET manifest by tag, req/s ↑, berth \`always\` (wrk) | ${RG[always]} | ${RG[peer]} | $(ratio "${RG[always]}" "${RG[peer]}") | upstream: berth $(uplist "${UG[always]}"); peer $(uplist "${UG[peer]}") |"
  echo "| GET manifest by tag, req/s ↑, berth \`if-not-present\` (wrk) | ${RG[if-not-present]} | ${RG[peer]} | $(ratio "${RG[if-not-present]}" "${RG[peer]}") | upstream: berth $(uplist "${UG[if-not-present]}") |"
  echo "| GET manifest by tag, req/s, upstream direct (reference, wrk) | — | — | — | ${RG[upstream]} req/s |"
  echo ""
  echo "- Rate rows: HEAD with \`ab -q -k -i -c 8 -t $LOAD_SECS\` (HTTP/1.0 keep-alive; wrk 4.1 cannot time HEAD, it waits for a body of the advertised Content-Length), GET with \`wrk -t2 -c8 -d${LOAD_SECS}s\`, after an unmeasured warm-up of the same process (${WARMUP_SECS}s of each; the HEAD rate during the warm-up was berth always ${WH[always]}, if-not-present ${WH[if-not-present]}, peer ${WH[peer]}, upstream ${WH[upstream]} req/s: berth's JIT is still warming there). ab used about a quarter of one core at 17k req/s in a separate check, so it is not the limit; both send the OCI and Docker manifest Accept types. Upstream requests per client request: berth always HEAD $(per "${UH[always]}"), GET $(per "${UG[always]}"); if-not-present $(per "${UH[if-not-present]}"); peer HEAD $(per "${UH[peer]}"), GET $(per "${UG[peer]}")."
  echo "- berth after the concurrent/warm blob phase: berth_upstream_downloads_total ${BERTH_METRICS[berth_upstream_downloads_total]}, berth_coalesced_requests_total ${BERTH_METRICS[berth_coalesced_requests_total]}, served bytes from cache $(mib "${BERTH_METRICS[served_cache]}") MiB, from upstream $(mib "${BERTH_METRICS[served_upstream]}") MiB."
  echo "- Peak RSS (VmHWM) of the blob-phase processes: berth $(peak '^berth-blob$') MiB, peer $(peak '^peer-blob$') MiB; of the pull-phase processes (max): berth $(peak '^berth$') MiB, peer $(peak '^peer$') MiB."
  echo "- Log lines: berth WARN/ERROR lines $berth_errors (of which \"client went away\" WARNs $berth_away, \"Unhandled exception\" ERRORs $berth_unhandled); peer level=error lines $peer_errors. No client saw a failure unless listed under problems."
  if [[ -s "$WORK/problems.txt" ]]; then
    echo "- **Problems seen** ($(wc -l <"$WORK/problems.txt")):"
    sed 's/^/  - /' "$WORK/problems.txt"
  fi
  if [[ -s "$WORK/berth-errors.txt" ]]; then
    echo "- First berth WARN/ERROR lines:"
    echo '  ```'
    head -10 "$WORK/berth-errors.txt" | cut -c1-300 | sed 's/^/  /'
    echo '  ```'
  fi
} >"$REPORT"

cp "$REPORT" "$HERE/last-run.md"
echo
cat "$REPORT"
echo
log "done in $(($(date +%s) - T0)) s; report also in benchmarks/e2e/last-run.md"
