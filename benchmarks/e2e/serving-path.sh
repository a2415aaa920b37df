#!/usr/bin/env bash
# Serving-path A/B check: one berth jar after another against the same nginx upstream, each in a
# fresh process with an empty cache: JIT warm-up on other blobs (5 GETs of 64 MiB, one cold
# 128 MiB), then one cold GET and three warm GETs of a 256 MiB blob, with berth's CPU per thread
# group (utime+stime from /proc/PID/task/*/stat, in ticks of 10 ms). Optionally the same berth
# with TLS, to compare HTTP/1.1, h2c, HTTPS and HTTPS+h2 on warm GETs.
#
#   benchmarks/e2e/serving-path.sh [--transports] JAR [JAR...]
#
# Needs nginx, curl, openssl (for --transports). Everything on 127.0.0.1 in a mktemp directory;
# every process it starts is stopped by PID. Used for the before/after rows of benchmarks/RESULTS.md.
set -euo pipefail
TRANSPORTS=0
if [[ ${1:-} == --transports ]]; then TRANSPORTS=1; shift; fi
[[ $# -ge 1 ]] || { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
for tool in nginx curl java sha256sum; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
NGINX="$(command -v nginx)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/berth-serving.XXXXXX")"
chmod 755 "$WORK" # nginx workers run as an unprivileged user
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

blob() { # size-MiB -> digest hex; the file goes under the upstream's blob path
  head -c $(($1 << 20)) /dev/urandom >"$WORK/b.bin"
  local h; h=$(sha256sum "$WORK/b.bin" | cut -d' ' -f1)
  mv "$WORK/b.bin" "$WORK/up/v2/bench/large/blobs/sha256:$h"; echo "$h"
}
mkdir -p "$WORK/up/v2/bench/large/blobs"
BIG=$(blob 256); WARM=$(blob 64); COLDWARM=$(blob 128)
cat >"$WORK/nginx.conf" <<NGINX
daemon off; worker_processes 1; pid $WORK/nginx.pid; error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; default_type application/octet-stream;
  client_body_temp_path $WORK/t1; proxy_temp_path $WORK/t2; fastcgi_temp_path $WORK/t3; uwsgi_temp_path $WORK/t4; scgi_temp_path $WORK/t5;
  server { listen 127.0.0.1:18181; root $WORK/up; } }
NGINX
"$NGINX" -c "$WORK/nginx.conf" & PIDS+=($!)
sleep 0.5
printf 'tenancy: open\nupstreams:\n  - name: up.test\n    url: http://127.0.0.1:18181\n    default: true\n    policy: if-not-present\n' >"$WORK/berth.yaml"

OPTS="${BERTH_JAVA_OPTS-$("$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/berth-opts.sh")}"
start() { # jar port admin config -> pid
  rm -rf "$WORK/data-$2"
  # shellcheck disable=SC2086
  java $OPTS -jar "$1" serve --config "$4" --listen "127.0.0.1:$2" --admin "127.0.0.1:$3" --data "$WORK/data-$2" >"$WORK/berth-$2.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$3/readyz" >/dev/null && break; sleep 0.05; done
  echo "$pid"
}
snap() { for t in /proc/$1/task/*; do n=$(tr ' ' _ <"$t/comm" | sed 's/[0-9]*$//'); sed 's/^.*) //' "$t/stat" | awk -v n="$n" '{print n, $12 + $13}'; done | awk '{a[$1]+=$2} END {for (k in a) print k, a[k]}' | sort; }
delta() { join -a2 "$1" "$2" | awk '{d = (NF == 3) ? $3 - $2 : $2; if (d > 2) printf "    %4d %s\n", d, $1}' | sort -rn; }
get() { curl -s -o /dev/null -w "%{http_code} %{time_total}s %{speed_download}" "$@"; }

for jar in "$@"; do
  echo "== $jar"
  pid=$(start "$jar" 15151 19191 "$WORK/berth.yaml")
  U=http://127.0.0.1:15151/v2/bench/large/blobs/sha256
  for _ in 1 2 3 4 5; do get "$U:$WARM" >/dev/null; done
  get "$U:$COLDWARM" >/dev/null
  snap "$pid" >"$WORK/s0"
  echo "  cold 256 MiB GET: $(get "$U:$BIG" | awk '{printf "%s %s %.0f MB/s", $1, $2, $3/1e6}')"
  snap "$pid" >"$WORK/s1"; delta "$WORK/s0" "$WORK/s1"
  for _ in 1 2 3; do echo "  warm 256 MiB GET: $(get "$U:$BIG" | awk '{printf "%s %s %.0f MB/s", $1, $2, $3/1e6}')"; done
  snap "$pid" >"$WORK/s2"; echo "  CPU of the 3 warm GETs:"; delta "$WORK/s1" "$WORK/s2"
  [[ "$(curl -s "$U:$BIG" | sha256sum | cut -d' ' -f1)" == "$BIG" ]] || echo "  PROBLEM: wrong bytes served"
  echo "  peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

if [[ $TRANSPORTS == 1 ]]; then
  jar="${!#}"
  echo "== transports, $jar (5 warm GETs of the 256 MiB blob each; mean MB/s)"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/tls.key" -out "$WORK/tls.crt" -days 1 -subj /CN=localhost 2>/dev/null
  cp "$WORK/berth.yaml" "$WORK/tls.yaml"; printf 'tls:\n  cert: %s\n  key: %s\n' "$WORK/tls.crt" "$WORK/tls.key" >>"$WORK/tls.yaml"
  p1=$(start "$jar" 15152 19192 "$WORK/berth.yaml"); p2=$(start "$jar" 15153 19193 "$WORK/tls.yaml")
  B=/v2/bench/large/blobs/sha256:$BIG
  curl -s -o /dev/null "http://127.0.0.1:15152$B"; curl -sk -o /dev/null "https://127.0.0.1:15153$B"
  for _ in 1 2 3 4 5; do
    for p in "http1.1 --http1.1 http://127.0.0.1:15152" "h2c --http2-prior-knowledge http://127.0.0.1:15152" "https+h1.1 --http1.1 https://127.0.0.1:15153" "https+h2 --http2 https://127.0.0.1:15153"; do
      set -- $p; echo "$1 $(curl -sk "$2" -o /dev/null -w '%{http_version} %{speed_download}' "$3$B")"
    done
  done | awk '{s[$1] += $3; n[$1]++; v[$1] = $2} END {for (k in s) printf "  %-10s HTTP/%s %5.0f MB/s\n", k, v[k], s[k] / n[k] / 1e6}' | sort
  kill "$p1" "$p2"; wait "$p1" "$p2" 2>/dev/null || true
fi
