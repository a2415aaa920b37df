/**
 * Registry authentication challenges and bearer tokens: an RFC 7235 {@code WWW-Authenticate}
 * parser, token scopes, a per-(realm, service, scopes, credential) token cache with single-flight
 * fetches, and the realm policy that keeps credentials away from foreign token servers. The HTTP
 * call to a token server is the {@link dev.berth.auth.challenge.TokenEndpoint} SPI, implemented in
 * proxy-core.
 */
@NullMarked
package dev.berth.auth.challenge;

import org.jspecify.annotations.NullMarked;
