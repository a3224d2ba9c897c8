/**
 * The Java client for the oci2vm daemon's HTTP API ({@code oci2vm serve}). Start with {@link
 * io.oci2vm.client.Oci2vmClient#builder(java.net.URI)}.
 *
 * <p>The client depends on the JDK's {@code java.net.http} and Jackson only; the build enforces it.
 * Everything in this package but the types the client returns and the exceptions it throws is an
 * implementation detail.
 */
package io.oci2vm.client;
