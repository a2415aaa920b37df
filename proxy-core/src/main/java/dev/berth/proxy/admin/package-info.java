/**
 * The operator's listener: liveness, readiness and the Prometheus scrape, kept off the registry
 * port so that it can stay on localhost or a cluster-internal address.
 */
@NullMarked
package dev.berth.proxy.admin;

import org.jspecify.annotations.NullMarked;
