package io.oci2vm.internal.disk.ext4;

import io.oci2vm.internal.disk.BlockDevice;
import io.oci2vm.internal.disk.FsEntry;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;

/**
 * Writes one planned inode's blocks (content, directory entries, symlink target, extent tree, xattr
 * block) and encodes the inode that points at them.
 */
final class InodeWriter {
  private final BlockDevice device;
  private final BlockAllocator alloc;
  private final ContentWriter content;
  private long dataBytes;

  InodeWriter(BlockDevice device, BlockAllocator alloc) {
    this.device = device;
    this.alloc = alloc;
    this.content = new ContentWriter(device, alloc);
  }

  /** Regular-file bytes written so far. */
  long dataBytes() {
    return dataBytes;
  }

  /** Writes {@code n}'s blocks and returns its 256-byte inode. */
  byte[] write(TreePlan.Node n) throws IOException {
    FsEntry e = n.entry;
    Inodes.Fields f = new Inodes.Fields();
    f.uid = e.uid();
    f.gid = e.gid();
    f.time = e.mtime();
    f.links = n.links;
    switch (e.type()) {
      case REGULAR -> {
        f.mode = Inodes.S_IFREG;
        f.size = e.size();
        ExtentTree tree = new ExtentTree();
        try (InputStream in = e.open()) {
          dataBytes += content.copy(in, e.size(), tree);
        }
        mapped(f, tree);
      }
      case DIRECTORY -> {
        f.mode = Inodes.S_IFDIR;
        List<byte[]> blocks = Directories.build(n.entries, n.minBlocks);
        f.size = (long) blocks.size() * Layout.BLOCK;
        ExtentTree tree = new ExtentTree();
        for (int i = 0; i < blocks.size(); i++) {
          tree.add(i, writeBlock(blocks.get(i)));
        }
        mapped(f, tree);
      }
      case SYMLINK -> {
        f.mode = Inodes.S_IFLNK;
        byte[] target = TreePlan.symlinkTarget(e);
        f.size = target.length;
        if (target.length <= TreePlan.FAST_SYMLINK_MAX) {
          // A fast symlink keeps its target in i_block and has no blocks or extent flag.
          f.block = Arrays.copyOf(target, 60);
        } else {
          ExtentTree tree = new ExtentTree();
          tree.add(0, writeBlock(target));
          mapped(f, tree);
        }
      }
      case CHAR_DEVICE -> {
        f.mode = Inodes.S_IFCHR;
        f.block = Inodes.deviceBlock(e.devMajor(), e.devMinor());
      }
      case BLOCK_DEVICE -> {
        f.mode = Inodes.S_IFBLK;
        f.block = Inodes.deviceBlock(e.devMajor(), e.devMinor());
      }
      case FIFO -> f.mode = Inodes.S_IFIFO;
    }
    f.mode |= e.mode();
    Xattrs.Encoded x = Xattrs.encode(e.xattrs());
    f.xattrs = x.inInode();
    if (x.block() != null) {
      f.fileAcl = writeBlock(x.block());
      f.blocks++;
    }
    return Inodes.encode(f);
  }

  private void mapped(Inodes.Fields f, ExtentTree tree) throws IOException {
    f.flags |= Inodes.EXTENTS_FL;
    f.block = tree.finish(alloc, device);
    f.blocks += tree.mappedBlocks() + tree.treeBlocks();
  }

  private long writeBlock(byte[] bytes) throws IOException {
    long b = alloc.allocate();
    device.write(b * Layout.BLOCK, bytes);
    return b;
  }
}
