package io.oci2vm.internal.flatten;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.Limits;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlattenerTest {
  private static final Digest L1 = Digest.of("layer1".getBytes(StandardCharsets.UTF_8));
  @TempDir Path tmp;
  private int n;

  private RootFs flatten(Limits limits, TestTar... layers) throws IOException {
    Flattener f = new Flattener(limits);
    for (TestTar t : layers) {
      f.apply(t.write(tmp.resolve("layer" + (n++) + ".tar")), L1);
    }
    return f.finish();
  }

  private RootFs flatten(TestTar... layers) throws IOException {
    return flatten(Limits.DEFAULTS, layers);
  }

  private static String read(RootFs fs, String path) throws IOException {
    try (InputStream in = fs.open(fs.lookup(path).inode())) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void apply_whiteout_removesLowerFileAndDirectory() throws IOException {
    try (RootFs fs =
        flatten(
            new TestTar()
                .dir("etc")
                .file("etc/a", "a")
                .file("etc/b", "b")
                .dir("opt")
                .file("opt/x", "x"),
            new TestTar().file("etc/.wh.a", "").file(".wh.opt", ""))) {
      assertNull(fs.lookup("/etc/a"));
      assertEquals("b", read(fs, "/etc/b"));
      assertNull(fs.lookup("/opt"));
      assertNull(fs.lookup("/etc/.wh.a"), "whiteout markers never appear in the tree");
    }
  }

  @Test
  void apply_opaqueDirectory_hidesLowerButKeepsSameLayerEntries() throws IOException {
    try (RootFs fs =
        flatten(
            new TestTar().dir("d").file("d/old", "old").dir("d/sub").file("d/sub/deep", "deep"),
            // the new file comes before the marker in tar order and must still survive
            new TestTar().dir("d").file("d/new", "new").file("d/.wh..wh..opq", ""))) {
      assertNull(fs.lookup("/d/old"));
      assertNull(fs.lookup("/d/sub"));
      assertEquals("new", read(fs, "/d/new"));
    }
  }

  @Test
  void apply_whiteoutThenRecreate_showsNewContent() throws IOException {
    try (RootFs fs =
        flatten(
            new TestTar().file("f", "one"),
            new TestTar().file(".wh.f", ""),
            new TestTar().file("f", "three"))) {
      assertEquals("three", read(fs, "/f"));
    }
  }

  @Test
  void apply_hardlinkAcrossLayers_sharesInodeAndOutlivesWhiteout() throws IOException {
    try (RootFs fs =
        flatten(
            new TestTar().dir("bin").file("bin/tool", "code", 04755),
            new TestTar().hardlink("bin/alias", "bin/tool"),
            new TestTar().file("bin/.wh.tool", ""))) {
      Node alias = fs.lookup("/bin/alias");
      assertNotNull(alias);
      assertNull(fs.lookup("/bin/tool"));
      assertEquals("code", read(fs, "/bin/alias"));
      assertEquals(04755, alias.inode().mode());
      assertEquals(1, alias.inode().links());
    }
  }

  @Test
  void apply_hardlinkInSameLayer_countsLinks() throws IOException {
    try (RootFs fs =
        flatten(new TestTar().file("a", "x").hardlink("b", "a").hardlink("./c", "./a"))) {
      assertSame(fs.lookup("/a").inode(), fs.lookup("/c").inode());
      assertEquals(3, fs.lookup("/b").inode().links());
    }
  }

  @Test
  void apply_typeChangesAcrossLayers_replace() throws IOException {
    try (RootFs fs =
        flatten(
            new TestTar().file("x", "file").dir("y").file("y/in", "in"),
            new TestTar().dir("x").file("x/now", "dir").file("y", "now a file"))) {
      assertTrue(fs.lookup("/x").inode().isDirectory());
      assertEquals("dir", read(fs, "/x/now"));
      assertTrue(fs.lookup("/y").inode().isRegular());
      assertEquals("now a file", read(fs, "/y"));
    }
  }

  @Test
  void apply_missingParents_createdAsRootOwnedDirectories() throws IOException {
    try (RootFs fs = flatten(new TestTar().file("a/b/c", "deep"))) {
      Node a = fs.lookup("/a");
      assertTrue(a.inode().isDirectory());
      assertEquals(0755, a.inode().mode());
      assertEquals("deep", read(fs, "/a/b/c"));
    }
  }

  @Test
  void apply_xattrsModesOwners_preserved() throws IOException {
    TarArchiveEntry e = new TarArchiveEntry("f", TarConstants.LF_NORMAL);
    e.setSize(1);
    e.setMode(0102750);
    e.setUserId(1000);
    e.setGroupId(2000);
    e.addPaxHeader("SCHILY.xattr.user.note", "hello");
    try (RootFs fs = flatten(new TestTar().add(e, new byte[] {'z'}))) {
      Inode i = fs.lookup("/f").inode();
      assertEquals(02750, i.mode());
      assertEquals(1000, i.uid());
      assertEquals(2000, i.gid());
      assertEquals("hello", i.xattrs().get("user.note"));
    }
  }

  @Test
  void apply_absoluteName_isUnsafePath() {
    Oci2vmException e =
        assertThrows(Oci2vmException.class, () -> flatten(new TestTar().file("/etc/passwd", "x")));
    assertEquals(ErrorCode.UNSAFE_PATH, e.code());
    assertTrue(e.getMessage().contains(L1.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("/etc/passwd"), e.getMessage());
  }

  @Test
  void apply_dotDotName_isUnsafePath() {
    for (String name : List.of("../evil", "a/../../evil", "./../x")) {
      Oci2vmException e =
          assertThrows(Oci2vmException.class, () -> flatten(new TestTar().file(name, "x")), name);
      assertEquals(ErrorCode.UNSAFE_PATH, e.code(), name);
      assertTrue(e.getMessage().contains(name), e.getMessage());
    }
  }

  @Test
  void apply_writeThroughSymlink_isSymlinkEscape() {
    Oci2vmException e =
        assertThrows(
            Oci2vmException.class,
            () ->
                flatten(
                    new TestTar().symlink("evil", "../../../../tmp"),
                    new TestTar().file("evil/pwned", "x")));
    assertEquals(ErrorCode.SYMLINK_ESCAPE, e.code());
    assertTrue(e.getMessage().contains("evil/pwned"), e.getMessage());
  }

  @Test
  void apply_hardlinkOutsideRoot_isBadHardlink() {
    Oci2vmException e =
        assertThrows(
            Oci2vmException.class,
            () -> flatten(new TestTar().hardlink("passwd", "../../etc/passwd")));
    assertEquals(ErrorCode.BAD_HARDLINK, e.code());
    assertTrue(e.getMessage().contains("outside the root"), e.getMessage());
    assertEquals(
        ErrorCode.BAD_HARDLINK,
        assertThrows(
                Oci2vmException.class, () -> flatten(new TestTar().hardlink("x", "/etc/shadow")))
            .code());
  }

  @Test
  void apply_hardlinkToMissingOrDirectory_isBadHardlink() {
    assertEquals(
        ErrorCode.BAD_HARDLINK,
        assertThrows(Oci2vmException.class, () -> flatten(new TestTar().hardlink("x", "nope")))
            .code());
    assertEquals(
        ErrorCode.BAD_HARDLINK,
        assertThrows(
                Oci2vmException.class, () -> flatten(new TestTar().dir("d").hardlink("x", "d")))
            .code());
  }

  @Test
  void apply_overLimits_isLimitExceeded() {
    Limits fewEntries = Limits.DEFAULTS.withMaxEntries(2);
    assertEquals(
        ErrorCode.LIMIT_EXCEEDED,
        assertThrows(
                Oci2vmException.class,
                () -> flatten(fewEntries, new TestTar().file("a", "").file("b", "").file("c", "")))
            .code());
    Limits shortPaths = Limits.DEFAULTS.withMaxPathLength(10);
    assertEquals(
        ErrorCode.LIMIT_EXCEEDED,
        assertThrows(
                Oci2vmException.class,
                () -> flatten(shortPaths, new TestTar().file("a".repeat(11), "")))
            .code());
  }

  @Test
  void apply_notATar_isMalformedLayer() throws IOException {
    Path junk = tmp.resolve("junk.tar");
    java.nio.file.Files.write(junk, "this is not a tar archive at all".repeat(40).getBytes());
    Flattener f = new Flattener(Limits.DEFAULTS);
    Oci2vmException e = assertThrows(Oci2vmException.class, () -> f.apply(junk, L1));
    assertEquals(ErrorCode.MALFORMED_LAYER, e.code());
  }
}
