package io.oci2vm.internal.assemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.ImageConfig;
import io.oci2vm.Limits;
import io.oci2vm.Oci2vmException;
import io.oci2vm.internal.flatten.Flattener;
import io.oci2vm.internal.flatten.RootFs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AssembleTest {
  @TempDir Path tmp;

  private RootFs tree() throws IOException {
    Path tar = tmp.resolve("layer.tar");
    try (OutputStream out = Files.newOutputStream(tar);
        TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      add(t, "etc/", TarConstants.LF_DIR, null, 0755, null);
      add(
          t,
          "etc/passwd",
          TarConstants.LF_NORMAL,
          "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
          0644,
          null);
      add(
          t,
          "etc/group",
          TarConstants.LF_NORMAL,
          "root:x:0:\napp:x:1000:\nwww:x:33:app\nvideo:x:44:other,app\n",
          0644,
          null);
      add(t, "bin/", TarConstants.LF_DIR, null, 0755, null);
      add(t, "bin/app", TarConstants.LF_NORMAL, "#!/bin/sh\n", 04755, null);
      add(t, "bin/link", TarConstants.LF_SYMLINK, null, 0777, "app");
      TarArchiveEntry dev = new TarArchiveEntry("dev/null", TarConstants.LF_CHR);
      dev.setDevMajor(1);
      dev.setDevMinor(3);
      dev.setMode(020666);
      dev.setModTime(0);
      t.putArchiveEntry(dev);
      t.closeArchiveEntry();
    }
    Flattener f = new Flattener(Limits.DEFAULTS);
    f.apply(tar, Digest.of(new byte[0]));
    return f.finish();
  }

  private static void add(
      TarArchiveOutputStream t, String name, byte type, String content, int mode, String link)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, type);
    e.setMode(mode);
    // Fixed times: the same input must be the same bytes, whenever tree() runs.
    e.setModTime(0);
    if (link != null) {
      e.setLinkName(link);
    }
    byte[] b = content == null ? new byte[0] : content.getBytes(StandardCharsets.UTF_8);
    e.setSize(b.length);
    t.putArchiveEntry(e);
    t.write(b);
    t.closeArchiveEntry();
  }

  @Test
  void resolve_namesGroupsAndNumbers() throws IOException {
    try (RootFs fs = tree()) {
      UserResolver u = new UserResolver(new ImageFiles(fs));
      assertEquals(
          new UserResolver.Identity(1000, 1000, List.of(1000L, 33L, 44L)), u.resolve("app"));
      assertEquals(new UserResolver.Identity(1000, 33, List.of(33L, 44L)), u.resolve("app:www"));
      assertEquals(new UserResolver.Identity(0, 0, List.of(0L)), u.resolve(""));
      assertEquals(new UserResolver.Identity(4242, 4242, List.of(4242L)), u.resolve("4242:4242"));
      assertEquals(
          ErrorCode.BAD_OPTION,
          assertThrows(Oci2vmException.class, () -> u.resolve("nobody")).code());
      assertEquals(
          ErrorCode.BAD_OPTION,
          assertThrows(Oci2vmException.class, () -> u.resolve("app:nogroup")).code());
    }
  }

  @Test
  void render_escapesEverythingTheInitCannotReadRaw() {
    ImageConfig app =
        new ImageConfig(
            List.of("/bin/app"),
            List.of("two words", "new\nline", "back\\slash", "tab\there", "bell\u0007", "ünï"),
            List.of("A=1"),
            "",
            "",
            List.of(),
            "",
            Map.of());
    String conf =
        new String(
            InitConfig.render(
                app,
                new UserResolver.Identity(1, 2, List.of(2L, 3L)),
                "host",
                List.of("/oci2vm/modules/virtio.ko"),
                InitConfig.Network.QEMU_USER),
            StandardCharsets.UTF_8);
    assertTrue(conf.startsWith("# oci2vm init config\nversion=1\nhostname=host\n"), conf);
    assertTrue(conf.contains("entrypoint=/bin/app\n"), conf);
    assertTrue(conf.contains("cmd=two words\n"), conf);
    assertTrue(conf.contains("cmd=new\\nline\n"), conf);
    assertTrue(conf.contains("cmd=back\\\\slash\n"), conf);
    assertTrue(conf.contains("cmd=tab\\there\n"), conf);
    assertTrue(conf.contains("cmd=bell\\x07\n"), conf);
    assertTrue(conf.contains("cmd=ünï\n"), conf);
    assertTrue(conf.contains("workdir=/\nuid=1\ngid=2\ngroups=2,3\n"), conf);
    assertTrue(conf.contains("module=/oci2vm/modules/virtio.ko\n"), conf);
    assertTrue(
        conf.contains("net=static\naddress=10.0.2.15/24\ngateway=10.0.2.2\ndns=10.0.2.3\n"), conf);
  }

  @Test
  void render_parsedByTheRealInit_roundTrips() throws Exception {
    Path init = Path.of("target/classes/io/oci2vm/init/oci2vm-init");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(init), "init not built");
    ImageConfig app =
        new ImageConfig(
            List.of("/bin/app", "-c"),
            List.of(
                "two words", "new\nline", "back\\slash", "tab\there", "ctl\u0001", "ünï", "a=b"),
            List.of("A=1", "B=has space", "C="),
            "/srv/app",
            "",
            List.of(),
            "",
            Map.of());
    byte[] conf =
        InitConfig.render(
            app,
            new UserResolver.Identity(1000, 33, List.of(33L, 44L)),
            "web-1",
            List.of("/oci2vm/modules/virtio.ko", "/oci2vm/modules/virtio_net.ko"),
            InitConfig.Network.QEMU_USER);
    Path file = Files.write(tmp.resolve("init.conf"), conf);
    Process p = new ProcessBuilder(init.toString(), "--print-config", file.toString()).start();
    String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), "the init accepted the config without warnings: " + err);
    String written = new String(conf, StandardCharsets.UTF_8).replaceFirst("^#[^\n]*\n", "");
    assertEquals(written, printed);
  }

  @Test
  void write_initramfs_holdsTreeThenOci2vmFiles() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (RootFs fs = tree()) {
      InitramfsWriter.write(
          fs,
          null,
          List.of(
              new InitramfsWriter.Extra(
                  "/oci2vm/init", 0755, InitramfsWriter.Content.of(new byte[] {1, 2})),
              new InitramfsWriter.Extra(
                  "/oci2vm/modules/a.ko", 0644, InitramfsWriter.Content.of(new byte[] {3}))),
          InitramfsWriter.Compression.GZIP,
          out);
    }
    Map<String, CpioArchiveEntry> entries = new LinkedHashMap<>();
    Map<String, String> data = new LinkedHashMap<>();
    try (CpioArchiveInputStream in =
        new CpioArchiveInputStream(
            new GzipCompressorInputStream(new ByteArrayInputStream(out.toByteArray())))) {
      for (CpioArchiveEntry e; (e = in.getNextCPIOEntry()) != null; ) {
        entries.put(e.getName(), e);
        data.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    List<String> names = new ArrayList<>(entries.keySet());
    assertEquals(
        List.of(
            "bin",
            "bin/app",
            "bin/link",
            "dev",
            "dev/null",
            "etc",
            "etc/group",
            "etc/passwd",
            "oci2vm",
            "oci2vm/init",
            "oci2vm/modules",
            "oci2vm/modules/a.ko"),
        names);
    assertEquals(0104755, entries.get("bin/app").getMode());
    assertEquals("app", data.get("bin/link"));
    assertEquals(0120777, entries.get("bin/link").getMode());
    assertEquals(3, entries.get("dev/null").getRemoteDeviceMin());
    assertEquals(0100755, entries.get("oci2vm/init").getMode());
    assertTrue(names.indexOf("oci2vm/modules") < names.indexOf("oci2vm/modules/a.ko"));
  }

  @Test
  void write_sameInput_sameBytes() throws IOException {
    byte[][] runs = new byte[2][];
    for (int i = 0; i < 2; i++) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (RootFs fs = tree()) {
        InitramfsWriter.write(fs, null, List.of(), InitramfsWriter.Compression.ZSTD, out);
      }
      runs[i] = out.toByteArray();
    }
    assertEquals(Digest.of(runs[0]), Digest.of(runs[1]));
  }
}
