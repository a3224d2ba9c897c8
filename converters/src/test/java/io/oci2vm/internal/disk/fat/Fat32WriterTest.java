package io.oci2vm.internal.disk.fat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.internal.disk.ExternalTool;
import io.oci2vm.internal.disk.FsEntry;
import io.oci2vm.internal.disk.RawDisk;
import io.oci2vm.internal.flatten.FileType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class Fat32WriterTest {
  private static final long MIB = 1 << 20;
  private static final long MTIME = 1_700_000_001L; // odd: FAT keeps even seconds
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern FSCK_SUMMARY =
      Pattern.compile("(?m)^\\S+: (\\d+) files, (\\d+)/(\\d+) clusters$");

  // UTF-8 so mtools turns long names into UTF-8 file names instead of replacing non-ASCII.
  private static final Map<String, String> MTOOLS_ENV =
      Map.of("MTOOLS_SKIP_CHECK", "1", "LC_ALL", "C.UTF-8");

  @TempDir Path tmp;

  /** Expected content by path ("EFI/BOOT/BOOTX64.EFI"); directories map to null. */
  private final Map<String, byte[]> expected = new TreeMap<>();

  @BeforeAll
  static void tools() {
    ExternalTool.require("fsck.vfat", "dosfstools");
    ExternalTool.require("mcopy", "mtools");
  }

  @Test
  void write_espTree_fsckCleanAndMtoolsReadsEverythingBack() throws IOException {
    FsEntry root = dir("");
    FsEntry boot = root.add(dir("EFI")).add(dir("BOOT"));
    file(boot, "EFI/BOOT/BOOTX64.EFI", random(300_000, 1));
    file(root, "loader.conf", "timeout 0\n".getBytes());
    file(root, "ReadMe.TXT", "mixed case needs a long name".getBytes());
    file(root, "A very long name with spaces and ünïcödé, über 13 Zeichen.txt", random(700, 2));
    file(root, "archive.tar.gz", random(1000, 3));
    file(root, ".hidden", random(10, 4));
    file(root, "EMPTY", new byte[0]);
    file(root, "big.bin", random(5 * (int) MIB + 123, 5)); // thousands of clusters
    FsEntry deep = root.add(dir("a")).add(dir("b")).add(dir("c")).add(dir("d"));
    file(deep, "a/b/c/d/deep file.txt", "deep".getBytes());
    root.add(dir("empty dir"));
    FsEntry many = root.add(dir("many"));
    for (int i = 0; i < 120; i++) { // 120 long names: a directory of many clusters
      file(many, "many/file-with-a-long-name-" + i + ".data", random(i * 37, 100 + i));
    }
    expected.put("EFI", null);
    expected.put("EFI/BOOT", null);
    Stream.of("a", "a/b", "a/b/c", "a/b/c/d", "empty dir", "many")
        .forEach(d -> expected.put(d, null));

    Path img = writeImage(root, 64 * MIB, "ESP");

    String fsck = fsckClean(img);
    Matcher m = FSCK_SUMMARY.matcher(fsck);
    assertTrue(m.find(), fsck);
    assertEquals(1, bootSectorByte(img, 13), "64 MiB takes 512-byte clusters");
    readBack(img);
  }

  @Test
  void write_labelAndSerial_mtoolsReportsThem() throws IOException {
    FsEntry root = dir("");
    file(root, "x", new byte[] {1});
    Path img = writeImage(root, 40 * MIB, "esp-1");
    String info =
        ExternalTool.run(TOOL_TIMEOUT, MTOOLS_ENV, "minfo", "-i", img.toString(), "::")
            .requireSuccess()
            .output();
    assertTrue(info.contains("serial number: 1234ABCD"), info);
    assertTrue(info.contains("disk label=\"ESP-1      \""), info);
    assertTrue(info.contains("disk type=\"FAT32   \""), info);
    assertTrue(info.contains("backup boot sector=6"), info);
    String label =
        ExternalTool.run(TOOL_TIMEOUT, MTOOLS_ENV, "mlabel", "-s", "-i", img.toString(), "::")
            .requireSuccess()
            .output();
    assertTrue(label.contains("Volume label is ESP-1"), label);
    fsckClean(img);
  }

  @Test
  void write_largeVolume_usesLargerClustersAndStaysValid() throws IOException {
    FsEntry root = dir("");
    FsEntry boot = root.add(dir("EFI")).add(dir("BOOT"));
    file(boot, "EFI/BOOT/BOOTX64.EFI", random(3 * (int) MIB, 7));
    file(root, "small.txt", random(5, 8));
    expected.put("EFI", null);
    expected.put("EFI/BOOT", null);

    Path img = writeImage(root, 600 * MIB, null);

    assertEquals(8, bootSectorByte(img, 13), "over 260 MB takes 4 KiB clusters");
    fsckClean(img);
    readBack(img);
  }

  @Test
  void write_fatLongerThanOneWriteChunk_fsckClean() throws IOException {
    // 140 MiB of zeros in 512-byte clusters: over 256 Ki FAT entries, so the FAT is written in
    // two chunks with a chain running across the seam. Zeros stay holes, so this is quick.
    long size = 140 * MIB;
    FsEntry root = dir("");
    root.add(FsEntry.file("ZEROS.BIN", 0644, 0, 0, MTIME, size, () -> zeros(size), null));
    file(root, "after.txt", "after the seam".getBytes());
    Path img = writeImage(root, 200 * MIB, "ESP");
    Matcher m = FSCK_SUMMARY.matcher(fsckClean(img));
    assertTrue(m.find());
    assertTrue(Long.parseLong(m.group(2)) > 256 * 1024, m.group());
    String dir =
        ExternalTool.run(TOOL_TIMEOUT, MTOOLS_ENV, "mdir", "-i", img.toString(), "::")
            .requireSuccess()
            .output();
    assertTrue(dir.contains(Long.toString(size)), dir);
  }

  private static InputStream zeros(long size) {
    return new InputStream() {
      private long left = size;

      @Override
      public int read() {
        return left-- > 0 ? 0 : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left == 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        Arrays.fill(b, off, off + n, (byte) 0);
        left -= n;
        return n;
      }
    };
  }

  @Test
  void minimumSize_smallTree_fitsExactlyAndOneSectorLessIsTooSmall() throws IOException {
    FsEntry root = dir("");
    file(root.add(dir("EFI")), "EFI/a long file name.efi", random(1000, 9));
    expected.put("EFI", null);
    checkMinimumIsTight(root);
  }

  @Test
  void minimumSize_treeOverFloor_fitsExactlyAndOneSectorLessIsTooSmall() throws IOException {
    FsEntry root = dir("");
    file(root, "kernel.efi", random(40 * (int) MIB + 1, 10)); // more than 65525 clusters
    file(root, "b", random(513, 11));
    long min = Fat32Writer.minimumSize(root);
    assertTrue(min > 40 * MIB, "minimum " + min);
    checkMinimumIsTight(root);
  }

  private void checkMinimumIsTight(FsEntry root) throws IOException {
    long min = Fat32Writer.minimumSize(root);
    assertEquals(0, min % 512);

    Path small = tmp.resolve("small.img");
    try (RawDisk disk = RawDisk.create(small, min - 512)) {
      Oci2vmException e =
          assertThrows(Oci2vmException.class, () -> Fat32Writer.write(root, disk, "ESP", 1, MTIME));
      assertEquals(ErrorCode.DISK_TOO_SMALL, e.code());
      assertTrue(e.getMessage().contains(Long.toString(min)), e.getMessage());
      assertTrue(disk.writtenChunks().isEmpty(), "nothing may be written");
    }
    Path img = writeImage(root, min, "ESP");
    fsckClean(img);
    readBack(img);
  }

  @Test
  void fsckOracle_wrongFreeCount_isReported() throws IOException {
    FsEntry root = dir("");
    file(root, "x", new byte[] {1});
    Path img = writeImage(root, 40 * MIB, "ESP");
    try (var ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
      ByteBuffer wrong = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 12345);
      ch.write(wrong, 512 + 488);
    }
    assertThrows(AssertionError.class, () -> fsckClean(img));
  }

  @Test
  void write_sameInput_sameBytes() throws IOException {
    FsEntry root = dir("");
    file(root.add(dir("Some Dir")), "Some Dir/Some File.txt", random(9999, 12));
    Path first = Files.move(writeImage(root, 40 * MIB, "ESP"), tmp.resolve("first.img"));
    Path second = writeImage(root, 40 * MIB, "ESP");
    assertEquals(-1, Files.mismatch(first, second));
  }

  @Test
  void write_symlink_rejectedBeforeWriting() throws IOException {
    FsEntry root = dir("");
    root.add(FsEntry.symlink("link", "target", 0, 0, MTIME));
    assertRejected(root, "SYMLINK");
  }

  @Test
  void write_device_rejectedBeforeWriting() throws IOException {
    FsEntry root = dir("");
    root.add(FsEntry.special("null", FileType.CHAR_DEVICE, 0666, 0, 0, MTIME, 1, 3));
    assertRejected(root, "CHAR_DEVICE");
  }

  @Test
  void write_namesDifferingOnlyInCase_rejected() throws IOException {
    FsEntry root = dir("");
    file(root, "readme", new byte[1]);
    file(root, "README", new byte[1]);
    assertRejected(root, "case");
  }

  @Test
  void write_forbiddenCharacter_rejected() throws IOException {
    FsEntry root = dir("");
    file(root, "what?", new byte[1]);
    assertRejected(root, "forbidden");
  }

  private void assertRejected(FsEntry root, String messagePart) throws IOException {
    try (RawDisk disk = RawDisk.create(tmp.resolve("bad.img"), 40 * MIB)) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> Fat32Writer.write(root, disk, "ESP", 1, MTIME));
      assertTrue(e.getMessage().contains(messagePart), e.getMessage());
      assertTrue(disk.writtenChunks().isEmpty(), "nothing may be written");
    }
  }

  private static FsEntry dir(String name) {
    return FsEntry.directory(name, 0755, 0, 0, MTIME);
  }

  private void file(FsEntry parent, String path, byte[] content) {
    parent.add(
        FsEntry.file(
            path.substring(path.lastIndexOf('/') + 1),
            0644,
            0,
            0,
            MTIME,
            content.length,
            FsEntry.Content.of(content),
            null));
    expected.put(path, content);
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private Path writeImage(FsEntry root, long size, String label) throws IOException {
    Path img = tmp.resolve("esp.img");
    Files.deleteIfExists(img);
    try (RawDisk disk = RawDisk.create(img, size)) {
      Fat32Writer.write(root, disk, label, 0x1234ABCD, MTIME);
    }
    return img;
  }

  /** Runs fsck.vfat without repairing and fails on anything but a clean summary. */
  private static String fsckClean(Path img) throws IOException {
    ExternalTool.Result r =
        ExternalTool.run(TOOL_TIMEOUT, "fsck.vfat", "-n", img.toString()).requireSuccess();
    for (String line : r.output().split("\n")) {
      assertTrue(
          line.startsWith("fsck.fat ") || FSCK_SUMMARY.matcher(line).matches(),
          "fsck.vfat reports a problem:\n" + r.output());
    }
    return r.output();
  }

  private static int bootSectorByte(Path img, int offset) throws IOException {
    try (var ch = Files.newByteChannel(img)) {
      ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(b);
      return b.get(offset) & 0xff;
    }
  }

  /** Copies the whole volume out with mcopy and returns what it found. */
  private void readBack(Path img) throws IOException {
    Path out = Files.createTempDirectory(tmp, "out");
    ExternalTool.run(
            TOOL_TIMEOUT,
            MTOOLS_ENV,
            "mcopy",
            "-s",
            "-m",
            "-n",
            "-i",
            img.toString(),
            "::/*",
            out.toString())
        .requireSuccess();
    Map<String, byte[]> found = new TreeMap<>();
    try (Stream<Path> all = Files.walk(out)) {
      for (Path p : all.filter(p -> !p.equals(out)).toList()) {
        String rel = out.relativize(p).toString();
        found.put(rel, Files.isDirectory(p) ? null : Files.readAllBytes(p));
        if (!Files.isDirectory(p)) {
          assertEquals(MTIME - 1, Files.getLastModifiedTime(p).toMillis() / 1000, rel);
        }
      }
    }
    assertEquals(difference(expected.keySet(), found.keySet()), Set.of(), "missing");
    assertEquals(difference(found.keySet(), expected.keySet()), Set.of(), "unexpected");
    for (var e : expected.entrySet()) {
      if (e.getValue() != null) {
        assertArrayEquals(e.getValue(), found.get(e.getKey()), e.getKey());
      }
    }
  }

  private static Set<String> difference(Set<String> a, Set<String> b) {
    Set<String> d = new TreeSet<>(a);
    d.removeAll(b);
    return d;
  }
}
