/**
 * One class per registry endpoint berth calls (manifest HEAD and GET, blob HEAD and GET, tag list,
 * referrers, access probe): each owns its path, {@code Accept}, accepted statuses, body bound and
 * wording, and is sent through {@link dev.berth.proxy.upstream.UpstreamClient#call}, which owns
 * credentials, challenges, redirects, timeouts and the mapping of other statuses to typed errors.
 * The token request is {@code upstream.VertxTokenEndpoint}, read under the same bounds.
 */
@NullMarked
package dev.berth.proxy.upstream.calls;

import org.jspecify.annotations.NullMarked;
