package io.oci2vm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.oci2vm.DiskFormat;
import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ConvertCommandTest {
  private static Map<DiskFormat, Path> outputs(String... args) {
    ConvertCommand c = new ConvertCommand();
    new CommandLine(c).parseArgs(args);
    return c.diskOutputs();
  }

  @Test
  void diskOutputs_extensionPicksTheFormat() {
    assertEquals(Map.of(DiskFormat.QCOW2, Path.of("a/x.qcow2")), outputs("img", "-o", "a/x.qcow2"));
    assertEquals(Map.of(DiskFormat.RAW, Path.of("x.img")), outputs("img", "-o", "x.img"));
    assertEquals(Map.of(), outputs("img", "-o", "bundle-dir"), "no disk extension: a bundle");
  }

  @Test
  void diskOutputs_severalFormats_shareTheStemAndNeverCollide() {
    Map<DiskFormat, Path> m =
        outputs(
            "img",
            "-o",
            "out/app.qcow2",
            "-f",
            "qcow2",
            "-f",
            "vhd",
            "-f",
            "vhd-dynamic",
            "-f",
            "vmdk",
            "-f",
            "vmdk-stream",
            "-f",
            "ova");
    assertEquals(
        List.of(
            Path.of("out/app.qcow2"),
            Path.of("out/app.vhd"),
            Path.of("out/app-vhd-dynamic.vhd"),
            Path.of("out/app.vmdk"),
            Path.of("out/app-vmdk-stream.vmdk"),
            Path.of("out/app.ova")),
        List.copyOf(m.values()));
  }

  @Test
  void diskOutputs_explicitFormat_keepsTheGivenName() {
    assertEquals(
        Map.of(DiskFormat.VHD, Path.of("disk.bin")), outputs("img", "-o", "disk.bin", "-f", "vhd"));
  }

  @Test
  void diskOutputs_unknownFormatOrBundleWithDisks_isAClearError() {
    Oci2vmException e =
        assertThrows(Oci2vmException.class, () -> outputs("img", "-o", "x", "-f", "qcow3"));
    assertEquals(ErrorCode.UNKNOWN_FORMAT, e.code());
    e =
        assertThrows(
            Oci2vmException.class, () -> outputs("img", "-o", "x", "-f", "bundle", "-f", "raw"));
    assertEquals(ErrorCode.BAD_OPTION, e.code());
  }
}
