/**
 * Blobs and manifests as objects in S3-compatible object storage (AWS S3, MinIO, Ceph RGW), for the
 * cluster tier: content-addressed keys, written by multipart upload and visible only once the
 * digest matched.
 */
@NullMarked
package dev.berth.storage.s3;

import org.jspecify.annotations.NullMarked;
