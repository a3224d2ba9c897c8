/**
 * The Java client for the oci2vm daemon's HTTP API. A placeholder until the daemon's API exists; it
 * will depend on java.net.http and a JSON library only.
 */
package io.oci2vm.client;
