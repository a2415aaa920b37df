#!/usr/bin/env bash
# Builds the base image the image tests put berth on: no public registry is reachable where the
# tests run, so the base comes from this machine instead of eclipse-temurin. A Java runtime made
# with jlink from the JDK running the build, the shared libraries it, RocksDB's JNI library and
# /bin/sh load (read off ldd), the name-service modules glibc loads at run time, /etc/passwd with
# the image's user, and /tmp. Written as a `docker save` tarball (manifest.json, config, one
# uncompressed layer), which Jib reads as a tar:// base image. Same inputs, same bytes: the layer
# is tarred with fixed order, times and owners.
#
# usage: test-base.sh OUT.tar [JAVA_HOME]   (linux/amd64 or linux/arm64, whichever this machine is)
set -euo pipefail

out="$1"
jdk="${2:-${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}}"
# The same inputs (this script, the JDK, RocksDB's jar) give an equivalent base: reuse it. jlink's
# output is not byte-for-byte repeatable, so a fresh base would change the test image's digest.
rocks_jar="$(find "${HOME}/.m2/repository/org/rocksdb/rocksdbjni" -name 'rocksdbjni-*.jar' | sort | tail -1)"
inputs="$(sha256sum "$0" | cut -d' ' -f1) $jdk $("$jdk/bin/java" -version 2>&1 | tr '\n' ' ') $rocks_jar"
if [[ -f "$out" && -f "$out.inputs" && "$(cat "$out.inputs")" == "$inputs" ]]; then
  echo "test-base.sh: $out is up to date"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"

case "$(uname -m)" in
  x86_64) arch=amd64 rocks_lib=librocksdbjni-linux64.so ;;
  aarch64) arch=arm64 rocks_lib=librocksdbjni-linux-aarch64.so ;;
  *) echo "test-base.sh: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac

"$jdk/bin/jlink" --add-modules java.se,jdk.unsupported,jdk.crypto.ec,jdk.management,jdk.management.jfr,jdk.jfr,jdk.zipfs,jdk.naming.dns \
  --strip-debug --no-header-files --no-man-pages --compress=2 --generate-cds-archive \
  --output "$root/opt/java"

# RocksDB's JNI library is unpacked at run time; its needs (libstdc++, libgcc_s) are read off it.
unzip -q -o "$rocks_jar" "$rocks_lib" -d "$work/rocks"

libs() {
  # ldd exits non-zero when one of several files is not a dynamic object; the rest still count.
  { ldd "$@" 2>/dev/null || true; } | awk '/=> \// { print $3 } /^[ \t]*\/[^ ]+ \(/ { print $1 }'
}
{
  # Not the desktop libraries (AWT, fonts, sound): a headless server never loads them.
  libs "$root/opt/java/bin/java" "$root/opt/java/lib/server/libjvm.so" /bin/dash \
    $(ls "$root"/opt/java/lib/*.so | grep -Ev 'awt|font|jsound|splash|lcms|jpeg|mlib')
  libs "$work/rocks/$rocks_lib"
  # Loaded with dlopen, so ldd does not list them: name lookups (hosts, DNS) and their resolver.
  for n in libnss_files.so.2 libnss_dns.so.2 libresolv.so.2; do
    { find -L /lib /usr/lib -name "$n" 2>/dev/null || true; } | head -1
  done
} | grep -v "^$root/" | sort -u | while read -r lib; do
  cp --parents -L "$lib" "$root/"
done

mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/var/lib/berth"
cp -L /bin/dash "$root/bin/sh"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nberth:x:65532:65532:berth:/var/lib/berth:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nberth:x:65532:\n' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"

mkdir -p "$work/image"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$work/image/layer.tar" .
diff_id="sha256:$(sha256sum "$work/image/layer.tar" | cut -d' ' -f1)"
cat >"$work/image/config.json" <<JSON
{"architecture":"$arch","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=/opt/java"]},"rootfs":{"type":"layers","diff_ids":["$diff_id"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"k8s/image/test-base.sh"}]}
JSON
cat >"$work/image/manifest.json" <<JSON
[{"Config":"config.json","RepoTags":["berth-test-base:latest"],"Layers":["layer.tar"]}]
JSON
mkdir -p "$(dirname "$out")"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/image" -cf "$out" manifest.json config.json layer.tar
echo "$inputs" >"$out.inputs"
echo "test-base.sh: $out ($(du -h "$out" | cut -f1), $arch, java from $jdk)"
