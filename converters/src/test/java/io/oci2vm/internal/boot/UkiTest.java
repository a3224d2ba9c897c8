package io.oci2vm.internal.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.internal.disk.ExternalTool;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class UkiTest {
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);
  private static final byte[] OS_RELEASE =
      "ID=oci2vm\nPRETTY_NAME=\"oci2vm test\"\n".getBytes(StandardCharsets.UTF_8);
  private static final String CMDLINE = "console=ttyS0 panic=-1";
  // idx name size vma lma file-offset alignment
  private static final Pattern SECTION =
      Pattern.compile(
          "(?m)^\\s*\\d+\\s+(\\S+)\\s+([0-9a-f]{8})\\s+([0-9a-f]{16})\\s+[0-9a-f]{16}\\s+([0-9a-f]{8})");

  @TempDir Path tmp;

  private final byte[] initrd = random(100_003, 1);
  private final byte[] linux = random(1_500_001, 2);

  @BeforeAll
  static void setup() {
    ExternalTool.require("objdump", "binutils");
    assertTrue(
        Files.isRegularFile(Uki.DEFAULT_STUB),
        Uki.DEFAULT_STUB + " is missing: install the Debian package systemd-boot-efi");
  }

  @Test
  void write_systemdStub_objdumpListsNewSectionsInOrderWithSizes() throws IOException {
    List<String[]> stubSections = sections(Uki.DEFAULT_STUB);
    Path uki = writeUki(Uki.DEFAULT_STUB);

    List<String[]> all = sections(uki);
    assertEquals(stubSections.size() + 4, all.size());
    List<String[]> added = all.subList(stubSections.size(), all.size());
    String[] names = {".osrel", ".cmdline", ".initrd", ".linux"};
    long[] sizes = {OS_RELEASE.length, CMDLINE.length(), initrd.length, linux.length};
    long previousEnd = 0;
    for (String[] s : stubSections) {
      previousEnd = Math.max(previousEnd, hex(s[2]) + hex(s[1]));
    }
    for (int i = 0; i < 4; i++) {
      String[] s = added.get(i);
      assertEquals(names[i], s[0]);
      assertEquals(sizes[i], hex(s[1]), names[i]);
      long vma = hex(s[2]);
      assertEquals(0, vma % 4096, names[i] + " must start on a page");
      assertTrue(vma >= previousEnd, names[i] + " overlaps the section before it");
      assertEquals(0, hex(s[3]) % 512, names[i] + " raw data must be file-aligned");
      previousEnd = vma + sizes[i];
    }
  }

  @Test
  void write_systemdStub_sectionContentsReadBackEqual() throws IOException {
    Path uki = writeUki(Uki.DEFAULT_STUB);
    assertArrayEquals(OS_RELEASE, section(uki, ".osrel"));
    assertArrayEquals(CMDLINE.getBytes(StandardCharsets.UTF_8), section(uki, ".cmdline"));
    assertArrayEquals(initrd, section(uki, ".initrd"));
    assertArrayEquals(linux, section(uki, ".linux"));
  }

  @Test
  void write_systemdStub_headerFieldsUpdated() throws IOException {
    Path uki = writeUki(Uki.DEFAULT_STUB);
    String headers =
        ExternalTool.run(TOOL_TIMEOUT, "objdump", "-p", uki.toString()).requireSuccess().output();
    List<String[]> all = sections(uki);
    String[] last = all.get(all.size() - 1);
    long imageEnd = (hex(last[2]) + hex(last[1]) + 511) / 512 * 512; // the stub aligns to 512
    assertTrue(headers.contains(String.format("SizeOfImage\t\t%08x", imageEnd)), headers);
    assertTrue(headers.contains("CheckSum\t\t00000000"), headers);
    assertEquals(
        Uki.of(Uki.DEFAULT_STUB, OS_RELEASE, CMDLINE, payload(initrd), payload(linux)).size(),
        Files.size(uki));
  }

  @Test
  void open_sameBytesAsWriteTo() throws IOException {
    Uki uki = Uki.of(Uki.DEFAULT_STUB, OS_RELEASE, CMDLINE, payload(initrd), payload(linux));
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    uki.writeTo(written);
    byte[] streamed;
    try (InputStream in = uki.open()) {
      streamed = in.readAllBytes();
    }
    assertArrayEquals(written.toByteArray(), streamed);
    assertEquals(uki.size(), streamed.length);
  }

  @Test
  void write_signedStub_certificateTableDropped() throws IOException {
    byte[] stub = Files.readAllBytes(Uki.DEFAULT_STUB);
    int certAt = (stub.length + 7) & ~7;
    byte[] signed = new byte[certAt + 1000];
    System.arraycopy(stub, 0, signed, 0, stub.length);
    ByteBuffer b = ByteBuffer.wrap(signed).order(ByteOrder.LITTLE_ENDIAN);
    int optional = b.getInt(0x3C) + 24;
    b.putInt(optional + 112 + 4 * 8, certAt).putInt(optional + 112 + 4 * 8 + 4, 1000);
    Path signedStub = Files.write(tmp.resolve("signed.efi.stub"), signed);
    assertTrue(objdumpP(signedStub).contains(String.format("Entry 4 %016x 000003e8", certAt)));

    Path uki = writeUki(signedStub);

    assertTrue(objdumpP(uki).contains("Entry 4 0000000000000000 00000000 Security Directory"));
    assertArrayEquals(linux, section(uki, ".linux"));
  }

  @Test
  void write_missingStub_bootloaderNotFound() {
    Oci2vmException e =
        assertThrows(Oci2vmException.class, () -> writeUki(tmp.resolve("no.efi.stub")));
    assertEquals(ErrorCode.BOOTLOADER_NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("install systemd-boot-efi (scripts/setup)"), e.getMessage());
  }

  @Test
  void write_elfInsteadOfPe_bootloaderNotFoundSaysWhy() {
    Oci2vmException e = assertThrows(Oci2vmException.class, () -> writeUki(Path.of("/bin/sh")));
    assertEquals(ErrorCode.BOOTLOADER_NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("no MZ header"), e.getMessage());
  }

  @Test
  void write_noRoomForSectionHeaders_bootloaderNotFoundSaysWhy() throws IOException {
    byte[] stub = Files.readAllBytes(Uki.DEFAULT_STUB);
    ByteBuffer b = ByteBuffer.wrap(stub).order(ByteOrder.LITTLE_ENDIAN);
    int coff = b.getInt(0x3C) + 4;
    int tableEnd = coff + 20 + (b.getShort(coff + 16) & 0xffff) + 40 * b.getShort(coff + 2);
    b.putInt(coff + 20 + 60, tableEnd + 3 * 40); // SizeOfHeaders: room for three only
    Path tight = Files.write(tmp.resolve("tight.efi.stub"), stub);
    Oci2vmException e = assertThrows(Oci2vmException.class, () -> writeUki(tight));
    assertTrue(e.getMessage().contains("no room"), e.getMessage());
  }

  @Test
  void write_kernelShorterThanDeclared_fails() throws IOException {
    Uki.Payload shortLinux =
        new Uki.Payload(linux.length + 1, () -> new ByteArrayInputStream(linux));
    Uki uki = Uki.of(Uki.DEFAULT_STUB, OS_RELEASE, CMDLINE, payload(initrd), shortLinux);
    assertThrows(EOFException.class, () -> uki.writeTo(OutputStream.nullOutputStream()));
  }

  private Path writeUki(Path stub) throws IOException {
    Path out = tmp.resolve("uki.efi");
    try (OutputStream os = Files.newOutputStream(out)) {
      Uki.write(stub, OS_RELEASE, CMDLINE, payload(initrd), payload(linux), os);
    }
    return out;
  }

  private static Uki.Payload payload(byte[] bytes) {
    return Uki.Payload.of(bytes);
  }

  /** The sections objdump -h lists: name, size, vma, file offset (hex strings). */
  private static List<String[]> sections(Path image) throws IOException {
    String out =
        ExternalTool.run(TOOL_TIMEOUT, "objdump", "-h", image.toString()).requireSuccess().output();
    List<String[]> found = new ArrayList<>();
    Matcher m = SECTION.matcher(out);
    while (m.find()) {
      found.add(new String[] {m.group(1), m.group(2), m.group(3), m.group(4)});
    }
    assertTrue(found.size() > 0, out);
    return found;
  }

  private byte[] section(Path image, String name) throws IOException {
    Path out = tmp.resolve(name.substring(1) + ".bin");
    ExternalTool.run(
            TOOL_TIMEOUT,
            "objcopy",
            "-O",
            "binary",
            "--only-section=" + name,
            image.toString(),
            out.toString())
        .requireSuccess();
    return Files.readAllBytes(out);
  }

  private static String objdumpP(Path image) throws IOException {
    return ExternalTool.run(TOOL_TIMEOUT, "objdump", "-p", image.toString())
        .requireSuccess()
        .output();
  }

  private static long hex(String s) {
    return Long.parseLong(s, 16);
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
