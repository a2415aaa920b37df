#!/usr/bin/env python3
"""Writes a single-platform test image as an OCI image layout, without docker.

Each layer is a gzip (level 0, i.e. stored deflate blocks) tar holding one file of random,
incompressible bytes, so a layer's size on the wire is its size on disk and nothing between the
client and the registry can compress it. Everything is streamed: a 256 MiB layer never sits in
memory.

    mkimage.py OUT_DIR TAG SIZE [SIZE...]     SIZE: bytes, or with suffix KiB / MiB / GiB

Prints one line per layer ("layer sha256:... BYTES") and the manifest digest, then the line
"manifest sha256:... BYTES". Copy it with: skopeo copy oci:OUT_DIR:TAG docker://HOST/REPO:TAG
"""

import hashlib
import json
import os
import re
import sys
import tarfile
import time
import zlib

PIECE = 1 << 20  # bytes of random data generated and written per step


def parse_size(text: str) -> int:
    m = re.fullmatch(r"(\d+)\s*(|B|KiB|MiB|GiB|K|M|G)", text.strip())
    if not m:
        raise SystemExit(f"mkimage.py: bad size {text!r} (e.g. 4MiB, 256MiB, 1048576)")
    unit = {"": 1, "B": 1, "K": 1 << 10, "KiB": 1 << 10, "M": 1 << 20, "MiB": 1 << 20,
            "G": 1 << 30, "GiB": 1 << 30}[m.group(2)]
    return int(m.group(1)) * unit


class Blobs:
    """Writes content-addressed blobs into OUT/blobs/sha256/."""

    def __init__(self, root: str):
        self.dir = os.path.join(root, "blobs", "sha256")
        os.makedirs(self.dir, exist_ok=True)

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.dir, digest), "wb") as f:
            f.write(data)
        return "sha256:" + digest, len(data)

    def put_layer(self, index: int, size: int) -> tuple[str, int, str]:
        """A gzip'd tar with one random file of `size` bytes: (digest, compressed size, diff_id)."""
        tmp = os.path.join(self.dir, f".layer-{index}.tmp")
        diff = hashlib.sha256()
        comp = hashlib.sha256()
        written = 0
        gz = zlib.compressobj(0, zlib.DEFLATED, 31)  # wbits 31: gzip wrapper, mtime 0
        with open(tmp, "wb") as out:

            def emit(raw: bytes) -> None:
                nonlocal written
                diff.update(raw)
                chunk = gz.compress(raw)
                if chunk:
                    comp.update(chunk)
                    out.write(chunk)
                    written += len(chunk)

            info = tarfile.TarInfo(f"bench/random-{index}.bin")
            info.size = size
            info.mode = 0o644
            info.mtime = 0
            emit(info.tobuf(format=tarfile.PAX_FORMAT))
            left = size
            while left > 0:
                n = min(PIECE, left)
                emit(os.urandom(n))
                left -= n
            pad = (-size) % 512
            emit(b"\0" * pad + b"\0" * 1024)  # pad to a block, then two zero blocks end the tar
            tail = gz.flush()
            comp.update(tail)
            out.write(tail)
            written += len(tail)
        digest = comp.hexdigest()
        os.replace(tmp, os.path.join(self.dir, digest))
        return "sha256:" + digest, written, "sha256:" + diff.hexdigest()


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    out, tag, sizes = argv[1], argv[2], [parse_size(s) for s in argv[3:]]
    os.makedirs(out, exist_ok=True)
    blobs = Blobs(out)
    layers, diff_ids = [], []
    for i, size in enumerate(sizes):
        started = time.monotonic()
        digest, length, diff_id = blobs.put_layer(i, size)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": digest, "size": length})
        diff_ids.append(diff_id)
        print(f"layer {digest} {length} ({time.monotonic() - started:.1f}s)", flush=True)
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2026-01-01T00:00:00Z",
        "config": {"Cmd": ["/bin/false"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2026-01-01T00:00:00Z", "created_by": "mkimage.py"}
                    for _ in sizes],
    }
    cdigest, csize = blobs.put_bytes(json.dumps(config, separators=(",", ":")).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": cdigest, "size": csize},
        "layers": layers,
    }
    mdigest, msize = blobs.put_bytes(json.dumps(manifest, separators=(",", ":")).encode())
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": mdigest, "size": msize,
                       "annotations": {"org.opencontainers.image.ref.name": tag}}],
    }
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    print(f"manifest {mdigest} {msize}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
