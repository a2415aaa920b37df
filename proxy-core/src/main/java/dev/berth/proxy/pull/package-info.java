/**
 * Pull-through decisions: when a cached tag may be served and when the upstream must be asked.
 * {@link dev.berth.proxy.pull.PullPolicy} is Kubernetes' {@code imagePullPolicy} seen from the
 * registry side.
 */
@NullMarked
package dev.berth.proxy.pull;

import org.jspecify.annotations.NullMarked;
