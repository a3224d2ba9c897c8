package io.oci2vm.internal.disk.ext4;

/**
 * Hands out data blocks in disk order, skipping each group's metadata. Because allocation only
 * moves forward, the used data blocks of every group are a prefix of its data area, which is all
 * the bitmaps need to know.
 */
final class BlockAllocator {
  private final Layout layout;
  private int group;
  private long next;

  BlockAllocator(Layout layout) {
    this.layout = layout;
    this.next = layout.dataStart(0);
  }

  /** The next free block. */
  long allocate() {
    while (next >= layout.groupEnd(group)) {
      group++;
      if (group >= layout.groups) {
        // The writer checks the worst case before writing, so this is a bug, not a full disk.
        throw new IllegalStateException("ext4 allocator ran past the last group");
      }
      next = layout.dataStart(group);
    }
    return next++;
  }

  /** How many data blocks of group {@code g} are in use. */
  long usedData(int g) {
    if (g < group) {
      return layout.groupEnd(g) - layout.dataStart(g);
    }
    return g == group ? next - layout.dataStart(g) : 0;
  }

  /** How many data blocks are in use in all groups. */
  long usedData() {
    long n = 0;
    for (int g = 0; g <= group; g++) {
      n += usedData(g);
    }
    return n;
  }
}
