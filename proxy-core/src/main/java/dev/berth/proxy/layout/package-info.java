/**
 * OCI image layouts (image-spec {@code image-layout.md}) as a directory or as a tar file, for
 * {@code berth export} and {@code berth import}.
 *
 * <p>{@link dev.berth.proxy.layout.OciLayoutReader} reads a layout through a {@link
 * dev.berth.proxy.layout.LayoutSource} (a directory, or a tar file indexed in one pass over its
 * headers); {@link dev.berth.proxy.layout.OciLayoutWriter} writes one. {@link
 * dev.berth.proxy.layout.TarWriter} and {@link dev.berth.proxy.layout.TarReader} are the small tar
 * codec underneath. Blobs always stream: nothing here holds a whole blob in memory, because layers
 * can be many GiB. Only {@code oci-layout}, {@code index.json} and manifests read through {@link
 * dev.berth.proxy.layout.OciLayoutReader#readSmallBlob} are read whole, each under a size cap.
 *
 * <p>Malformed input (a bad tar, a missing file, a wrong layout version) is a {@link
 * dev.berth.proxy.layout.LayoutException} whose message names the layout and the entry; failing I/O
 * is an {@link java.io.IOException}.
 */
@NullMarked
package dev.berth.proxy.layout;

import org.jspecify.annotations.NullMarked;
