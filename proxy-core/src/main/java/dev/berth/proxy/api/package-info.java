/**
 * The registry API clients talk to (OCI Distribution, pull side): the route table in {@link
 * dev.berth.proxy.api.RegistryApi} and the one rendering of errors, {@link
 * dev.berth.proxy.api.OciError}.
 */
@NullMarked
package dev.berth.proxy.api;

import org.jspecify.annotations.NullMarked;
