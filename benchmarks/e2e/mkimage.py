#!/usr/bin/env python3
"""Writes a test image as an OCI image layout, without docker.

Each layer is a gzip (level 0, i.e. stored deflate blocks) tar holding one file of random,
incompressible bytes, so a layer's size on the wire is its size on disk and nothing between the
client and the registry can compress it. Everything is streamed: a 256 MiB layer never sits in
memory.

    mkimage.py OUT_DIR TAG SIZE [SIZE...]                        one image (linux/amd64)
    mkimage.py OUT_DIR TAG 50x1MiB                               50 layers of 1 MiB each
    mkimage.py OUT_DIR TAG --platforms linux/amd64,linux/arm64 SIZE [SIZE...]
                                                                 an image index: one image per
                                                                 platform, each with its own layers

SIZE: bytes, or with suffix KiB / MiB / GiB; NxSIZE repeats a size N times.

Prints one line per layer ("layer sha256:... BYTES (SECONDS)"), one per image manifest
("manifest sha256:... BYTES" plus the platform for an index) and for an index the line
"index sha256:... BYTES". Copy it with: skopeo copy [--all] oci:OUT_DIR:TAG docker://HOST/REPO:TAG
(--all for an index: without it skopeo copies only the platform of the machine it runs on).
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


def parse_sizes(args: list[str]) -> list[int]:
    sizes = []
    for arg in args:
        m = re.fullmatch(r"(\d+)x(.+)", arg.strip())
        sizes += [parse_size(m.group(2))] * int(m.group(1)) if m else [parse_size(arg)]
    return sizes


def write_image(blobs: Blobs, sizes: list[int], first_layer: int, os_name: str, arch: str,
                variant: str | None) -> tuple[str, int]:
    """Layers, config and manifest of one image; returns the manifest's (digest, size)."""
    layers, diff_ids = [], []
    for i, size in enumerate(sizes, start=first_layer):
        started = time.monotonic()
        digest, length, diff_id = blobs.put_layer(i, size)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": digest, "size": length})
        diff_ids.append(diff_id)
        print(f"layer {digest} {length} ({time.monotonic() - started:.1f}s)", flush=True)
    config = {
        "architecture": arch,
        "os": os_name,
        "created": "2026-01-01T00:00:00Z",
        "config": {"Cmd": ["/bin/false"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2026-01-01T00:00:00Z", "created_by": "mkimage.py"}
                    for _ in sizes],
    }
    if variant:
        config["variant"] = variant
    cdigest, csize = blobs.put_bytes(json.dumps(config, separators=(",", ":")).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": cdigest, "size": csize},
        "layers": layers,
    }
    return blobs.put_bytes(json.dumps(manifest, separators=(",", ":")).encode())


def main(argv: list[str]) -> int:
    args = argv[1:]
    platforms = None
    if "--platforms" in args:
        at = args.index("--platforms")
        if at + 1 >= len(args):
            raise SystemExit("mkimage.py: --platforms needs a value (e.g. linux/amd64,linux/arm64)")
        platforms = [p.split("/") for p in args[at + 1].split(",")]
        if any(len(p) not in (2, 3) for p in platforms):
            raise SystemExit(f"mkimage.py: bad --platforms {args[at + 1]!r} (OS/ARCH[/VARIANT],...)")
        del args[at:at + 2]
    if len(args) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out, tag, sizes = args[0], args[1], parse_sizes(args[2:])
    os.makedirs(out, exist_ok=True)
    blobs = Blobs(out)
    manifest_type = "application/vnd.oci.image.manifest.v1+json"
    index_type = "application/vnd.oci.image.index.v1+json"
    ref = {"org.opencontainers.image.ref.name": tag}
    if platforms is None:
        mdigest, msize = write_image(blobs, sizes, 0, "linux", "amd64", None)
        top = {"mediaType": manifest_type, "digest": mdigest, "size": msize, "annotations": ref}
        print(f"manifest {mdigest} {msize}", flush=True)
    else:
        entries = []
        for n, (os_name, arch, *variant) in enumerate(platforms):
            # Different random layers per platform, as real multi-arch images have.
            mdigest, msize = write_image(blobs, sizes, n * len(sizes), os_name, arch,
                                         variant[0] if variant else None)
            platform = {"architecture": arch, "os": os_name}
            if variant:
                platform["variant"] = variant[0]
            entries.append({"mediaType": manifest_type, "digest": mdigest, "size": msize,
                            "platform": platform})
            print(f"manifest {mdigest} {msize} {'/'.join([os_name, arch, *variant])}", flush=True)
        image_index = {"schemaVersion": 2, "mediaType": index_type, "manifests": entries}
        idigest, isize = blobs.put_bytes(json.dumps(image_index, separators=(",", ":")).encode())
        top = {"mediaType": index_type, "digest": idigest, "size": isize, "annotations": ref}
        print(f"index {idigest} {isize}", flush=True)
    layout_index = {"schemaVersion": 2, "mediaType": index_type, "manifests": [top]}
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(layout_index, f)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
