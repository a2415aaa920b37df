/**
 * Ports of the parts of Go's standard library whose exact behaviour the kubelet's credential rules
 * depend on, so that berth matches registries and reads config files byte for byte as the kubelet
 * does: {@code net/url.Parse} ({@link dev.berth.auth.gostd.GoUrl}), {@code path.Match} ({@link
 * dev.berth.auth.gostd.GoGlob}) and {@code encoding/json}'s decoding rules ({@link
 * dev.berth.auth.gostd.Json}). Each class names the Go source it follows; nothing here knows about
 * credentials.
 */
@NullMarked
package dev.berth.auth.gostd;

import org.jspecify.annotations.NullMarked;
