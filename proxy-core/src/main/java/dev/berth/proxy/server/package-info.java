/**
 * Assembly of a running berth: storage, Vert.x, metrics and the two HTTP listeners, started in
 * order and closed in reverse by {@link dev.berth.proxy.server.BerthServer}.
 */
@NullMarked
package dev.berth.proxy.server;

import org.jspecify.annotations.NullMarked;
