/**
 * Black-box tests of a running berth over HTTP, against WireMock upstreams: challenges, redirects,
 * faults, policies and single-flight, observed only through the registry API and the upstream's
 * request journal.
 */
@NullMarked
package dev.berth.proxy.blackbox;

import org.jspecify.annotations.NullMarked;
