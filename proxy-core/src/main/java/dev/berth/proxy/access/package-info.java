/**
 * Tenant isolation: who may read which cached repository ({@link
 * dev.berth.proxy.access.AccessPolicy}).
 */
@NullMarked
package dev.berth.proxy.access;

import org.jspecify.annotations.NullMarked;
