#!/usr/bin/env bash
# End-to-end pull benchmark: berth vs distribution's own pull-through proxy (docker-registry 2.8 in
# proxy mode, "the peer"), both in front of the same local docker-registry upstream, with nginx
# serving the same blob and manifest as static files as the local limit. Everything runs on
# 127.0.0.1 with free ports; no docker daemon and no network.
#
#   benchmarks/e2e/run.sh [--quick] [--policy POLICY] [--reps N] [--keep]
#
#   --quick         smoke run: 64 MiB layer, 1 repetition, 1 s load runs at 32 connections only
#                   (about 2 minutes)
#   --policy P      berth's pull policy for the pull and blob measurements (default: always, the
#                   closest to the peer, which asks the upstream for every tag)
#   --reps N        cold/warm pull repetitions, a fresh process and cache each time (default 10,
#                   quick 1); cold rows report min, median, p90 and max
#   --keep          keep the temporary directory (logs, configs, tool outputs) instead of deleting it
#
# Environment: BERTH_JAR (default proxy-core/target/berth.jar), BERTH_JAVA_OPTS (JVM options for
# berth), NGINX (default /usr/sbin/nginx), TMPDIR (where the one temporary directory goes).
#
# Writes the report (machine, command, raw tables, targets table) to stdout and to
# benchmarks/e2e/last-run.md, and a chart to benchmarks/e2e/last-run.png. See README.md beside this.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JAR="${BERTH_JAR:-$ROOT/proxy-core/target/berth.jar}"
NGINX="${NGINX:-/usr/sbin/nginx}"
COMMAND_LINE="${BERTH_JAR:+BERTH_JAR=$BERTH_JAR }${BERTH_JAVA_OPTS:+BERTH_JAVA_OPTS='$BERTH_JAVA_OPTS' }benchmarks/e2e/run.sh${*:+ $*}"

# The launcher's (./berth) default JVM options, so that the benchmark measures what `berth serve`
# runs; BERTH_JAVA_OPTS replaces them (set it to "" for the JVM's own defaults).
BERTH_DEFAULT_OPTS="$("$HERE/berth-opts.sh")"

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
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ $QUICK == 1 ]]; then
  LARGE_SIZE=64MiB; REPS="${REPS:-1}"
  WARM_LOOPS=4; WARM_ITERS=2; LOAD_SECS=1; WARMUP_SECS=1; OTHER_WARMUP_SECS=0
  CONNS=(32)                             # connections of the manifest rate runs
else
  LARGE_SIZE=256MiB; REPS="${REPS:-10}"
  WARM_LOOPS=4; WARM_ITERS=4; LOAD_SECS=3; WARMUP_SECS=8; OTHER_WARMUP_SECS=1
  CONNS=(1 8 32)
fi
MANY_LAYERS=50; MANY_SIZE=1MiB          # the many-layer image: 50 × 1 MiB
MULTI_SIZES=(2MiB 1MiB)                  # the multi-arch image: these layers for each platform
PLATFORMS=linux/amd64,linux/arm64
CONC_LEVELS=(8 32)                       # concurrent cold GETs of the large layer
AB_CAP=2000000                           # ab's request cap per run (ab -n); -t bounds the time
LARGE_REPO=bench/large
MANY_REPO=bench/many
MULTI_REPO=bench/multi
TAG=1
ACCEPT='application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json'
NPHASES=7

# ---------------------------------------------------------------- helpers

T0=$(date +%s)
log() { printf '[e2e %4ds] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
# problem MSG: recorded for the report (a file, so that calls inside $(...) count too).
problem() { log "PROBLEM: $*"; echo "$*" >>"$WORK/problems.txt"; }

for tool in java docker-registry skopeo wrk ab curl python3 awk sha256sum timeout getconf pgrep; do
  command -v "$tool" >/dev/null || die "'$tool' is not on PATH (see benchmarks/e2e/README.md)"
done
[[ -x $NGINX ]] || die "nginx is not at $NGINX (apt-get install nginx-light, or set NGINX=/path/to/nginx)"
# The chart needs gnuplot; without it the run still measures and reports everything.
if ! command -v gnuplot >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "gnuplot is missing (needed for the chart): installing it with 'apt-get install -y gnuplot-nox'"
    apt-get install -y -q gnuplot-nox >&2 || { apt-get update -q >&2 && apt-get install -y -q gnuplot-nox >&2; } \
      || log "warning: could not install gnuplot-nox; the run goes on without a chart"
  else
    log "warning: gnuplot is missing, so no chart will be drawn; install it with: sudo apt-get install gnuplot-nox"
  fi
fi
if [[ ! -f "$JAR" ]]; then
  log "building $JAR (mvn -B -q -o package -pl proxy-core -am -DskipTests)"
  (cd "$ROOT" && mvn -B -q -o package -pl proxy-core -am -DskipTests) >&2
fi
CLK_TCK=$(getconf CLK_TCK)

LOAD_AT_START="$(cut -d' ' -f1-3 /proc/loadavg)"
OTHERS="$( { pgrep -c -f 'maven|surefire|failsafe|docker-registry|berth.jar' || true; } )"
# Builds and tests of other sessions on this machine (the patterns of the project's e2e fixtures
# included) while the benchmark runs; a sampler below records when it sees any.
FOREIGN='plexus-classworlds|surefire|failsafe|junit-|berth-registry-|berth-skopeo-'
[[ $OTHERS == 0 ]] || log "warning: $OTHERS other java/maven/registry processes are running; figures will be noisy"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/berth-e2e.XXXXXX")"
PIDS=()          # every daemon this script started; the EXIT trap stops those still alive
NGINX_WORKERS=() # nginx's worker processes (children of its master, which is in PIDS)
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
  # A worker outlives its master only if the master was killed hard; stop it by PID, and only
  # while that PID is still an nginx worker.
  for pid in "${NGINX_WORKERS[@]}"; do
    if grep -q -a 'nginx: worker' "/proc/$pid/cmdline" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  if [[ $KEEP == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
log "work directory $WORK"
# Run a copy: a build during the run (mvn package rewrites the jar) must not change what is measured.
# A jar caught while a build rewrites it does not start: copy again (at most 12 times, 5 s apart).
JAR_SOURCE="$JAR"
for attempt in $(seq 1 12); do
  JAR_MTIME="$(date -u -r "$JAR_SOURCE" '+%Y-%m-%d %H:%M UTC')"
  cp "$JAR_SOURCE" "$WORK/berth.jar"
  if timeout 60 java -jar "$WORK/berth.jar" serve --version >/dev/null 2>&1; then break; fi
  [[ $attempt -lt 12 ]] || die "$JAR_SOURCE does not start ('java -jar $JAR_SOURCE serve --version' fails); rebuild it"
  log "the copy of $JAR_SOURCE does not start (a build rewriting it?); copying again in 5 s"
  sleep 5
done
JAR="$WORK/berth.jar"
# What the launcher (./berth) does after a build: record the classes a start and a pull load into
# a class-data archive with a warm-up run, and start every berth with it (about half the time to
# ready, a third off a fresh process's first pull).
BERTH_CDS_OPTS=""
# shellcheck disable=SC2086
if java ${BERTH_JAVA_OPTS-$BERTH_DEFAULT_OPTS} -XX:ArchiveClassesAtExit="$WORK/berth.jsa" \
    -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$JAR" serve --listen 127.0.0.1:0 \
    --admin 127.0.0.1:0 --data "$WORK/cds-data" --warm-up-run >"$WORK/cds.log" 2>&1 \
    && [[ -f "$WORK/berth.jsa" ]]; then
  BERTH_CDS_OPTS="-XX:SharedArchiveFile=$WORK/berth.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
else
  problem "recording berth's class-data archive failed (see cds.log); berth runs without it"
fi
rm -rf "$WORK/cds-data"

# phase NAME: logs it and tells the sampler which phase is running.
phase() { log "$1"; echo "${1%% *}" >"$WORK/phase"; }
echo "0/$NPHASES" >"$WORK/phase"
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

# hwm PID: peak resident set size (VmHWM) of PID in KiB, or 0.
hwm() { awk '/^VmHWM/ { print $2; f = 1 } END { if (!f) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# cpu_ticks PID: user + system CPU clock ticks of PID and its direct children (nginx's workers).
# Fields 14 and 15 of /proc/PID/stat, counted after the ")" that ends the command name.
cpu_ticks() {
  local total=0 p t
  for p in "$1" $(pgrep -P "$1" || true); do
    t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }' || true)
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

# stop_pid PID [NAME]: SIGTERM, SIGKILL after 10 s, reap. Records its peak RSS (VmHWM) first.
stop_pid() {
  local pid=$1 name=${2:-$1}
  if [[ -r /proc/$pid/status ]]; then echo "$name $(hwm "$pid")" >>"$WORK/peak-rss.txt"; fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# await_http URL PID WHAT LOG: waits up to 60 s for URL to answer 200 while PID lives.
await_http() {
  local url=$1 pid=$2 what=$3
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || die "$what exited during start-up (log: $4)"
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" || true)" == 200 ]]; then return 0; fi
    sleep 0.1
  done
  die "$what did not answer $url within 60 s (log: $4)"
}

# await_ready URL PID WHAT LOG START: polls URL every 30 ms (at most 60 s) until it answers 200;
# appends "WHAT SECONDS" (since START, taken just before the process was started) to ready.txt.
await_ready() {
  local url=$1 pid=$2 what=$3 logf=$4 start=$5 t
  for _ in $(seq 1 2000); do
    kill -0 "$pid" 2>/dev/null || die "$what exited during start-up (log: $logf)"
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)" == 200 ]]; then
      t=$(sub "$(now)" "$start")
      echo "$what $t" >>"$WORK/ready.txt"
      return 0
    fi
    sleep 0.03
  done
  die "$what did not answer $url within 60 s (log: $logf)"
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
# TARGET_LOG, TARGET_DATA. Records the time from start to /readyz 200 in ready.txt.
# POLICY "rates": the upstream twice, as inp.bench (if-not-present, the default) and as
# always.bench (always), chosen per request with ?ns= as containerd does: one process (one JVM
# start, one warm-up) serves the rate rows of both policies.
start_berth() {
  local policy=$1 ports dir s
  INSTANCE=$((INSTANCE + 1))
  dir="$WORK/berth-$INSTANCE"; mkdir -p "$dir"
  read -r -a ports <<<"$(free_ports 2)"
  # tenancy open: a single-tenant loopback benchmark (under the default verify, GET /v2/ answers
  # 401 to clients without credentials, and each repository costs one cached access check).
  if [[ $policy == rates ]]; then
    cat >"$dir/config.yaml" <<EOF
tenancy: open
upstreams:
  - name: inp.bench
    url: http://$UP
    default: true
    policy: if-not-present
  - name: always.bench
    url: http://$UP
    policy: always
EOF
  else
    cat >"$dir/config.yaml" <<EOF
tenancy: open
upstreams:
  - name: $UP
    url: http://$UP
    default: true
    policy: $policy
EOF
  fi
  s=$(now)
  # shellcheck disable=SC2086
  # No per-request log, like the peer (access log off) and nginx (failures only).
  java ${BERTH_JAVA_OPTS-$BERTH_DEFAULT_OPTS} $BERTH_CDS_OPTS -Dberth.access-log=OFF -jar "$JAR" serve --listen "127.0.0.1:${ports[0]}" \
    --admin "127.0.0.1:${ports[1]}" --data "$dir/data" --config "$dir/config.yaml" \
    >"$dir/berth.log" 2>&1 &
  TARGET_PID=$!; PIDS+=("$TARGET_PID")
  TARGET="127.0.0.1:${ports[0]}"; TARGET_ADMIN="127.0.0.1:${ports[1]}"; TARGET_LOG="$dir/berth.log"; TARGET_DATA="$dir/data"
  await_ready "http://$TARGET_ADMIN/readyz" "$TARGET_PID" berth "$TARGET_LOG" "$s"
  await_http "http://$TARGET/v2/" "$TARGET_PID" "berth ($policy)" "$TARGET_LOG"
  echo "$TARGET_LOG" >>"$WORK/berth-logs.txt"
}

# start_peer: docker-registry proxying the upstream, fresh storage; access log off (as berth).
# Records the time from start to GET /v2/ 200 in ready.txt.
start_peer() {
  local port dir s
  INSTANCE=$((INSTANCE + 1))
  dir="$WORK/peer-$INSTANCE"; mkdir -p "$dir"
  port="$(free_ports 1)"
  registry_config "$dir/config.yml" "$port" "$dir/storage" false "http://$UP"
  s=$(now)
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  TARGET_PID=$!; PIDS+=("$TARGET_PID")
  TARGET="127.0.0.1:$port"; TARGET_ADMIN=""; TARGET_LOG="$dir/registry.log"; TARGET_DATA="$dir/storage"
  await_ready "http://$TARGET/v2/" "$TARGET_PID" peer "$TARGET_LOG" "$s"
  echo "$TARGET_LOG" >>"$WORK/peer-logs.txt"
}

# start_target berth|peer [POLICY]. Flushes dirty pages first, so that earlier writes (pushes, the
# previous cache) are not written back in the middle of the next measurement.
start_target() { sync; if [[ $1 == berth ]]; then start_berth "${2:-$POLICY}"; else start_peer; fi; }
# stop_target NAME: stops the current target and deletes its cache (its log stays).
stop_target() { stop_pid "$TARGET_PID" "$1"; rm -rf "$TARGET_DATA"; }

SYNC=0
# up_mark: makes sure every request the upstream answered so far is in its access log (it writes
# the line just after the response), then prints the log's line count.
up_mark() {
  SYNC=$((SYNC + 1))
  local marker="bench-sync=$SYNC-$$"
  curl -s -o /dev/null --max-time 5 "http://$UP/v2/?$marker" || true
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

# up_pull FROM_LINE: what the upstream served after FROM_LINE, the benchmark's own sync requests
# left out: "<requests> <response bytes> <blob GETs> <distinct blobs> <most GETs of one blob>".
up_pull() {
  tail -n +"$(($1 + 1))" "$UPLOG" | awk -F'"' '
    $2 ~ /^[A-Z]+ \/v2\// && $2 !~ /bench-sync=/ {
      split($2, r, " "); split($3, s, " "); n++; if (s[2] != "-") b += s[2]
      if (r[1] == "GET" && r[2] ~ /\/blobs\/sha256:/) { g++; c[r[2]]++ } }
    END { for (k in c) { d++; if (c[k] > m) m = c[k] }
          printf "%.0f %.0f %.0f %.0f %.0f\n", n, b, g, d, m }'
}

# pull TARGET REPO [SKOPEO_FLAG...]: skopeo copy to an OCI layout under $WORK (at most 300 s),
# deleted afterwards; prints seconds, or NaN on failure.
pull() {
  local hp=$1 repo=$2 dest="$WORK/pulled" s e
  shift 2
  rm -rf "$dest"
  s=$(now)
  if ! timeout 300 skopeo copy -q "$@" --src-tls-verify=false "docker://$hp/$repo:$TAG" "oci:$dest:$TAG" \
      >"$WORK/skopeo.out" 2>&1; then
    problem "skopeo copy $* docker://$hp/$repo:$TAG failed: $(tail -c 400 "$WORK/skopeo.out")"
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
      p = v[int(0.9 * (NR - 1) + 1.5)]; if (p == "") p = v[NR]
      if (NR == 1) printf "%.2f", m; else printf "%.2f (min %.2f, p90 %.2f, max %.2f)", m, v[1], p, v[NR] }'
}
# spread VALUES...: the slowest over the median (issue 14: cold rows at most 1.25).
spread() { local m; m=$(median "$@"); rnum "$(maxof "$@")" "$m"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maxof() { printf '%s\n' "$@" | sort -g | tail -1; }
# ratio A B: "A/B×" for the tables; rnum A B: the bare number (empty when it cannot be computed).
rnum() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "NaN" || b == "NaN" || b + 0 == 0) print ""; else printf "%.2f", a / b }'; }
ratio() { local r; r=$(rnum "$1" "$2"); if [[ -n $r ]]; then echo "${r}×"; else echo "—"; fi; }
mib() { awk -v b="$1" 'BEGIN { if (b == "") print "?"; else printf "%.0f", b / 1048576 }'; }
mbs() { awk -v b="$1" -v t="$2" 'BEGIN { if (t + 0 > 0) printf "%.0f", b / t / 1e6; else print "" }'; }

metric() { curl -s --max-time 5 "http://$1/metrics" | awk -v n="$2" '$1 == n { printf "%.0f", $2; f = 1 } END { if (!f) printf "?" }'; }

declare -A R   # results: R[<side>.<measure>]; read with r KEY (empty when never measured)
r() { echo "${R[$1]:-}"; }

# ---------------------------------------------------------------- 1. images, upstream, nginx

phase "1/$NPHASES generating test images (large: one $LARGE_SIZE layer; many: $MANY_LAYERS × $MANY_SIZE; multi: $PLATFORMS × ${MULTI_SIZES[*]})"
python3 "$HERE/mkimage.py" "$WORK/img-large" "$TAG" "$LARGE_SIZE" >"$WORK/img-large.txt"
python3 "$HERE/mkimage.py" "$WORK/img-many" "$TAG" "${MANY_LAYERS}x$MANY_SIZE" >"$WORK/img-many.txt"
python3 "$HERE/mkimage.py" "$WORK/img-multi" "$TAG" --platforms "$PLATFORMS" "${MULTI_SIZES[@]}" >"$WORK/img-multi.txt"
LARGE_BLOB=$(awk '$1 == "layer" { print $2; exit }' "$WORK/img-large.txt")
LARGE_BYTES=$(awk '$1 == "layer" { print $3; exit }' "$WORK/img-large.txt")
LARGE_MANIFEST=$(awk '$1 == "manifest" { print $2 }' "$WORK/img-large.txt")
declare -A IMG_BYTES IMG_BLOBS   # layer bytes, and blobs (layers + configs) per image
for img in large many multi; do
  IMG_BYTES[$img]=$(awk '$1 == "layer" { s += $3 } END { printf "%.0f", s }' "$WORK/img-$img.txt")
  IMG_BLOBS[$img]=$(awk '$1 == "layer" || $1 == "manifest" { n++ } END { print n }' "$WORK/img-$img.txt")
done
log "large layer $LARGE_BLOB ($LARGE_BYTES bytes), manifest $LARGE_MANIFEST"

UP_PORT="$(free_ports 1)"; UP="127.0.0.1:$UP_PORT"; UPLOG="$WORK/upstream/access.log"
mkdir -p "$WORK/upstream"
registry_config "$WORK/upstream/config.yml" "$UP_PORT" "$WORK/upstream/storage" true
docker-registry serve "$WORK/upstream/config.yml" >"$UPLOG" 2>&1 &
UP_PID=$!; PIDS+=("$UP_PID")
await_http "http://$UP/v2/" "$UP_PID" "upstream docker-registry" "$UPLOG"
log "upstream docker-registry on $UP; pushing with skopeo"
timeout 600 skopeo copy -q --dest-tls-verify=false "oci:$WORK/img-large:$TAG" "docker://$UP/$LARGE_REPO:$TAG"
timeout 600 skopeo copy -q --dest-tls-verify=false "oci:$WORK/img-many:$TAG" "docker://$UP/$MANY_REPO:$TAG"
timeout 600 skopeo copy -q --all --dest-tls-verify=false "oci:$WORK/img-multi:$TAG" "docker://$UP/$MULTI_REPO:$TAG"
for repo in "$LARGE_REPO" "$MANY_REPO" "$MULTI_REPO"; do
  got=$(curl -s -o /dev/null -w '%{http_code}' -I -H "Accept: $ACCEPT" "http://$UP/v2/$repo/manifests/$TAG")
  [[ $got == 200 ]] || die "upstream does not serve $repo:$TAG after the push (HTTP $got)"
done

# nginx: the large layer and its manifest (by tag and by digest) as static files under the
# registry API's paths, so that the same curl/ab/wrk command lines hit it.
NG="$WORK/nginx"
mkdir -p "$NG/www/v2/$LARGE_REPO/blobs" "$NG/www/v2/$LARGE_REPO/manifests" "$NG/tmp"
mv "$WORK/img-large/blobs/sha256/${LARGE_BLOB#sha256:}" "$NG/www/v2/$LARGE_REPO/blobs/$LARGE_BLOB"
rm -rf "$WORK/img-large" "$WORK/img-many" "$WORK/img-multi"
curl -s -f -H "Accept: $ACCEPT" -o "$NG/www/v2/$LARGE_REPO/manifests/$TAG" "http://$UP/v2/$LARGE_REPO/manifests/$TAG" \
  || die "could not GET $LARGE_REPO:$TAG's manifest from the upstream"
got="sha256:$(sha256sum "$NG/www/v2/$LARGE_REPO/manifests/$TAG" | awk '{ print $1 }')"
[[ $got == "$LARGE_MANIFEST" ]] || die "the upstream's manifest of $LARGE_REPO:$TAG hashes to $got, not $LARGE_MANIFEST"
cp "$NG/www/v2/$LARGE_REPO/manifests/$TAG" "$NG/www/v2/$LARGE_REPO/manifests/$LARGE_MANIFEST"
MANIFEST_TYPE=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["mediaType"])' "$NG/www/v2/$LARGE_REPO/manifests/$TAG")
# nginx's workers run as nobody when it is started as root: they must be able to reach the files.
chmod 711 "$WORK"; chmod -R a+rX "$NG"
NG_PORT="$(free_ports 1)"; NGINX_HP="127.0.0.1:$NG_PORT"
# worker_processes auto (= the number of cores): berth (Vert.x event loops) and the peer (Go) use
# every core, so the static-file reference may too; 1 would cap "the local limit" at one core.
# sendfile/tcp_nopush as Debian's stock nginx.conf; the access log takes only failed requests
# (berth and the peer write no per-request log either).
cat >"$NG/nginx.conf" <<EOF
worker_processes auto;
daemon off;
master_process on;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 1024; }
http {
  types { }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 10000000;
  keepalive_timeout 65;
  server_tokens off;
  client_body_temp_path $NG/tmp/client_body;
  proxy_temp_path $NG/tmp/proxy;
  fastcgi_temp_path $NG/tmp/fastcgi;
  uwsgi_temp_path $NG/tmp/uwsgi;
  scgi_temp_path $NG/tmp/scgi;
  map \$status \$failed { ~^[23] 0; default 1; }
  access_log $NG/access.log combined if=\$failed;
  server {
    listen 127.0.0.1:$NG_PORT;
    root $NG/www;
    location / { return 404; }
    location = /v2/ { default_type application/json; return 200 '{}'; }
    location = /v2/$LARGE_REPO/blobs/$LARGE_BLOB {
      add_header Docker-Content-Digest $LARGE_BLOB;
    }
    location = /v2/$LARGE_REPO/manifests/$TAG {
      default_type $MANIFEST_TYPE;
      add_header Docker-Content-Digest $LARGE_MANIFEST;
    }
    location = /v2/$LARGE_REPO/manifests/$LARGE_MANIFEST {
      default_type $MANIFEST_TYPE;
      add_header Docker-Content-Digest $LARGE_MANIFEST;
    }
  }
}
EOF
"$NGINX" -p "$NG" -c "$NG/nginx.conf" -e "$NG/error.log" >"$NG/stdout.log" 2>&1 &
NGINX_PID=$!; PIDS+=("$NGINX_PID")
await_http "http://$NGINX_HP/v2/" "$NGINX_PID" nginx "$NG/error.log"
for p in $(pgrep -P "$NGINX_PID" || true); do NGINX_WORKERS+=("$p"); done
read -r code size ctype <<<"$(curl -s -o /dev/null -w '%{http_code} %{size_download} %{content_type}' -H "Accept: $ACCEPT" "http://$NGINX_HP/v2/$LARGE_REPO/manifests/$TAG")"
[[ $code == 200 && $ctype == "$MANIFEST_TYPE" ]] || die "nginx answers the manifest with HTTP $code, Content-Type '$ctype' (log: $NG/error.log)"
read -r code size <<<"$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://$NGINX_HP/v2/$LARGE_REPO/blobs/$LARGE_BLOB")"
[[ $code == 200 && $size == "$LARGE_BYTES" ]] || die "nginx answers the blob with HTTP $code and $size bytes (log: $NG/error.log)"
log "nginx on $NGINX_HP (pid $NGINX_PID, workers ${NGINX_WORKERS[*]})"

BLOB_RE="^/v2/$LARGE_REPO/blobs/$LARGE_BLOB\$"
repo_of() { case $1 in large) echo "$LARGE_REPO" ;; many) echo "$MANY_REPO" ;; multi) echo "$MULTI_REPO" ;; esac; }
flags_of() { if [[ $1 == multi ]]; then echo --all; fi; }

# ---------------------------------------------------------------- 2. cold and warm pulls

phase "2/$NPHASES cold and warm skopeo pulls, $REPS repetition(s), fresh cache per repetition (berth policy $POLICY), and direct pulls from the upstream"
for rep in $(seq 1 "$REPS"); do
  for side in berth peer direct; do
    # Every side starts with no dirty pages of the one before (the images just pushed, the previous
    # side's cache): the write-back of 256 MiB landed on whichever side came first and made berth's
    # first repetition 2.5 s against 1.7 s for the other nine.
    sync
    if [[ $side == direct ]]; then hp=$UP; else start_target "$side"; hp=$TARGET; fi
    line="  rep $rep $side:"
    # The multi-arch image first: it warms the code paths (a fresh JVM for berth) with other
    # blobs, so that the large pull below is a cold cache, not a cold process.
    for img in multi many large; do
      repo=$(repo_of "$img")
      mark=$(up_mark)
      # shellcheck disable=SC2046
      c=$(pull "$hp" "$repo" $(flags_of "$img"))
      up_mark >/dev/null
      read -r n b g d m <<<"$(up_pull "$mark")"
      R[$side.cold_$img]+="$c "; R[$side.cold_req_$img]+="$n "; R[$side.cold_bytes_$img]+="$b "
      R[$side.cold_gets_$img]+="$g "; R[$side.cold_maxper_$img]+="$m "; R[$side.cold_distinct_$img]+="$d "
      line+=" $img cold ${c}s (upstream $n req, $(mib "$b") MiB, $g blob GETs of $d blobs)"
      if [[ $side != direct ]]; then
        mark=$(up_mark)
        # shellcheck disable=SC2046
        w=$(pull "$hp" "$repo" $(flags_of "$img"))
        up_mark >/dev/null
        # A warm pull may still reach the upstream (the peer's cache write finishes in the background).
        read -r n b g d m <<<"$(up_pull "$mark")"
        R[$side.warm_$img]+="$w "; R[$side.warm_gets_$img]+="$g "; R[$side.warm_req_$img]+="$n "
        line+=", warm ${w}s ($g blob GETs);"
      fi
    done
    [[ $side == direct ]] || stop_target "$side"
    log "$line"
  done
done

# warm_blob SIDE PID URL: WARM_LOOPS parallel curl processes, each WARM_ITERS GETs of the cached
# large layer (one sha256-checked GET first). Sets R[SIDE.warm_mbs] (1 MB = 10^6 B) and
# R[SIDE.warm_cpu_gb]: the server's user+system CPU seconds per GB (10^9 B) served meanwhile.
warm_blob() {
  local side=$1 pid=$2 url=$3 mark digest gets args cpids s e c0 c1 total okcount
  mark=$(up_mark)
  digest=$(curl -s --max-time 300 "$url" | sha256sum | awk '{ print "sha256:" $1 }')
  [[ $digest == "$LARGE_BLOB" ]] || problem "$side: GET of the cached layer hashed to $digest, expected $LARGE_BLOB"
  up_mark >/dev/null
  read -r gets _ <<<"$(up_count "$mark" GET "$BLOB_RE")"
  R[$side.after_conc_gets]=$gets
  mark=$(up_mark)
  args=(); for _ in $(seq 1 "$WARM_ITERS"); do args+=(-o /dev/null "$url"); done
  cpids=()
  c0=$(cpu_ticks "$pid")
  s=$(now)
  for i in $(seq 1 "$WARM_LOOPS"); do
    curl -s --max-time 300 -w '%{http_code} %{size_download}\n' "${args[@]}" >"$WORK/warm-$side-$i.out" 2>&1 &
    cpids+=("$!")
  done
  for p in "${cpids[@]}"; do wait "$p" || problem "$side: a warm GET loop failed"; done
  e=$(now)
  c1=$(cpu_ticks "$pid")
  total=$(cat "$WORK"/warm-"$side"-*.out | awk '$1 == 200 { b += $2 } END { printf "%.0f", b }')
  okcount=$(cat "$WORK"/warm-"$side"-*.out | awk -v want="$LARGE_BYTES" '$1 == 200 && $2 == want { n++ } END { printf "%.0f", n }')
  [[ $okcount == $((WARM_LOOPS * WARM_ITERS)) ]] || problem "$side: only $okcount of $((WARM_LOOPS * WARM_ITERS)) warm GETs were complete 200s"
  R[$side.warm_wall]=$(sub "$e" "$s")
  R[$side.warm_bytes]=$total
  R[$side.warm_mbs]=$(mbs "$total" "${R[$side.warm_wall]}")
  R[$side.warm_cpu]=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
  R[$side.warm_cpu_gb]=$(awk -v c="${R[$side.warm_cpu]}" -v b="$total" 'BEGIN { if (b > 0) printf "%.3f", c / (b / 1e9) }')
  up_mark >/dev/null
  read -r gets _ <<<"$(up_count "$mark" GET "$BLOB_RE")"
  R[$side.warm_gets]=$gets
  log "  $side warm: $((WARM_LOOPS * WARM_ITERS)) GETs, $total bytes in ${R[$side.warm_wall]}s = ${R[$side.warm_mbs]} MB/s; server CPU ${R[$side.warm_cpu]}s = ${R[$side.warm_cpu_gb]} s/GB (upstream layer GETs $gets)"
}

# ---------------------------------------------------------------- 3. cold blob GETs: 1, 8, 32 at once

phase "3/$NPHASES one cold GET, then ${CONC_LEVELS[*]} concurrent cold GETs of the large layer (fresh process each); berth's peak RSS"
declare -A BERTH_METRICS
for side in berth peer; do
  # One client, one cold GET: the proxy's cold path without skopeo's digest and disk work.
  start_target "$side"
  url="http://$TARGET/v2/$LARGE_REPO/blobs/$LARGE_BLOB"
  curl -s -o /dev/null --max-time 10 "http://$TARGET/v2/$MULTI_REPO/manifests/$TAG" -H "Accept: $ACCEPT"  # warm the process
  mark=$(up_mark)
  s=$(now)
  read -r code size <<<"$(curl -s -o /dev/null -w '%{http_code} %{size_download}' --max-time 300 "$url" || true)"
  e=$(now)
  R[$side.one_cold]=$(sub "$e" "$s")
  up_mark >/dev/null
  read -r gets _ <<<"$(up_count "$mark" GET "$BLOB_RE")"
  R[$side.one_gets]=$gets
  [[ "${code:-}" == 200 && "${size:-}" == "$LARGE_BYTES" ]] || problem "$side: single cold GET got HTTP ${code:-?} with ${size:-?} of $LARGE_BYTES bytes"
  stop_target "$side-one"
  log "  $side: one cold GET ${R[$side.one_cold]}s (upstream GETs $gets)"

  for n in "${CONC_LEVELS[@]}"; do
    start_target "$side"
    url="http://$TARGET/v2/$LARGE_REPO/blobs/$LARGE_BLOB"
    curl -s -o /dev/null --max-time 10 "http://$TARGET/v2/$MULTI_REPO/manifests/$TAG" -H "Accept: $ACCEPT"
    mark=$(up_mark)
    cpids=()
    s=$(now)
    for i in $(seq 1 "$n"); do
      curl -s -o /dev/null -w '%{http_code} %{size_download}\n' --max-time 300 "$url" \
        >"$WORK/conc-$side-$n-$i.out" 2>&1 &
      cpids+=("$!")
    done
    for p in "${cpids[@]}"; do wait "$p" || true; done  # judged by the outputs below
    e=$(now)
    R[$side.conc${n}_rss]=$(hwm "$TARGET_PID")   # the peak RSS of a fresh process under this load
    bad=0
    R[$side.conc${n}_wall]=$(sub "$e" "$s")
    for i in $(seq 1 "$n"); do
      read -r code size <"$WORK/conc-$side-$n-$i.out" || true
      if [[ "${code:-}" != 200 || "${size:-}" != "$LARGE_BYTES" ]]; then
        bad=$((bad + 1)); problem "$side: concurrent GET $i of $n got HTTP ${code:-?} with ${size:-?} of $LARGE_BYTES bytes"
      fi
    done
    R[$side.conc${n}_bad]=$bad
    up_mark >/dev/null  # every request answered so far is in the log now
    read -r gets bytes <<<"$(up_count "$mark" GET "$BLOB_RE")"
    R[$side.conc${n}_gets]=$gets; R[$side.conc${n}_bytes]=$bytes
    log "  $side: $n concurrent: ${R[$side.conc${n}_wall]}s wall, upstream $gets GETs / $(mib "$bytes") MiB of the layer, $bad failed, peak RSS $((R[$side.conc${n}_rss] / 1024)) MiB"
    [[ $n == "${CONC_LEVELS[-1]}" ]] || stop_target "$side-conc$n"
  done
  # The cache may still be writing (the peer stores in the background): wait for a quiet upstream.
  sleep 1

  warm_blob "$side" "$TARGET_PID" "$url"
  if [[ $side == berth ]]; then
    for m in berth_upstream_downloads_total berth_coalesced_requests_total; do
      BERTH_METRICS[$m]=$(metric "$TARGET_ADMIN" "$m")
    done
    BERTH_METRICS[served_cache]=$(metric "$TARGET_ADMIN" 'berth_served_bytes_total{source="cache"}')
    BERTH_METRICS[served_upstream]=$(metric "$TARGET_ADMIN" 'berth_served_bytes_total{source="upstream"}')
  fi
  stop_target "$side-blob"
done

# Eight clients GETting the layer straight from the upstream at once: what a node without a proxy
# does (issue 14: berth's 8-way cold time at most 1.1x this).
cpids=()
s=$(now)
for i in $(seq 1 8); do
  curl -s -o /dev/null -w '%{http_code} %{size_download}\n' --max-time 300 "http://$UP/v2/$LARGE_REPO/blobs/$LARGE_BLOB" \
    >"$WORK/conc-direct-8-$i.out" 2>&1 &
  cpids+=("$!")
done
for p in "${cpids[@]}"; do wait "$p" || true; done
e=$(now)
R[direct.conc8_wall]=$(sub "$e" "$s")
log "  direct: 8 concurrent GETs from the upstream ${R[direct.conc8_wall]}s"

# Ten fresh berth processes, one cold GET of a 256 MiB blob each (issue 14): the slowest must stay
# within 1.25x the median; on AVX-512 CPUs without the launcher's -XX:UseAVX=2 it did not.
log "fresh-process cold GETs: 10 berth processes, one cold 256 MiB GET each"
if ! RUNS=10 SIZE_MIB=256 CHECK=0 LIMIT=1.25 BERTH_JAVA_OPTS="${BERTH_JAVA_OPTS-$BERTH_DEFAULT_OPTS}" \
    "$HERE/cold-blob.sh" "$JAR" >"$WORK/cold-blob.txt" 2>&1; then
  problem "cold-blob: $(tail -1 "$WORK/cold-blob.txt")"
fi
R[berth.fresh_cold]=$(awk '/ min / && /median/ && !/^direct/' "$WORK/cold-blob.txt" | tail -1 | sed 's/^[^ ]* *//')
phase "4/$NPHASES warm blob GETs from nginx (static file, sendfile)"
warm_blob nginx "$NGINX_PID" "http://$NGINX_HP/v2/$LARGE_REPO/blobs/$LARGE_BLOB"

# ---------------------------------------------------------------- 5. HEAD / GET manifest rates

# HEAD: ab (wrk 4.1 cannot do HEAD: its parser waits for a Content-Length body that a HEAD
# response never carries). GET: wrk, a multi-threaded HTTP/1.1 client. Both send the OCI and
# Docker manifest Accept types; each run is bounded by time (-t / -d, plus timeout) and ab also by
# count (-n).
cat >"$WORK/get.lua" <<EOF2
wrk.method = "GET"
wrk.headers["Accept"] = "$ACCEPT"
EOF2
mkdir -p "$WORK/rates"
declare -A RATE UPREQ   # RATE[name.METHOD.ref.conns] = req/s; UPREQ[...] = "<up HEAD> <up GET> <client requests>"

# rate_run OUT METHOD URL CONNS SECS: one bounded load run; sets RUN_RATE and RUN_N.
rate_run() {
  local out=$1 method=$2 url=$3 c=$4 secs=$5 threads failed non2xx
  RUN_RATE=""; RUN_N=""
  if [[ $method == HEAD ]]; then
    timeout $((secs + 60)) ab -q -k -i -c "$c" -t "$secs" -n "$AB_CAP" -H "Accept: $ACCEPT" "$url" >"$out" 2>&1 \
      || problem "$(basename "$out" .txt): ab failed: $(tail -3 "$out" | tr '\n' ' ')"
    RUN_RATE=$(awk '/^Requests per second/ { printf "%.0f", $4 }' "$out")
    RUN_N=$(awk '/^Complete requests/ { print $3 }' "$out")
    failed=$(awk '/^Failed requests/ { print $3 }' "$out"); non2xx=$(awk '/^Non-2xx responses/ { print $3 }' "$out")
    [[ "${failed:-0}" == 0 && -z "${non2xx:-}" ]] || problem "$(basename "$out" .txt): ${failed:-?} failed and ${non2xx:-0} non-2xx of ${RUN_N:-?} HEADs"
  else
    threads=2; [[ $c -ge 2 ]] || threads=1
    timeout $((secs + 60)) wrk -t"$threads" -c"$c" -d"${secs}s" -s "$WORK/get.lua" "$url" >"$out" 2>&1 \
      || problem "$(basename "$out" .txt): wrk failed: $(tail -3 "$out" | tr '\n' ' ')"
    RUN_RATE=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$out")
    RUN_N=$(awk '/requests in/ { print $1 }' "$out")
    if grep -q -E 'Non-2xx|Socket errors' "$out"; then problem "$(basename "$out" .txt): $(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ')"; fi
  fi
}

# rates NAME HOSTPORT WARMUP REFS...: primes the target (the proxies cache the manifest), warms
# it up unmeasured for WARMUP s of ab HEAD and WARMUP s of wrk GET (berth's JIT needs more than a
# few seconds of this load to reach its steady rate), then measures HEAD and GET by each REF (tag,
# digest) at each of CONNS connections. For the proxies it also counts the upstream's manifest
# HEADs and GETs during each run.
rates() {
  local name=$1 hp=$2 warm=$3 ref url key mark u_head u_get c method
  shift 3
  local q=""
  case $name in berth-inp) q="?ns=inp.bench" ;; berth-always) q="?ns=always.bench" ;; esac
  declare -A urls=([tag]="http://$hp/v2/$LARGE_REPO/manifests/$TAG$q" [digest]="http://$hp/v2/$LARGE_REPO/manifests/$LARGE_MANIFEST$q")
  for ref in "$@"; do curl -s -o /dev/null --max-time 10 -H "Accept: $ACCEPT" "${urls[$ref]}"; done
  if [[ $warm -gt 0 ]]; then
    rate_run "$WORK/rates/warmup-$name-HEAD.txt" HEAD "${urls[$1]}" 8 "$warm"; RATE[$name.warmup]=$RUN_RATE
    rate_run "$WORK/rates/warmup-$name-GET.txt" GET "${urls[${!#}]}" 8 "$warm"
  fi
  for c in "${CONNS[@]}"; do
    for ref in "$@"; do
      for method in HEAD GET; do
        key="$name.$method.$ref.$c"
        [[ $name == upstream || $name == nginx ]] || mark=$(up_mark)
        rate_run "$WORK/rates/$name-$method-$ref-c$c.txt" "$method" "${urls[$ref]}" "$c" "$LOAD_SECS"
        RATE[$key]=$RUN_RATE
        if [[ $name != upstream && $name != nginx ]]; then
          up_mark >/dev/null
          u_head=$(up_count "$mark" HEAD "^/v2/$LARGE_REPO/manifests/" | awk '{ print $1 }')
          u_get=$(up_count "$mark" GET "^/v2/$LARGE_REPO/manifests/" | awk '{ print $1 }')
          UPREQ[$key]="$u_head $u_get ${RUN_N:-0}"
        fi
      done
    done
  done
  log "  $name: $(for c in "${CONNS[@]}"; do for ref in "$@"; do printf '%s %s c%s %s/%s; ' "$ref" HEAD/GET "$c" "${RATE[$name.HEAD.$ref.$c]:-?}" "${RATE[$name.GET.$ref.$c]:-?}"; done; done)"
}

phase "5/$NPHASES manifest rates by tag and digest at ${CONNS[*]} connections (ab -k -i HEAD, wrk GET, ${LOAD_SECS}s each; berth warmed up ${WARMUP_SECS}s + ${WARMUP_SECS}s first)"
rates upstream "$UP" "$OTHER_WARMUP_SECS" tag digest
rates nginx "$NGINX_HP" "$OTHER_WARMUP_SECS" tag digest
sync; start_berth rates
rates berth-inp "$TARGET" "$WARMUP_SECS" tag digest
# Same process: the serving path is warm already; the always path gets its own, shorter warm-up.
rates berth-always "$TARGET" "$(( (WARMUP_SECS + 1) / 2 ))" tag
stop_target berth-rates
sync; start_peer
rates peer "$TARGET" "$OTHER_WARMUP_SECS" tag digest
stop_target peer-rate

# ---------------------------------------------------------------- 6. report

phase "6/$NPHASES stopping the upstream and nginx, writing the report"
stop_pid "$NGINX_PID" nginx
stop_pid "$UP_PID" upstream
[[ ! -s $NG/access.log ]] || problem "nginx logged $(wc -l <"$NG/access.log") failed requests, e.g. $(head -1 "$NG/access.log")"

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
ready_of() { awk -v w="$1" '$1 == w { print $2 }' "$WORK/ready.txt"; }
uplist() { local a=($1); echo "${a[0]} HEAD + ${a[1]} GET for ${a[2]} requests"; }
per() { local a=($1); awk -v u=$((a[0] + a[1])) -v n="${a[2]}" 'BEGIN { if (n > 0) printf "%.3f", u / n; else print "?" }'; }
# judge VALUE OP THRESHOLD: met / NOT met (OP is >= <= or ==).
judge() {
  awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
    if (v == "" || v == "NaN") { print "not measured"; exit }
    ok = (op == ">=") ? v + 0 >= t + 0 : (op == "<=") ? v + 0 <= t + 0 : v + 0 == t + 0
    print ok ? "met" : "**NOT met**" }'
}

LARGE_MIB=$(mib "$LARGE_BYTES")
med() { median $(r "$1"); }
for side in berth peer direct; do
  for img in large many multi; do
    R[$side.m_cold_$img]=$(med "$side.cold_$img"); R[$side.m_warm_$img]=$(med "$side.warm_$img")
    R[$side.m_req_$img]=$(med "$side.cold_req_$img"); R[$side.m_bytes_$img]=$(med "$side.cold_bytes_$img")
    R[$side.m_gets_$img]=$(med "$side.cold_gets_$img"); R[$side.m_wgets_$img]=$(med "$side.warm_gets_$img")
    R[$side.max_per_$img]=$(maxof $(r "$side.cold_maxper_$img"))
  done
  R[$side.max_per]=$(maxof "$(r "$side.max_per_large")" "$(r "$side.max_per_many")" "$(r "$side.max_per_multi")")
done
# Did every cold pull through berth fetch every blob exactly once?
every_once=1
for img in large many multi; do
  for g in $(r "berth.cold_gets_$img"); do [[ $g == "${IMG_BLOBS[$img]}" ]] || every_once=0; done
  for m in $(r "berth.cold_maxper_$img"); do [[ $m == 1 ]] || every_once=0; done
done
two() { awk -v v="$1" 'BEGIN { if (v != "") printf "%.2f", v }'; }
BERTH_READY=$(two "$(median $(ready_of berth))"); PEER_READY=$(two "$(median $(ready_of peer))")
BERTH_READY_MAX=$(maxof $(ready_of berth)); BERTH_READY_N=$(ready_of berth | wc -l)
RSS32=$(awk -v k="$(r berth.conc32_rss)" 'BEGIN { if (k != "") printf "%.0f", k / 1024 }')
PEER_RSS32=$(awk -v k="$(r peer.conc32_rss)" 'BEGIN { if (k != "") printf "%.0f", k / 1024 }')

MACHINE="$(nproc) CPUs ($( { lscpu 2>/dev/null || true; } | awk -F: '/Model name/ && !f { gsub(/^ +/, "", $2); print $2; f = 1 }')), $(free -m | awk '/^Mem:/ { printf "%.1f", $2 / 1024 }') GiB RAM, kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")"
# (wrk -v exits 1; every version probe is best effort)
# The jar may hold edits not yet committed: say so (read-only git calls).
DIRTY=$( { git -C "$ROOT" --no-optional-locks status --porcelain -- auth storage proxy-core pom.xml 2>/dev/null || true; } | wc -l)
VERSIONS="berth repo HEAD $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")$([[ $DIRTY == 0 ]] || echo " plus uncommitted changes in $DIRTY source files"), $( { java -version 2>&1 || true; } | awk 'NR == 1 { gsub(/"/, ""); print }'), berth jar ${JAR_SOURCE#"$ROOT/"} built $JAR_MTIME, JVM options '${BERTH_JAVA_OPTS-$BERTH_DEFAULT_OPTS}' plus the launcher's class-data archive$([[ -n $BERTH_CDS_OPTS ]] || echo ' (NOT recorded: see problems)'), $( { docker-registry --version || true; } | awk '{ print "docker-registry " $3 }'), $( { "$NGINX" -v 2>&1 || true; } | awk '{ print $3 }'), $(skopeo --version || true), $( { curl --version || true; } | awk 'NR == 1 { print "curl " $2 }'), $( { ab -V || true; } | awk '/Version/ { print "ab " $5 }'), $( { wrk -v 2>&1 || true; } | awk 'NR == 1 { print "wrk " $2 }'), $( { gnuplot --version 2>/dev/null || echo "no gnuplot"; } | head -1)"

pullrow() {  # pullrow IMG LABEL
  local img=$1 label=$2 b p d
  b=$(r "berth.m_cold_$img"); p=$(r "peer.m_cold_$img"); d=$(r "direct.m_cold_$img")
  echo "| cold pull, $label, s ↓ | $(stats $(r "berth.cold_$img")) | $(stats $(r "peer.cold_$img")) | — | $(stats $(r "direct.cold_$img")) | $(ratio "$b" "$p") | $(ratio "$b" "$d") vs direct | upstream per cold pull (median): berth $(r "berth.m_req_$img") requests, $(mib "$(r "berth.m_bytes_$img")") MiB, $(r "berth.m_gets_$img") blob GETs for ${IMG_BLOBS[$img]} blobs (most GETs of one blob: $(r "berth.max_per_$img")); peer $(r "peer.m_req_$img") requests, $(mib "$(r "peer.m_bytes_$img")") MiB, $(r "peer.m_gets_$img") blob GETs (most of one blob: $(r "peer.max_per_$img")); direct $(r "direct.m_req_$img") requests |"
  b=$(r "berth.m_warm_$img"); p=$(r "peer.m_warm_$img")
  echo "| warm pull, $label, s ↓ | $(stats $(r "berth.warm_$img")) | $(stats $(r "peer.warm_$img")) | — | — | $(ratio "$b" "$p") | — | upstream blob GETs during the warm pull: berth $(r "berth.m_wgets_$img"), peer $(r "peer.m_wgets_$img") |"
}

# ---- targets (also the chart's data: label, value, threshold, met, text)
TARGETS="$WORK/targets.tsv"; : >"$TARGETS"
TROWS=""
target() {  # target LABEL SHORT VALUE OP THRESHOLD SHOWN CHART_VALUE CHART_THRESHOLD
  local res opd; res=$(judge "$3" "$4" "$5")
  case $4 in ">=") opd="≥" ;; "<=") opd="≤" ;; *) opd="=" ;; esac
  TROWS+="| $1 | $6 | $opd $5 | $res |"$'\n'
  printf '"%s %s %s"\t%s\t%s\t%s\t%s\n' "$2" "$opd" "${8:-$5}" "${7:-$3}" "${8:-$5}" "$([[ $res == met ]] && echo 1 || echo 0)" "${3:-?}" >>"$TARGETS"
}
t1=$(rnum "${RATE[berth-inp.HEAD.tag.32]:-}" "${RATE[nginx.HEAD.tag.32]:-}")
t2=$(rnum "${RATE[berth-inp.GET.tag.32]:-}" "${RATE[nginx.GET.tag.32]:-}")
t3=$(rnum "${RATE[berth-always.HEAD.tag.32]:-}" "${RATE[upstream.HEAD.tag.32]:-}")
t4=$(rnum "${RATE[berth-always.HEAD.tag.32]:-}" "${RATE[peer.HEAD.tag.32]:-}")
t5=$(rnum "$(r berth.warm_mbs)" "$(r nginx.warm_mbs)")
t6=$(rnum "$(r berth.warm_cpu_gb)" "$(r nginx.warm_cpu_gb)")
t8=$(rnum "$(r berth.conc8_wall)" "$(r berth.one_cold)")
t10=$(rnum "$(r berth.conc32_wall)" "$(r berth.one_cold)")
t12=$(rnum "$(r berth.m_cold_large)" "$(r direct.m_cold_large)")
rssr=$(rnum "$RSS32" 512); readyr=$(rnum "$BERTH_READY" 1.5)
target "Cached manifest by tag (\`if-not-present\`), HEAD, 32 connections: berth / nginx static file" "tag HEAD c32 / nginx" "$t1" ">=" 0.5 \
  "${t1:-?}× (${RATE[berth-inp.HEAD.tag.32]:-?} vs ${RATE[nginx.HEAD.tag.32]:-?} req/s)"
target "Cached manifest by tag (\`if-not-present\`), GET, 32 connections: berth / nginx static file" "tag GET c32 / nginx" "$t2" ">=" 0.5 \
  "${t2:-?}× (${RATE[berth-inp.GET.tag.32]:-?} vs ${RATE[nginx.GET.tag.32]:-?} req/s)"
target "\`always\` tag HEAD, 32 connections: berth / the upstream's own direct HEAD rate" "always HEAD c32 / upstream" "$t3" ">=" 1.0 \
  "${t3:-?}× (${RATE[berth-always.HEAD.tag.32]:-?} vs ${RATE[upstream.HEAD.tag.32]:-?} req/s)"
target "\`always\` tag HEAD, 32 connections: berth / peer" "always HEAD c32 / peer" "$t4" ">=" 5 \
  "${t4:-?}× (${RATE[berth-always.HEAD.tag.32]:-?} vs ${RATE[peer.HEAD.tag.32]:-?} req/s)"
target "Warm blob GET throughput ($WARM_LOOPS parallel curl clients): berth / nginx" "warm blob MB/s / nginx" "$t5" ">=" 0.9 \
  "${t5:-?}× ($(r berth.warm_mbs) vs $(r nginx.warm_mbs) MB/s)"
target "Warm blob GET, server CPU seconds per GB served: berth / nginx" "blob CPU s/GB / nginx" "$t6" "<=" 2 \
  "${t6:-?}× ($(r berth.warm_cpu_gb) vs $(r nginx.warm_cpu_gb) s/GB)"
target "8 concurrent cold GETs of the large layer: upstream GETs of the blob" "8-way upstream GETs" "$(r berth.conc8_gets)" "==" 1 \
  "$(r berth.conc8_gets) (peer $(r peer.conc8_gets))"
target "8 concurrent cold GETs: total time / one cold GET" "8-way time / 1 cold" "$t8" "<=" 1.3 \
  "${t8:-?}× ($(r berth.conc8_wall) vs $(r berth.one_cold) s)"
target "32 concurrent cold GETs of the large layer: upstream GETs of the blob" "32-way upstream GETs" "$(r berth.conc32_gets)" "==" 1 \
  "$(r berth.conc32_gets) (peer $(r peer.conc32_gets))"
target "32 concurrent cold GETs: total time / one cold GET" "32-way time / 1 cold" "$t10" "<=" 1.3 \
  "${t10:-?}× ($(r berth.conc32_wall) vs $(r berth.one_cold) s)"
target "A single cold pull fetches each blob once (most upstream GETs of one blob, all cold pulls of the 3 images)" "cold pull GETs per blob" \
  "$([[ $every_once == 1 ]] && echo 1 || r berth.max_per)" "==" 1 \
  "berth $(r berth.max_per)$([[ $every_once == 1 ]] || echo ", not every blob fetched exactly once"); peer $(r peer.max_per)"
target "A single cold pull of the large image: berth / a direct pull from the upstream (skopeo)" "cold pull / direct" "$t12" "<=" 1.1 \
  "${t12:-?}× ($(r berth.m_cold_large) vs $(r direct.m_cold_large) s)"
target "Peak RSS (VmHWM) of a fresh berth under the 32-way cold GETs, MiB" "peak RSS / 512 MiB" "$RSS32" "<=" 512 \
  "${RSS32:-?} MiB (peer $PEER_RSS32 MiB)" "$rssr" 1
target "Start to ready (\`/readyz\` 200), s, median of $BERTH_READY_N starts" "ready / 1.5 s" "$BERTH_READY" "<=" 1.5 \
  "${BERTH_READY:-?} (max $BERTH_READY_MAX; peer $PEER_READY)" "$readyr" 1

# Issue 14: the cold path at upstream speed, the warm path at the peer's.
c1=$(rnum "$(r berth.m_cold_large)" "$(r peer.m_cold_large)")
c2=$(rnum "$(r berth.m_cold_large)" "$(r direct.m_cold_large)")
c3=$(spread $(r berth.cold_large))
c4=$(rnum "$(r berth.conc8_wall)" "$(r peer.conc8_wall)")
c5=$(rnum "$(r berth.conc8_wall)" "$(r direct.conc8_wall)")
c6=$(rnum "$(r berth.m_cold_many)" "$(r peer.m_cold_many)")
c7=$(rnum "$(r berth.m_cold_multi)" "$(r peer.m_cold_multi)")
c8=$(rnum "$(r berth.warm_mbs)" "$(r peer.warm_mbs)")
c9=$(rnum "$(r berth.warm_cpu_gb)" "$(r peer.warm_cpu_gb)")
target "(14) Cold pull of the large image: berth / peer (medians)" "cold large / peer" "$c1" "<=" 1.0 \
  "${c1:-?}× ($(r berth.m_cold_large) vs $(r peer.m_cold_large) s)"
target "(14) Cold pull of the large image: berth / a direct pull (medians)" "cold large / direct" "$c2" "<=" 1.2 \
  "${c2:-?}× ($(r berth.m_cold_large) vs $(r direct.m_cold_large) s)"
target "(14) Cold pulls of the large image, $REPS fresh processes: slowest / median" "cold large max/median" "$c3" "<=" 1.25 \
  "${c3:-?}× ($(stats $(r berth.cold_large)) s)"
target "(14) 8 concurrent cold GETs of the large layer: berth / peer, wall time" "8-way cold / peer" "$c4" "<=" 1.0 \
  "${c4:-?}× ($(r berth.conc8_wall) vs $(r peer.conc8_wall) s; upstream GETs berth $(r berth.conc8_gets), peer $(r peer.conc8_gets))"
target "(14) 8 concurrent cold GETs: berth / 8 concurrent GETs straight from the upstream" "8-way cold / direct" "$c5" "<=" 1.1 \
  "${c5:-?}× ($(r berth.conc8_wall) vs $(r direct.conc8_wall) s)"
target "(14) Cold pull of the many-layer image: berth / peer (medians)" "cold many / peer" "$c6" "<=" 1.0 \
  "${c6:-?}× ($(r berth.m_cold_many) vs $(r peer.m_cold_many) s)"
target "(14) Cold pull of the multi-arch image in a fresh process: berth / peer (medians)" "cold multi / peer" "$c7" "<=" 1.5 \
  "${c7:-?}× ($(r berth.m_cold_multi) vs $(r peer.m_cold_multi) s)"
target "(14) Warm blob GET throughput: berth / peer" "warm MB/s / peer" "$c8" ">=" 1.0 \
  "${c8:-?}× ($(r berth.warm_mbs) vs $(r peer.warm_mbs) MB/s)"
target "(14) Warm blob GET, server CPU s per GB: berth / peer" "warm CPU s/GB / peer" "$c9" "<=" 1.0 \
  "${c9:-?}× ($(r berth.warm_cpu_gb) vs $(r peer.warm_cpu_gb) s/GB)"

# The SHA-256 cliff check (issue 14): fresh JVMs with berth's JVM options hashing as a download does.
log "SHA-256 cliff check: 10 fresh JVMs hashing 256 MiB with berth's JVM options"
if ! RUNS=10 JAVA_OPTS="${BERTH_JAVA_OPTS-$BERTH_DEFAULT_OPTS}" "$HERE/hash-cliff.sh" >"$WORK/hash-cliff.txt" 2>&1; then
  problem "hash-cliff: a fresh JVM hashed more than 1.25x slower than the median ($(tail -1 "$WORK/hash-cliff.txt"))"
fi

REPORT="$WORK/report.md"
rt() { echo "${RATE[$1]:-—}"; }
{
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'). Machine: $MACHINE. Load generators run on the same cores as the servers; load average at start $LOAD_AT_START, at end $(cut -d' ' -f1-3 /proc/loadavg); other maven/registry/berth processes at start: $OTHERS; $(awk -v np="$NPHASES" '{ n[$1]++; if ($2) b[$1]++ } END { for (i = 0; i <= np; i++) { p = i "/" np; if (b[p]) { printf "%s%s: %d of %d samples", sep, p, b[p], n[p]; sep = ", " } } }' "$WORK/samples.txt" | sed -e 's/^\(.\)/**other builds or tests ran during phases** \1/' -e 's/^$/no other builds or tests seen during the run/')."
  echo "- Versions: $VERSIONS."
  echo "- Command: \`$COMMAND_LINE\` ($( [[ $QUICK == 1 ]] && echo quick mode || echo full mode ); took $(($(date +%s) - T0)) s)."
  echo "- Setup: upstream = docker-registry (filesystem storage, access log on) on 127.0.0.1; peer = the same docker-registry binary in proxy mode (\`proxy.remoteurl\`, access log off); nginx = \`worker_processes auto\` ($(nproc) workers), sendfile, serving the large layer and its manifest (by tag and by digest, with the manifest's Content-Type and Docker-Content-Digest) as static files under the registry API's paths; berth \`tenancy: open\`, policy \`$POLICY\` for the pull and blob rows. Every cold row starts a fresh process with an empty cache. Images: large = one $LARGE_MIB MiB random layer (gzip level 0); many = $MANY_LAYERS × $MANY_SIZE layers ($(mib "${IMG_BYTES[many]}") MiB); multi = an OCI index of ${PLATFORMS//,/ and }, ${MULTI_SIZES[*]} layers each ($(mib "${IMG_BYTES[multi]}") MiB in all, pulled with \`--all\`)."
  [[ $QUICK == 0 ]] || echo "- **Quick mode is a smoke run**: 1 s load runs after a 1 s warm-up leave berth's JIT cold, so its manifest rates (and the targets built on them) are far below a full run's; one repetition; a 64 MiB layer. Use a full run for figures."
  echo "- Pull rows: \`skopeo copy docker://HOST/REPO:1 oci:DIR:1\`, median of $REPS fresh-cache repetition(s) (min–max); skopeo verifies every digest and writes the layout to disk, which bounds the warm rows. \"direct\" pulls from the upstream itself. In each fresh process the multi-arch image is pulled first, then the many-layer one, then the large one: the multi-arch cold pull includes a cold JVM, the large cold pull is a cold cache, not a cold process."
  echo ""
  echo "| measurement | berth | peer (distribution proxy) | nginx (static) | upstream direct | berth / peer | berth / nginx or direct | notes |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  pullrow large "large image ($LARGE_MIB MiB, 1 layer)"
  pullrow many "many-layer image ($MANY_LAYERS × $MANY_SIZE)"
  pullrow multi "multi-arch image (2 platforms, --all)"
  echo "| 1 cold GET of the large layer (curl), s ↓ | $(r berth.one_cold) | $(r peer.one_cold) | — | — | $(ratio "$(r berth.one_cold)" "$(r peer.one_cold)") | — | fresh cache; $(mbs "$LARGE_BYTES" "$(r berth.one_cold)") vs $(mbs "$LARGE_BYTES" "$(r peer.one_cold)") MB/s; upstream GETs of the layer: berth $(r berth.one_gets), peer $(r peer.one_gets) |"
  for n in "${CONC_LEVELS[@]}"; do
    echo "| $n concurrent cold GETs of the large layer, wall s ↓ | $(r berth.conc${n}_wall) | $(r peer.conc${n}_wall) | — | — | $(ratio "$(r berth.conc${n}_wall)" "$(r peer.conc${n}_wall)") | — | \`curl -s -o /dev/null\` ×$n in parallel, fresh process; / one cold GET: berth $(ratio "$(r berth.conc${n}_wall)" "$(r berth.one_cold)"), peer $(ratio "$(r peer.conc${n}_wall)" "$(r peer.one_cold)"); failed: berth $(r berth.conc${n}_bad), peer $(r peer.conc${n}_bad) |"
    echo "| … upstream GETs of that layer ↓ | $(r berth.conc${n}_gets) | $(r peer.conc${n}_gets) | — | — | $(ratio "$(r berth.conc${n}_gets)" "$(r peer.conc${n}_gets)") | — | from the upstream's access log; upstream bytes of the layer: berth $(mib "$(r berth.conc${n}_bytes)") MiB, peer $(mib "$(r peer.conc${n}_bytes)") MiB (layer = $LARGE_MIB MiB) |"
  done
  echo "| peak RSS (VmHWM) of a fresh process under the ${CONC_LEVELS[-1]} concurrent cold GETs, MiB ↓ | $RSS32 | $PEER_RSS32 | — | — | $(ratio "$RSS32" "$PEER_RSS32") | — | read from /proc/PID/status right after the last GET |"
  echo "| warm blob GET throughput, MB/s ↑ | $(r berth.warm_mbs) | $(r peer.warm_mbs) | $(r nginx.warm_mbs) | — | $(ratio "$(r berth.warm_mbs)" "$(r peer.warm_mbs)") | $(ratio "$(r berth.warm_mbs)" "$(r nginx.warm_mbs)") | $WARM_LOOPS parallel curl loops × $WARM_ITERS GETs of the cached layer (1 MB = 10⁶ B), on the process of the ${CONC_LEVELS[-1]}-way row; upstream GETs meanwhile: berth $(r berth.warm_gets), peer $(r peer.warm_gets); after the concurrent GETs (one sha256-checked GET): berth $(r berth.after_conc_gets), peer $(r peer.after_conc_gets) |"
  echo "| server CPU s per GB served (warm blob GETs) ↓ | $(r berth.warm_cpu_gb) | $(r peer.warm_cpu_gb) | $(r nginx.warm_cpu_gb) | — | $(ratio "$(r berth.warm_cpu_gb)" "$(r peer.warm_cpu_gb)") | $(ratio "$(r berth.warm_cpu_gb)" "$(r nginx.warm_cpu_gb)") | utime+stime from /proc/PID/stat (nginx: master + workers), CLK_TCK $CLK_TCK; CPU s: berth $(r berth.warm_cpu), peer $(r peer.warm_cpu), nginx $(r nginx.warm_cpu) for $(mib "$(r berth.warm_bytes)") MiB each |"
  echo "| start to ready, s ↓ | $(stats $(ready_of berth)) | $(stats $(ready_of peer)) | — | — | $(ratio "$BERTH_READY" "$PEER_READY") | — | from just before the process starts to the first 200 of berth's \`/readyz\` (the peer: \`/v2/\`), polled every 30 ms; $BERTH_READY_N berth and $(ready_of peer | wc -l) peer starts |"
  echo ""
  echo "Manifest request rates (req/s ↑): HEAD with \`ab -q -k -i -c N -t $LOAD_SECS\`, GET with \`wrk -t2 -cN -d${LOAD_SECS}s\` (\`-t1\` at 1 connection), each bounded in time and count. Each server was primed with one GET; berth (one process for both policies: the upstream configured twice, as \`inp.bench\` with \`if-not-present\` and as \`always.bench\` with \`always\`, chosen with \`?ns=\` as containerd does) was warmed up unmeasured first ($WARMUP_SECS s of ab HEAD and $WARMUP_SECS s of wrk GET at 8 connections before the if-not-present rows, $(( (WARMUP_SECS + 1) / 2 )) s + $(( (WARMUP_SECS + 1) / 2 )) s before the always rows; the HEAD rate during those warm-ups: if-not-present ${RATE[berth-inp.warmup]:-?}, always ${RATE[berth-always.warmup]:-?} req/s), the others $OTHER_WARMUP_SECS s + $OTHER_WARMUP_SECS s. By-digest requests do not depend on the pull policy, so the \`always\` column has tag rows only."
  echo ""
  echo "| request | conns | berth \`if-not-present\` | berth \`always\` | peer | nginx (static) | upstream direct | inp / peer | inp / nginx | always / peer | always / upstream |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for ref in tag digest; do
    for method in HEAD GET; do
      for c in "${CONNS[@]}"; do
        k="$method.$ref.$c"
        echo "| $method manifest by $ref | $c | $(rt "berth-inp.$k") | $(rt "berth-always.$k") | $(rt "peer.$k") | $(rt "nginx.$k") | $(rt "upstream.$k") | $(ratio "${RATE[berth-inp.$k]:-}" "${RATE[peer.$k]:-}") | $(ratio "${RATE[berth-inp.$k]:-}" "${RATE[nginx.$k]:-}") | $(ratio "${RATE[berth-always.$k]:-}" "${RATE[peer.$k]:-}") | $(ratio "${RATE[berth-always.$k]:-}" "${RATE[upstream.$k]:-}") |"
      done
    done
  done
  echo ""
  echo "- Upstream manifest requests per client request, tag rows at 32 connections: berth always HEAD $(per "${UPREQ[berth-always.HEAD.tag.32]:-0 0 0}") ($(uplist "${UPREQ[berth-always.HEAD.tag.32]:-0 0 0}")), GET $(per "${UPREQ[berth-always.GET.tag.32]:-0 0 0}"); berth if-not-present HEAD $(per "${UPREQ[berth-inp.HEAD.tag.32]:-0 0 0}"), GET $(per "${UPREQ[berth-inp.GET.tag.32]:-0 0 0}"); peer HEAD $(per "${UPREQ[peer.HEAD.tag.32]:-0 0 0}") ($(uplist "${UPREQ[peer.HEAD.tag.32]:-0 0 0}")), GET $(per "${UPREQ[peer.GET.tag.32]:-0 0 0}"); by digest: berth $(per "${UPREQ[berth-inp.GET.digest.32]:-0 0 0}"), peer $(per "${UPREQ[peer.GET.digest.32]:-0 0 0}")."
  echo "- berth after the concurrent/warm blob phase: berth_upstream_downloads_total ${BERTH_METRICS[berth_upstream_downloads_total]:-?}, berth_coalesced_requests_total ${BERTH_METRICS[berth_coalesced_requests_total]:-?}, served bytes from cache $(mib "${BERTH_METRICS[served_cache]:-}") MiB, from upstream $(mib "${BERTH_METRICS[served_upstream]:-}") MiB."
  echo "- Peak RSS (VmHWM) at stop, max over the processes of each phase: pull phase berth $(peak '^berth$') MiB, peer $(peak '^peer$') MiB; blob phase berth $(peak '^berth-blob$') MiB, peer $(peak '^peer-blob$') MiB; rate phase berth $(peak '^berth-rates$') MiB, peer $(peak '^peer-rate$') MiB; nginx master $(peak '^nginx$') MiB."
  echo "- Log lines: berth WARN/ERROR lines $berth_errors (of which \"client went away\" WARNs $berth_away, \"Unhandled exception\" ERRORs $berth_unhandled); peer level=error lines $peer_errors. No client saw a failure unless listed under problems."
  echo "- Fresh-process cold GETs (\`benchmarks/e2e/cold-blob.sh\`, 10 berth processes with berth's JVM options, one cold 256 MiB GET each, the slowest at most 1.25× the median): $(grep -m1 '^clients per GET' "$WORK/cold-blob.txt" | cut -d';' -f2); ${R[berth.fresh_cold]:-not measured}"
  echo "  \`\`\`"; grep -v "^clients per GET" "$WORK/cold-blob.txt" | sed "s/^/  /"; echo "  \`\`\`"
  echo "- SHA-256 cliff check (\`benchmarks/e2e/hash-cliff.sh\`, 10 fresh JVMs, berth's JVM options): $(grep -m1 '^cpu:' "$WORK/hash-cliff.txt" | cut -c6-); $(tail -2 "$WORK/hash-cliff.txt" | tr '\n' ' ')"
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
  echo ""
  echo "Targets (issue 6, and issue 14 marked (14)), each a ratio from this run ($(grep -c -F '| met |' <<<"$TROWS") of $(grep -c . <<<"$TROWS") met):"
  echo ""
  echo "| target | measured | threshold | result |"
  echo "|---|---:|---:|---|"
  printf '%s' "$TROWS"
  echo ""
  echo "![berth e2e benchmark: targets and rates](last-run.png)"
} >"$REPORT"

# ---------------------------------------------------------------- 7. chart

phase "7/$NPHASES drawing the chart"
CHART="$HERE/last-run.png"
if command -v gnuplot >/dev/null; then
  # rates at 32 connections: request, berth inp, berth always, peer, nginx, upstream ("-" = not run)
  {
    for k in HEAD.tag GET.tag HEAD.digest GET.digest; do
      printf '"%s"' "${k/./ by }"
      for n in berth-inp berth-always peer nginx upstream; do printf '\t%s' "${RATE[$n.$k.32]:--}"; done
      printf '\n'
    done
  } >"$WORK/rates32.tsv"
  {
    for n in berth peer nginx; do printf '%s\t%s\t%s\n' "$n" "$(r "$n.warm_mbs")" "$(r "$n.warm_cpu_gb")"; done
  } | sed 's/\t\t/\t-\t/g; s/\t$/\t-/' >"$WORK/blob.tsv"
  awk -F'\t' 'BEGIN { OFS = "\t" } { if ($2 == "" || $2 + 0 <= 0) $2 = "-"; print }' "$TARGETS" >"$WORK/targets-chart.tsv"
  if [[ $(gnuplot -e 'set terminal' 2>&1 | grep -c pngcairo) -gt 0 ]]; then TERM_SPEC='pngcairo size 1500,1100 font "DejaVu Sans,10"'; else TERM_SPEC='png size 1500,1100'; fi
  cat >"$WORK/chart.gp" <<EOF
set terminal $TERM_SPEC
set output "$CHART"
set datafile separator "\t"
set datafile missing "-"
set multiplot title "berth end-to-end benchmark, $(date -u '+%Y-%m-%d') ($( [[ $QUICK == 1 ]] && echo quick || echo full ) mode, $(nproc) cores of $(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2- | sed "s/^ //; s/(R)//g"), $(grep -qw avx512f /proc/cpuinfo && echo "AVX-512" || echo "no AVX-512"))"

set origin 0, 0.47
set size 1, 0.5
set title "Targets: measured (green = met, red = not met) next to the threshold (grey); RSS and ready time as a fraction of their limit"
set logscale y
set yrange [0.01:100]
set ylabel "ratio (log scale)"
set grid ytics
set style fill solid 0.85 border -1
set boxwidth 0.36
set xtics rotate by 30 right nomirror font ",9"
set xrange [-0.6:$(( $(wc -l <"$WORK/targets-chart.tsv") ))-0.4]
set key off
plot "$WORK/targets-chart.tsv" using (\$0-0.19):2:(\$4 == 1 ? 0x2ca02c : 0xd62728) with boxes lc rgb variable, \
     "" using (\$0+0.19):3:xtic(1) with boxes lc rgb "#bbbbbb", \
     "" using (\$0-0.19):(\$2*1.25):(sprintf("%.2f", \$2)) with labels font ",8"

set origin 0, 0
set size 0.5, 0.45
set title "Manifest requests/s at 32 connections"
set ylabel "req/s (log scale)"
set yrange [10:1000000]
set xrange [-0.6:3.6]
set format y "%.0f"
set xtics norotate center nomirror ("HEAD by tag" 0, "GET by tag" 1, "HEAD by digest" 2, "GET by digest" 3)
set boxwidth 0.15
set key top center horizontal maxrows 2 font ",8"
plot "$WORK/rates32.tsv" using (\$0-0.32):2 with boxes title "berth if-not-present" lc rgb "#1f77b4", \
     "" using (\$0-0.16):3 with boxes title "berth always" lc rgb "#9ecae1", \
     "" using (\$0):4 with boxes title "peer (distribution)" lc rgb "#ff7f0e", \
     "" using (\$0+0.16):5 with boxes title "nginx static" lc rgb "#2ca02c", \
     "" using (\$0+0.32):6 with boxes title "upstream direct" lc rgb "#7f7f7f"

unset logscale y
set yrange [0:*]
set autoscale x
set xrange [-0.6:2.6]
set xtics autofreq center
set format y "%g"
set key off
set style data boxes
set boxwidth 0.6
set origin 0.5, 0
set size 0.25, 0.45
set title "Warm blob GET, MB/s ($WARM_LOOPS clients)"
set ylabel "MB/s"
plot "$WORK/blob.tsv" using 0:2:xtic(1) with boxes lc rgb "#1f77b4"
set origin 0.75, 0
set title "Server CPU s per GB served"
set ylabel "CPU s / GB"
plot "$WORK/blob.tsv" using 0:3:xtic(1) with boxes lc rgb "#ff7f0e"
unset multiplot
EOF
  if gnuplot "$WORK/chart.gp" >"$WORK/gnuplot.out" 2>&1; then
    log "chart written to benchmarks/e2e/last-run.png"
  else
    log "PROBLEM: gnuplot failed: $(tail -5 "$WORK/gnuplot.out" | tr '\n' ' ')"
    echo "- **No chart**: gnuplot failed: $(tail -3 "$WORK/gnuplot.out" | tr '\n' ' ')" >>"$REPORT"
  fi
else
  log "no chart: gnuplot is missing (install it with: apt-get install gnuplot-nox)"
  echo "- No chart: gnuplot is missing (install it with \`apt-get install gnuplot-nox\`)." >>"$REPORT"
fi

cp "$REPORT" "$HERE/last-run.md"
echo
cat "$REPORT"
echo
log "done in $(($(date +%s) - T0)) s; report in benchmarks/e2e/last-run.md, chart in benchmarks/e2e/last-run.png"
