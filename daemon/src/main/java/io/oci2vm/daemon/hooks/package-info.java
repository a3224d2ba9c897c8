/**
 * Registry webhooks: authentication and parsing of push notifications, and the rules that turn
 * pushes into conversion requests. Framework-free; the HTTP layer routes {@code POST
 * /hooks/<source>} by {@link io.oci2vm.daemon.hooks.HookSource#parse}, hands the raw body, headers
 * and query to {@link io.oci2vm.daemon.hooks.Webhooks#parse}, answers a {@link
 * io.oci2vm.daemon.hooks.HookException} with its status and code, and submits {@link
 * io.oci2vm.daemon.hooks.Webhooks#requestsFor} of every event.
 *
 * <p>Authentication per source: distribution, a bearer token in {@code Authorization}; Harbor, the
 * whole {@code Authorization} header; GitHub, an HMAC-SHA256 signature of the body; Docker Hub and
 * Quay, which can neither sign nor add headers, a {@code ?token=} in the URL. A source without a
 * configured secret refuses everything.
 */
package io.oci2vm.daemon.hooks;
