package io.oci2vm;

/**
 * Stable codes for errors a user can hit. The code is part of every {@link Oci2vmException} message
 * and of the daemon's JSON errors, so scripts can match on it.
 */
public enum ErrorCode {
  /** The image reference could not be parsed. */
  BAD_REFERENCE,
  /** The source prefix or its argument is not understood. */
  BAD_SOURCE,
  /** The registry refused our credentials or asked for credentials we do not have. */
  AUTH_FAILED,
  /** The image, tag or blob does not exist at the source. */
  NOT_FOUND,
  /** The registry answered with an error we cannot act on. */
  REGISTRY_ERROR,
  /** Plain HTTP to a registry that is not on loopback and not marked insecure. */
  INSECURE_REGISTRY,
  /** The local Docker engine could not be reached or refused the request. */
  DOCKER_ENGINE_ERROR,
  /** A blob's content does not hash to its declared digest. */
  DIGEST_MISMATCH,
  /** A blob is shorter or longer than its declared size. */
  SIZE_MISMATCH,
  /** A blob ended before its declared size or before its compressed stream ended. */
  TRUNCATED_BLOB,
  /** A manifest, config or layer has a media type oci2vm does not handle. */
  UNKNOWN_MEDIA_TYPE,
  /** A manifest, index or config is not valid JSON of the expected shape. */
  MALFORMED_MANIFEST,
  /** A manifest, index or config is larger than the configured limit. */
  MANIFEST_TOO_LARGE,
  /** A manifest list or index has no entry for the requested platform. */
  PLATFORM_NOT_FOUND,
  /** A docker-archive, OCI layout or oci-archive is missing files or is inconsistent. */
  BAD_ARCHIVE,
  /** A layer is not a readable tar stream. */
  MALFORMED_LAYER,
  /** A layer entry name is absolute or climbs out of the root with "..". */
  UNSAFE_PATH,
  /** A layer entry would be written through a symbolic link. */
  SYMLINK_ESCAPE,
  /** A hard link points outside the root or at a path that does not exist. */
  BAD_HARDLINK,
  /** A configured limit (entries, path length, total bytes) was exceeded. */
  LIMIT_EXCEEDED,
  /** The image config names no command to run and none was given. */
  NO_ENTRYPOINT,
  /** No kernel was given and none is installed on this machine. */
  NO_KERNEL,
  /** The kernel is not a bzImage, or lacks a driver the VM needs. */
  KERNEL_UNSUITABLE,
  /** QEMU is missing or the VM did not start or finish as expected. */
  BOOT_FAILED,
  /** A keep glob or other user option is invalid. */
  BAD_OPTION,
  /** The requested disk size cannot hold the content; the message says the smallest that fits. */
  DISK_TOO_SMALL,
  /** The output's filesystem ran out of space while writing; nothing was left behind. */
  DISK_FULL,
  /** A boot component (UEFI stub, BIOS boot code, OVMF firmware) is not installed. */
  BOOTLOADER_NOT_FOUND,
  /** An output or input disk format is not one oci2vm knows. */
  UNKNOWN_FORMAT,
  /** Reading or writing local files failed (permissions, bad paths). */
  IO_ERROR;
}
