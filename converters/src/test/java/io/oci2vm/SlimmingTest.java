package io.oci2vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.fixtures.Compression;
import io.oci2vm.fixtures.Fixtures;
import io.oci2vm.fixtures.Layer;
import io.oci2vm.fixtures.LayerEntry;
import io.oci2vm.fixtures.OciImageBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Slimming through the public API, on images made of real host programs. */
class SlimmingTest {
  @TempDir Path tmp;

  private RootfsResult slim(OciImageBuilder image, SlimPolicy policy) {
    Path layout = tmp.resolve("layout" + System.nanoTime());
    image.writeLayout(layout, "t");
    return Conversion.from(ImageSource.ociLayout(layout, "t"))
        .cacheDir(tmp.resolve("cache"))
        .writeRootfsTar(tmp.resolve("out" + System.nanoTime() + ".tar"), policy);
  }

  private static Map<String, String> reasons(RootfsResult r) {
    return r.report().kept().stream()
        .collect(Collectors.toMap(SlimReport.Kept::path, SlimReport.Kept::reason));
  }

  private static List<String> droppedPaths(RootfsResult r) {
    return r.report().dropped().stream().map(SlimReport.Dropped::path).toList();
  }

  @Test
  void slim_glibcFixture_keepsElfClosureAndConfigDropsJunk() throws IOException {
    var fixture = Fixtures.glibcApp();
    RootfsResult r =
        Conversion.from(ImageSource.ociLayout(fixture.layout(), fixture.tag()))
            .cacheDir(tmp.resolve("cache"))
            .writeRootfsTar(tmp.resolve("out.tar"), SlimPolicy.DEFAULT);
    Map<String, String> why = reasons(r);
    assertEquals("entrypoint", why.get("/usr/local/bin/hello"));
    String libm =
        why.keySet().stream().filter(p -> p.endsWith("/libm.so.6")).findFirst().orElseThrow();
    assertEquals("ELF dependency of /usr/local/bin/hello", why.get(libm));
    assertTrue(
        why.entrySet().stream()
            .anyMatch(
                e ->
                    e.getKey().contains("ld-linux-x86-64.so.2")
                        && e.getValue().startsWith("ELF interpreter of")),
        why.toString());
    assertEquals("config read by libc and common programs", why.get("/etc/passwd"));
    assertTrue(why.containsKey("/etc/ld.so.conf.d/x86_64-linux-gnu.conf"));
    assertTrue(droppedPaths(r).contains("/usr/bin/unrelated"));
    assertTrue(droppedPaths(r).contains("/usr/share/doc/libjunk/manual.bin"));
    assertTrue(r.report().unresolved().isEmpty(), r.report().unresolved().toString());
    assertTrue(r.report().bytesAfter() < r.report().bytesBefore());
    List<String> names = TarNames.of(r.output());
    assertTrue(names.contains("usr/local/bin/hello"), names.toString());
    assertFalse(names.contains("usr/bin/unrelated"));
  }

  @Test
  void slim_shellScriptEntrypoint_keepsInterpreterAndCommandsItRuns() throws IOException {
    List<LayerEntry> entries = new ArrayList<>();
    entries.addAll(HostPrograms.program("/bin/dash", "bin/sh"));
    entries.addAll(HostPrograms.program("/usr/bin/cat", "usr/bin/cat"));
    entries.addAll(HostPrograms.program("/usr/bin/head", "usr/bin/head"));
    entries.add(LayerEntry.file("etc/motd", "hi\n"));
    entries.add(
        LayerEntry.file("app/run.sh", "#!/bin/sh\nset -e\nexec cat /etc/motd\n").mode(0755));
    RootfsResult r =
        slim(
            OciImageBuilder.create()
                .addLayer(Layer.of(Compression.GZIP, entries))
                .entrypoint("/app/run.sh")
                .env("PATH", "/usr/bin:/bin"),
            SlimPolicy.DEFAULT);
    Map<String, String> why = reasons(r);
    assertEquals("interpreter of /app/run.sh", why.get("/bin/sh"));
    assertEquals("command run by script /app/run.sh", why.get("/usr/bin/cat"));
    assertEquals("command run by script /app/run.sh", why.get("/etc/motd"));
    assertTrue(droppedPaths(r).contains("/usr/bin/head"));
  }

  @Test
  void slim_envShebang_resolvesInterpreterThroughPath() throws IOException {
    List<LayerEntry> entries = new ArrayList<>(HostPrograms.program("/usr/bin/env", "usr/bin/env"));
    entries.addAll(HostPrograms.program("/bin/dash", "usr/bin/dash"));
    entries.add(LayerEntry.file("usr/local/bin/tool", "#!/usr/bin/env dash\necho hi\n").mode(0755));
    RootfsResult r =
        slim(
            OciImageBuilder.create()
                .addLayer(Layer.of(Compression.GZIP, entries))
                .entrypoint("tool")
                .env("PATH", "/usr/local/bin:/usr/bin"),
            SlimPolicy.DEFAULT);
    Map<String, String> why = reasons(r);
    assertEquals("entrypoint", why.get("/usr/local/bin/tool"));
    assertEquals("interpreter of /usr/local/bin/tool", why.get("/usr/bin/env"));
    assertEquals("interpreter of /usr/local/bin/tool (through env)", why.get("/usr/bin/dash"));
  }

  @Test
  void slim_runpathWithOrigin_findsPrivateLibrary() throws Exception {
    HostPrograms.compile(tmp, "libgreet.so", "int greet(void){return 42;}", "-shared", "-fPIC");
    Path prog =
        HostPrograms.compile(
            tmp,
            "prog",
            "int greet(void); int main(void){return greet()==42?0:1;}",
            "-L" + tmp,
            "-l:libgreet.so",
            "-Wl,-rpath,$ORIGIN/../lib",
            "-Wl,--enable-new-dtags");
    List<LayerEntry> entries = new ArrayList<>();
    for (String lib : HostPrograms.libraries("/bin/dash")) {
      entries.add(LayerEntry.fileFrom(lib.substring(1), Path.of(lib).toRealPath()));
    }
    entries.add(LayerEntry.fileFrom("opt/app/bin/prog", prog).mode(0755));
    entries.add(LayerEntry.fileFrom("opt/app/lib/libgreet.so", tmp.resolve("libgreet.so")));
    entries.add(LayerEntry.fileFrom("opt/other/libgreet.so", tmp.resolve("libgreet.so")));
    RootfsResult r =
        slim(
            OciImageBuilder.create()
                .addLayer(Layer.of(Compression.GZIP, entries))
                .entrypoint("/opt/app/bin/prog"),
            SlimPolicy.DEFAULT);
    Map<String, String> why = reasons(r);
    assertEquals("ELF dependency of /opt/app/bin/prog", why.get("/opt/app/lib/libgreet.so"));
    assertTrue(droppedPaths(r).contains("/opt/other/libgreet.so"));
  }

  @Test
  void slim_missingLibrary_isReportedUnresolved() throws Exception {
    HostPrograms.compile(tmp, "libgone.so", "int gone(void){return 1;}", "-shared", "-fPIC");
    Path prog =
        HostPrograms.compile(
            tmp,
            "needy",
            "int gone(void); int main(void){return gone();}",
            "-L" + tmp,
            "-l:libgone.so");
    RootfsResult r =
        slim(
            OciImageBuilder.create()
                .addLayer(
                    Layer.of(Compression.GZIP, LayerEntry.fileFrom("bin/needy", prog).mode(0755)))
                .entrypoint("/bin/needy"),
            SlimPolicy.DEFAULT);
    assertTrue(
        r.report().unresolved().contains(new SlimReport.Unresolved("libgone.so", "/bin/needy")),
        r.report().unresolved().toString());
  }

  @Test
  void slim_keepGlob_keepsMatchesWithReason() throws IOException {
    var fixture = Fixtures.glibcApp();
    RootfsResult r =
        Conversion.from(ImageSource.ociLayout(fixture.layout(), fixture.tag()))
            .cacheDir(tmp.resolve("cache"))
            .writeRootfsTar(
                tmp.resolve("out.tar"),
                SlimPolicy.DEFAULT.keep(List.of("/usr/share/doc/**/*.bin")));
    assertEquals(
        "user keep pattern /usr/share/doc/**/*.bin",
        reasons(r).get("/usr/share/doc/libjunk/manual.bin"));
    assertTrue(droppedPaths(r).contains("/usr/share/doc/libjunk/changelog"));
  }

  @Test
  void slim_badKeepGlob_isBadOption() {
    var fixture = Fixtures.glibcApp();
    Oci2vmException e =
        assertThrows(
            Oci2vmException.class,
            () ->
                Conversion.from(ImageSource.ociLayout(fixture.layout(), fixture.tag()))
                    .cacheDir(tmp.resolve("cache"))
                    .writeRootfsTar(
                        tmp.resolve("out.tar"), SlimPolicy.DEFAULT.keep(List.of("relative/**"))));
    assertEquals(ErrorCode.BAD_OPTION, e.code());
  }

  @Test
  void slim_runtimeProfiles_keepPythonAndJvmTrees() throws IOException {
    List<LayerEntry> entries = new ArrayList<>();
    entries.addAll(HostPrograms.program("/bin/dash", "usr/bin/python3.11"));
    entries.add(LayerEntry.symlink("usr/bin/python3", "python3.11"));
    entries.add(LayerEntry.file("usr/lib/python3.11/os.py", "# os\n"));
    entries.add(LayerEntry.file("usr/lib/python3.11/json/__init__.py", "# json\n"));
    entries.add(LayerEntry.file("usr/lib/python3.11/test/test_big.py", "# tests\n"));
    entries.add(LayerEntry.file("srv/app/server.py", "import json\n"));
    entries.add(LayerEntry.file("srv/app/util.py", "# helper module\n"));
    RootfsResult py =
        slim(
            OciImageBuilder.create()
                .addLayer(Layer.of(Compression.GZIP, entries))
                .entrypoint("python3", "server.py")
                .env("PATH", "/usr/bin")
                .workingDir("/srv/app"),
            SlimPolicy.DEFAULT);
    Map<String, String> why = reasons(py);
    assertEquals("runtime profile: Python 3.11", why.get("/usr/lib/python3.11/json/__init__.py"));
    // The script's directory is kept as its argument's home before the working-directory rule.
    assertEquals("directory of the entrypoint's argument server.py", why.get("/srv/app/util.py"));
    assertTrue(droppedPaths(py).contains("/usr/lib/python3.11/test/test_big.py"));

    List<LayerEntry> jvm = new ArrayList<>(HostPrograms.program("/bin/dash", "opt/java/bin/java"));
    jvm.add(LayerEntry.file("opt/java/lib/modules", "jimage"));
    jvm.add(LayerEntry.file("opt/java/jmods/java.base.jmod", "jmod"));
    jvm.add(LayerEntry.file("app/app.jar", "PK"));
    RootfsResult j =
        slim(
            OciImageBuilder.create()
                .addLayer(Layer.of(Compression.GZIP, jvm))
                .entrypoint("/opt/java/bin/java", "-jar", "/app/app.jar"),
            SlimPolicy.DEFAULT);
    Map<String, String> jwhy = reasons(j);
    assertNotNull(jwhy.get("/opt/java/lib/modules"));
    assertTrue(jwhy.get("/opt/java/lib/modules").startsWith("runtime profile: JVM"));
    assertEquals("argument of the entrypoint (/app/app.jar)", jwhy.get("/app/app.jar"));
    assertTrue(droppedPaths(j).contains("/opt/java/jmods/java.base.jmod"));
  }

  @Test
  void slim_debianPackages_keepOwnerAndDependencyDataButNotBaseOrDocs() throws IOException {
    List<LayerEntry> entries =
        new ArrayList<>(HostPrograms.program("/bin/dash", "usr/sbin/server"));
    entries.add(LayerEntry.file("usr/share/server/index.html", "<h1>hi</h1>"));
    entries.add(LayerEntry.file("usr/share/doc/server/README", "docs"));
    entries.add(LayerEntry.file("etc/server/server.conf", "listen 80;"));
    entries.add(LayerEntry.file("usr/share/base/big.dat", "base system data"));
    entries.add(
        LayerEntry.file(
            "var/lib/dpkg/status",
            "Package: server\nStatus: install ok installed\nPriority: optional\n"
                + "Depends: server-common (= 1.0), libc6 (>= 2.36) | libc6-alt\n\n"
                + "Package: server-common\nStatus: install ok installed\nPriority: optional\n"
                + "Description: data\n more description\n\n"
                + "Package: libc6\nStatus: install ok installed\nPriority: required\n\n"));
    entries.add(
        LayerEntry.file(
            "var/lib/dpkg/info/server.list", "/.\n/usr\n/usr/sbin\n/usr/sbin/server\n"));
    entries.add(
        LayerEntry.file(
            "var/lib/dpkg/info/server-common.list",
            "/usr/share/server/index.html\n/usr/share/doc/server/README\n/etc/server/server.conf\n"));
    entries.add(LayerEntry.file("var/lib/dpkg/info/libc6.list", "/usr/share/base/big.dat\n"));
    RootfsResult r =
        slim(
            OciImageBuilder.create()
                .addLayer(Layer.of(Compression.GZIP, entries))
                .entrypoint("server")
                .env("PATH", "/usr/sbin"),
            SlimPolicy.DEFAULT);
    Map<String, String> why = reasons(r);
    assertEquals(
        "runtime profile: Debian package server-common (dependency of server)",
        why.get("/usr/share/server/index.html"));
    assertEquals(
        "runtime profile: Debian package server-common (dependency of server)",
        why.get("/etc/server/server.conf"));
    List<String> dropped = droppedPaths(r);
    assertTrue(dropped.contains("/usr/share/doc/server/README"));
    assertTrue(dropped.contains("/usr/share/base/big.dat"));
  }

  @Test
  void slim_noEntrypoint_isNoEntrypoint() {
    OciImageBuilder noCmd =
        OciImageBuilder.create().addLayer(Layer.of(Compression.GZIP, LayerEntry.file("a", "a")));
    assertEquals(
        ErrorCode.NO_ENTRYPOINT,
        assertThrows(Oci2vmException.class, () -> slim(noCmd, SlimPolicy.DEFAULT)).code());
    OciImageBuilder missing =
        OciImageBuilder.create()
            .addLayer(Layer.of(Compression.GZIP, LayerEntry.file("a", "a")))
            .entrypoint("nginx");
    Oci2vmException e =
        assertThrows(Oci2vmException.class, () -> slim(missing, SlimPolicy.DEFAULT));
    assertEquals(ErrorCode.NO_ENTRYPOINT, e.code());
    assertTrue(e.getMessage().contains("nginx"), e.getMessage());
    // --no-slim needs no entrypoint
    assertEquals(1, slim(noCmd, SlimPolicy.NONE).report().filesAfter());
  }

  @Test
  void noSlim_hardlinksWrittenAsLinks() throws IOException {
    RootfsResult r =
        slim(
            OciImageBuilder.create()
                .addLayer(
                    Layer.of(
                        Compression.GZIP,
                        LayerEntry.file("a", "same"),
                        LayerEntry.hardLink("b", "a"))),
            SlimPolicy.NONE);
    try (var t = new org.apache.commons.compress.archivers.tar.TarFile(r.output())) {
      var b =
          t.getEntries().stream().filter(e -> e.getName().equals("b")).findFirst().orElseThrow();
      assertTrue(b.isLink());
      assertEquals("a", b.getLinkName());
    }
    assertEquals(2, r.report().filesBefore());
    assertEquals(4, r.report().bytesBefore(), "hard-linked content counts once");
  }
}
