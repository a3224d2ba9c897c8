package io.oci2vm.client;

/**
 * Why a job failed, as the daemon reports it.
 *
 * @param code a stable error code, e.g. {@code IMAGE_NOT_FOUND}
 * @param message what went wrong and what to do next
 */
public record ErrorInfo(String code, String message) {}
