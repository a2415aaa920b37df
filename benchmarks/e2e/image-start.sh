#!/usr/bin/env bash
# Time from `ctr run` to /readyz of berth's container image (k8s/target/image/berth.tar, built by
# `mvn -pl k8s -am package`), on a fresh data directory (no class-data archive: the first start of
# a new build on a node) and right after on the same directory (the archive the first stop wrote:
# every later start). A private containerd under /tmp, the native snapshotter, host network, as
# ImageE2eIT runs it. Root needed.
#
# usage: benchmarks/e2e/image-start.sh [RUNS=6] [IMAGE_TAR]
set -euo pipefail
runs="${1:-6}"
tar="${2:-$(cd "$(dirname "$0")/../.." && pwd)/k8s/target/image/berth.tar}"
dir="$(mktemp -d /tmp/is-XXXX)"
C=(ctr --address "$dir/c.sock" -n bench)
cleanup() {
  pkill -f "containerd --config $dir/config.toml" || true
  sleep 1
  mount | awk -v d="$dir" '$3 ~ "^"d { print $3 }' | xargs -r -n1 umount -l
  rm -rf "$dir"
}
trap cleanup EXIT
cat >"$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "$dir/c.sock"
[ttrpc]
  address = "$dir/c.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
TOML
containerd --config "$dir/config.toml" >"$dir/containerd.log" 2>&1 &
until "${C[@]}" version >/dev/null 2>&1; do sleep 0.1; done
image="$("${C[@]}" images import --snapshotter native "$tar" | awk '/unpacking/ { print $2 }')"
mkdir -p "$dir/etc"
printf 'upstreams:\n  - name: r\n    url: http://127.0.0.1:1\n    default: true\n' >"$dir/etc/config.yaml"
port=$((20000 + RANDOM % 20000))

ready_ms() {
  local id=$1 t0
  t0=$(date +%s%N)
  "${C[@]}" run -d --net-host --snapshotter native --log-uri "file://$dir/$id.log" \
    --mount "type=bind,src=$dir/data,dst=/var/lib/berth,options=rbind:rw" \
    --mount "type=bind,src=$dir/etc,dst=/etc/berth,options=rbind:rw" "$image" "$id" \
    /bin/sh /opt/berth/entrypoint serve --config /etc/berth/config.yaml --data /var/lib/berth/data \
    --listen "127.0.0.1:$port" --admin "127.0.0.1:$((port + 1))" >/dev/null
  until curl -sf -o /dev/null "http://127.0.0.1:$((port + 1))/readyz"; do sleep 0.02; done
  echo $((($(date +%s%N) - t0) / 1000000))
  "${C[@]}" task kill "$id" >/dev/null
  until [[ "$("${C[@]}" task ls | awk -v i="$id" '$1 == i { print $3 }')" == STOPPED ]]; do sleep 0.1; done
  "${C[@]}" task rm "$id" >/dev/null
  "${C[@]}" c rm "$id" >/dev/null
}

first=() again=()
for i in $(seq "$runs"); do
  rm -rf "$dir/data" && mkdir "$dir/data" && chown 65532:65532 "$dir/data"
  first+=("$(ready_ms first$i)")
  again+=("$(ready_ms again$i)")
done
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "first start, no archive (ms):   ${first[*]}"
echo "next start, with archive (ms):  ${again[*]}"
