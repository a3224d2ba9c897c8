package io.oci2vm.internal.disk.ext4;

/**
 * What {@link Ext4Writer#write} produced.
 *
 * @param blocks the filesystem size in 4 KiB blocks
 * @param usedBlocks blocks in use, metadata included
 * @param inodes the inode count
 * @param usedInodes inodes in use, the ten reserved ones included
 * @param dataBytes bytes of regular-file content written (holes not counted)
 */
public record Ext4Stats(
    long blocks, long usedBlocks, long inodes, long usedInodes, long dataBytes) {}
