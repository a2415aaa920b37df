/**
 * Moving whole images between the cache and OCI image layouts, for air-gapped nodes: {@link
 * dev.berth.proxy.transfer.CacheExporter} writes cached images out, {@link
 * dev.berth.proxy.transfer.CacheImporter} loads a layout in, verifying every digest, with the tag
 * resolutions and repository links a pull under policy {@code never} needs.
 */
@NullMarked
package dev.berth.proxy.transfer;

import org.jspecify.annotations.NullMarked;
