/**
 * Pull policies, a leaf the config, upstream and pull packages all read: {@link
 * dev.berth.proxy.policy.PullPolicy} is Kubernetes' {@code imagePullPolicy} seen from the registry
 * side, {@link dev.berth.proxy.policy.RepositoryPolicy} one configured glob and its policy, and
 * {@link dev.berth.proxy.policy.PolicyTable} an upstream's globs in order. It depends on nothing of
 * berth's but the value types in {@code image} and {@code text}.
 */
@NullMarked
package dev.berth.proxy.policy;

import org.jspecify.annotations.NullMarked;
