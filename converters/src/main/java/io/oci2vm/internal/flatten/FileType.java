package io.oci2vm.internal.flatten;

/** The kinds of filesystem object a layer can hold. */
public enum FileType {
  DIRECTORY,
  REGULAR,
  SYMLINK,
  CHAR_DEVICE,
  BLOCK_DEVICE,
  FIFO
}
