/**
 * Who may pull what, with which credentials: kubelet-style credential keyrings, registry token
 * challenges and tenant access decisions. No server code and no storage: proxy-core composes this
 * module with storage and supplies the HTTP calls through small SPIs.
 */
@NullMarked
package dev.berth.auth;

import org.jspecify.annotations.NullMarked;
