/**
 * {@code berth mirror-config}: what each container runtime on a node needs to pull through berth
 * (docs/protocol.md §7): containerd {@code hosts.toml} per upstream, a CRI-O {@code
 * registries.conf.d} drop-in, the Docker daemon's {@code registry-mirrors}. Rendering is pure;
 * {@link dev.berth.proxy.mirror.MirrorFiles} writes idempotently and backs up what it replaces.
 */
@NullMarked
package dev.berth.proxy.mirror;

import org.jspecify.annotations.NullMarked;
