/**
 * The operator's listener: liveness, readiness and the Prometheus scrape, open, and the cache's
 * admin API under {@code /admin/}, behind a bearer token read from a file; all kept off the
 * registry port so that it can stay on localhost or a cluster-internal address.
 */
@NullMarked
package dev.berth.proxy.admin;

import org.jspecify.annotations.NullMarked;
