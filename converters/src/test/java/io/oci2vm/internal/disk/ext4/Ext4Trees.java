package io.oci2vm.internal.disk.ext4;

import io.oci2vm.internal.disk.FsEntry;
import io.oci2vm.internal.disk.RawDisk;
import io.oci2vm.internal.flatten.FileType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/** Trees and options shared by the ext4 tests. */
final class Ext4Trees {
  static final long T = 1_700_000_000L;
  static final Ext4Options OPTS =
      new Ext4Options(UUID.fromString("6b1e4a52-8f0e-4d59-9a3c-1f2e3d4c5b6a"), "root", T, 100);

  private Ext4Trees() {}

  /** Writes {@code root} to a new image of {@code size} bytes in {@code tmp}. */
  static Path write(Path tmp, FsEntry root, long size) throws Exception {
    Path img = tmp.resolve("fs" + System.nanoTime() + ".img");
    try (RawDisk disk = RawDisk.create(img, size)) {
      Ext4Writer.write(root, disk, OPTS);
    }
    return img;
  }

  /** One of everything: file kinds, links, modes, ids, times, xattrs in and out of the inode. */
  static FsEntry everyType() {
    FsEntry root = dir("/");
    FsEntry etc = root.add(dir("etc"));
    etc.add(file("hello", bytes("hello\n")));
    etc.add(file("empty", new byte[0]));
    byte[] multi = pattern(3 * 4096 + 17);
    etc.add(
        FsEntry.file(
            "setuid",
            04755,
            100_000,
            200_000,
            -1_000_000L,
            multi.length,
            FsEntry.Content.of(multi),
            null));
    etc.add(FsEntry.file("setgid", 02711, 0, 0, 0, 0, FsEntry.Content.of(new byte[0]), null));
    FsEntry tmpDir = root.add(FsEntry.directory("tmp", 01777, 0, 0, 5_000_000_000L));
    tmpDir.add(dir("emptydir"));
    Object shared = new Object();
    byte[] linked = bytes("linked");
    root.add(
        FsEntry.file(
            "a",
            0600,
            4_000_000_000L,
            4_294_967_295L,
            T,
            linked.length,
            FsEntry.Content.of(linked),
            shared));
    etc.add(
        FsEntry.file(
            "b",
            0600,
            4_000_000_000L,
            4_294_967_295L,
            T,
            linked.length,
            FsEntry.Content.of(linked),
            shared));
    tmpDir.add(
        FsEntry.file(
            "c",
            0600,
            4_000_000_000L,
            4_294_967_295L,
            T,
            linked.length,
            FsEntry.Content.of(linked),
            shared));
    root.add(FsEntry.symlink("fast", "etc/hello", 0, 0, T));
    root.add(FsEntry.symlink("fast59", "y".repeat(59), 0, 0, T));
    root.add(FsEntry.symlink("slow60", "z".repeat(60), 0, 0, T));
    root.add(FsEntry.symlink("slow", "x/".repeat(100), 5, 5, T));
    FsEntry dev = root.add(dir("dev"));
    dev.add(FsEntry.special("null", FileType.CHAR_DEVICE, 0666, 0, 0, T, 1, 3));
    dev.add(FsEntry.special("big", FileType.BLOCK_DEVICE, 0660, 0, 6, T, 259, 70000));
    dev.add(FsEntry.special("fifo", FileType.FIFO, 0644, 0, 0, T, 0, 0));
    Map<String, byte[]> small = new TreeMap<>();
    small.put("user.foo", bytes("bar"));
    small.put("security.capability", pattern(20));
    etc.add(file("caps", bytes("caps")).withXattrs(small));
    Map<String, byte[]> large = new TreeMap<>();
    large.put("user.big", pattern(1000));
    large.put("trusted.x", bytes("y"));
    large.put("user.empty", new byte[0]);
    etc.add(dir("xdir").withXattrs(large));
    root.add(FsEntry.directory("future", 0755, 0, 0, 10_000_000_000L));
    return root;
  }

  static FsEntry dir(String name) {
    return FsEntry.directory(name, 0755, 0, 0, T);
  }

  static FsEntry file(String name, byte[] content) {
    return FsEntry.file(name, 0644, 0, 0, T, content.length, FsEntry.Content.of(content), null);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A small non-zero byte pattern. */
  static byte[] pattern(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) ((i * 31 + 7) | 1);
    }
    return b;
  }
}
