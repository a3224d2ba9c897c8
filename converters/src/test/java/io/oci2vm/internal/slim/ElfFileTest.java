package io.oci2vm.internal.slim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.oci2vm.internal.slim.ElfFile.ElfFormatException;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(120)
class ElfFileTest {
  private static final Path BIN_LS = Path.of("/bin/ls");
  private static final Path LIBC = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
  private static final int EM_X86_64 = 62;
  private static final int ET_DYN = 3;

  @TempDir Path tmp;

  @Test
  void looksLikeElf_magic() {
    assertTrue(ElfFile.looksLikeElf(new byte[] {0x7f, 'E', 'L', 'F'}));
    assertTrue(ElfFile.looksLikeElf(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}));
  }

  @Test
  void looksLikeElf_shortNullOrOtherMagic() {
    assertFalse(ElfFile.looksLikeElf(null));
    assertFalse(ElfFile.looksLikeElf(new byte[0]));
    assertFalse(ElfFile.looksLikeElf(new byte[] {0x7f, 'E', 'L'}));
    assertFalse(ElfFile.looksLikeElf("#!/bin/sh\n".getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void read_binLs_findsInterpreterAndLibc() throws IOException {
    assumeTrue(Files.isRegularFile(BIN_LS), "no /bin/ls on this host");
    ElfFile elf = read(BIN_LS);
    assertTrue(elf.isDynamic());
    assertTrue(elf.needed().contains("libc.so.6"), () -> "needed: " + elf.needed());
    if (elf.machine() == EM_X86_64) {
      assertTrue(elf.is64Bit());
      assertTrue(elf.littleEndian());
      assertEquals(Optional.of("/lib64/ld-linux-x86-64.so.2"), elf.interpreter());
    } else {
      assertTrue(elf.interpreter().isPresent());
    }
  }

  @Test
  void read_binLs_readsOnlyHeadersAndStrings() throws IOException {
    assumeTrue(Files.isRegularFile(BIN_LS), "no /bin/ls on this host");
    try (CountingChannel ch = new CountingChannel(FileChannel.open(BIN_LS))) {
      ElfFile.read(ch);
      assertTrue(ch.bytesRead < 64 * 1024, () -> "read " + ch.bytesRead + " bytes");
      assertTrue(ch.bytesRead < ch.size() / 2, () -> "read " + ch.bytesRead + " bytes");
    }
  }

  @Test
  void read_hostLibc_hasSoname() throws IOException {
    assumeTrue(Files.isRegularFile(LIBC), "no x86-64 glibc on this host");
    ElfFile elf = read(LIBC);
    assertEquals(Optional.of("libc.so.6"), elf.soname());
    assertEquals(ET_DYN, elf.type());
  }

  @Test
  void read_compiledSharedLibrary_hasSonameAndNoInterpreter() throws Exception {
    Path lib =
        compile(
            "libgreet.so",
            "int greet(int x) { return x + 1; }\n",
            "-shared",
            "-fPIC",
            "-Wl,-soname,libgreet.so.1");
    ElfFile elf = read(lib);
    assertEquals(Optional.of("libgreet.so.1"), elf.soname());
    assertEquals(Optional.empty(), elf.interpreter());
    assertEquals(ET_DYN, elf.type());
    assertTrue(elf.isDynamic());
  }

  @Test
  void read_enableNewDtags_givesRunpath() throws Exception {
    Path prog = compile("prog", MAIN, "-Wl,-rpath,$ORIGIN/../lib", "-Wl,--enable-new-dtags");
    ElfFile elf = read(prog);
    assertEquals(List.of("$ORIGIN/../lib"), elf.runpath());
    assertEquals(List.of(), elf.rpath());
  }

  @Test
  void read_disableNewDtags_givesRpathSplitOnColon() throws Exception {
    Path prog =
        compile("prog", MAIN, "-Wl,-rpath,$ORIGIN/../lib:/opt/lib", "-Wl,--disable-new-dtags");
    ElfFile elf = read(prog);
    assertEquals(List.of("$ORIGIN/../lib", "/opt/lib"), elf.rpath());
    assertEquals(List.of(), elf.runpath());
  }

  @Test
  void read_linkedWithLibm_needsLibmThenLibc() throws Exception {
    Path prog =
        compile(
            "mathprog",
            "#include <math.h>\nint main(int argc, char **argv) { return (int) cos(argc); }\n",
            "-Wl,--no-as-needed",
            "-lm");
    ElfFile elf = read(prog);
    assertTrue(elf.needed().contains("libm.so.6"), () -> "needed: " + elf.needed());
    assertTrue(
        elf.needed().indexOf("libm.so.6") < elf.needed().indexOf("libc.so.6"),
        () -> "needed: " + elf.needed());
    assertTrue(elf.interpreter().isPresent());
  }

  @Test
  void read_staticBinary_hasNoInterpreterOrNeeded() throws Exception {
    ElfFile elf = read(compile("static", MAIN, "-static"));
    assertEquals(Optional.empty(), elf.interpreter());
    assertEquals(List.of(), elf.needed());
    assertFalse(elf.isDynamic());
  }

  @Test
  void read_muslStaticBinary_hasNoInterpreterOrNeeded() throws Exception {
    assumeTrue(onPath("musl-gcc"), "musl-gcc is not installed");
    Path src = Files.writeString(tmp.resolve("musl.c"), MAIN);
    Path out = tmp.resolve("musl");
    run("musl-gcc", "-static", "-o", out.toString(), src.toString());
    ElfFile elf = read(out);
    assertEquals(Optional.empty(), elf.interpreter());
    assertEquals(List.of(), elf.needed());
  }

  /** Links with ld directly: -m32 compiles without 32-bit libc or libgcc installed. */
  @Test
  void read_i386ProgramAndLibrary_are32Bit() throws Exception {
    assumeTrue(onPath("gcc"), "gcc is not installed");
    String arch = System.getProperty("os.arch");
    assumeTrue(arch.equals("amd64") || arch.equals("x86_64"), "-m32 needs an x86 host");
    Files.writeString(tmp.resolve("foo.c"), "int foo(int x) { return x + 1; }\n");
    Files.writeString(
        tmp.resolve("main.c"), "int foo(int);\nint _start(void) { return foo(1); }\n");
    run("gcc", "-m32", "-fPIC", "-c", "foo.c", "main.c");
    run("ld", "-m", "elf_i386", "-shared", "-soname", "libfoo.so.1", "foo.o", "-o", "libfoo.so");
    run(
        "ld",
        "-m",
        "elf_i386",
        "-pie",
        "-dynamic-linker",
        "/lib/ld-linux.so.2",
        "--disable-new-dtags",
        "-rpath",
        "/opt/x:/opt/y",
        "main.o",
        "libfoo.so",
        "-o",
        "prog");

    ElfFile lib = read(tmp.resolve("libfoo.so"));
    assertFalse(lib.is64Bit());
    assertEquals(Optional.of("libfoo.so.1"), lib.soname());
    ElfFile prog = read(tmp.resolve("prog"));
    assertFalse(prog.is64Bit());
    assertTrue(prog.littleEndian());
    assertEquals(3, prog.machine()); // EM_386
    assertEquals(Optional.of("/lib/ld-linux.so.2"), prog.interpreter());
    assertEquals(List.of("libfoo.so.1"), prog.needed());
    assertEquals(List.of("/opt/x", "/opt/y"), prog.rpath());
  }

  @ParameterizedTest
  @CsvSource({
    "64, LITTLE_ENDIAN, 62",
    "64, BIG_ENDIAN, 21",
    "32, LITTLE_ENDIAN, 3",
    "32, BIG_ENDIAN, 8"
  })
  void read_craftedFile_anyClassAndByteOrder(int bits, String order, int machine)
      throws IOException {
    ElfBuilder b = new ElfBuilder(bits, order(order));
    b.machine = machine;
    b.needed = List.of("libfoo.so.1", "libc.so.6");
    b.soname = "libself.so.2";
    b.rpath = "/a::/b";
    b.runpath = "$ORIGIN";
    ElfFile elf = parse(b.build());
    assertEquals(bits == 64, elf.is64Bit());
    assertEquals(order.equals("LITTLE_ENDIAN"), elf.littleEndian());
    assertEquals(machine, elf.machine());
    assertEquals(ET_DYN, elf.type());
    assertEquals(Optional.of("/lib/ld-test.so.1"), elf.interpreter());
    assertEquals(List.of("libfoo.so.1", "libc.so.6"), elf.needed());
    assertEquals(Optional.of("libself.so.2"), elf.soname());
    assertEquals(List.of("/a", "", "/b"), elf.rpath());
    assertEquals(List.of("$ORIGIN"), elf.runpath());
    assertTrue(elf.isDynamic());
  }

  @Test
  void read_craftedFileWithoutProgramHeaders_isNotDynamic() throws IOException {
    ElfBuilder b = new ElfBuilder(64, ByteOrder.LITTLE_ENDIAN);
    b.phnum = 0;
    ElfFile elf = parse(b.build());
    assertFalse(elf.isDynamic());
    assertEquals(Optional.empty(), elf.interpreter());
    assertEquals(List.of(), elf.needed());
  }

  @Test
  void read_strtabOutsideSegments_fallsBackToDynstrSection() throws IOException {
    ElfBuilder b = new ElfBuilder(64, ByteOrder.BIG_ENDIAN);
    b.sections = true;
    b.strtabAddress = 0x7fff_0000_0000L;
    assertEquals(List.of("libc.so.6"), parse(b.build()).needed());
  }

  @Test
  void read_strtabOutOfRangeWithoutSections_throws() {
    ElfBuilder b = new ElfBuilder(64, ByteOrder.LITTLE_ENDIAN);
    b.strtabAddress = 0xffff_ffff_ffff_fff0L;
    assertMalformed(b.build(), "DT_STRTAB");
  }

  @Test
  void read_strtabMappedPastEndOfFile_throws() {
    ElfBuilder b = new ElfBuilder(32, ByteOrder.LITTLE_ENDIAN);
    b.loadFilesz = 0xffff_0000L;
    b.strtabAddress = 0x8000_0000L; // inside the forged segment, far past EOF
    assertMalformed(b.build(), "DT_STRTAB");
  }

  @Test
  void read_noStrtab_throws() {
    ElfBuilder b = new ElfBuilder(64, ByteOrder.LITTLE_ENDIAN);
    b.omitStrtab = true;
    assertMalformed(b.build(), "DT_STRTAB");
  }

  @Test
  void read_neededOffsetOutsideStringTable_throws() {
    ElfBuilder b = new ElfBuilder(64, ByteOrder.LITTLE_ENDIAN);
    b.extraDynamic = List.of(new long[] {1, 0x7fff_ffffL}); // DT_NEEDED
    assertMalformed(b.build(), "outside");
  }

  @Test
  void read_stringRunsOffItsTable_throws() {
    ElfBuilder b = new ElfBuilder(64, ByteOrder.LITTLE_ENDIAN);
    b.strsz = 4L; // cuts "libc.so.6" short
    assertMalformed(b.build(), "runs off");
  }

  @Test
  void read_stringLongerThanLimit_throws() {
    ElfBuilder b = new ElfBuilder(32, ByteOrder.BIG_ENDIAN);
    b.needed = List.of("x".repeat(ElfFile.MAX_STRING_BYTES + 10));
    assertMalformed(b.build(), "longer than");
  }

  @Test
  void read_tooManyDynamicEntries_throws() {
    ElfBuilder b = new ElfBuilder(64, ByteOrder.LITTLE_ENDIAN);
    List<long[]> debug = new ArrayList<>();
    for (int i = 0; i <= ElfFile.MAX_DYNAMIC_ENTRIES; i++) {
      debug.add(new long[] {21, 0}); // DT_DEBUG
    }
    b.extraDynamic = debug;
    assertMalformed(b.build(), "entries");
  }

  @Test
  void read_dynamicPastEndOfFile_throws() {
    ElfBuilder b = new ElfBuilder(64, ByteOrder.LITTLE_ENDIAN);
    b.dynamicFilesz = 1L << 40;
    assertMalformed(b.build(), "PT_DYNAMIC");
  }

  @Test
  void read_emptyFile_throws() {
    assertMalformed(new byte[0], "too short");
  }

  @Test
  void read_onlyMagic_throws() {
    assertMalformed(new byte[] {0x7f, 'E', 'L', 'F'}, "too short");
  }

  @Test
  void read_shellScript_throwsNotElf() {
    byte[] script = "#!/bin/sh\necho hello from a script\n".getBytes(StandardCharsets.US_ASCII);
    assertFalse(ElfFile.looksLikeElf(script));
    assertMalformed(script, "not an ELF file");
  }

  @Test
  void read_unknownClassOrEncoding_throws() {
    byte[] elf = new ElfBuilder(64, ByteOrder.LITTLE_ENDIAN).build();
    elf[4] = 3;
    assertMalformed(elf, "class");
    elf[4] = 2;
    elf[5] = 0;
    assertMalformed(elf, "encoding");
  }

  @Test
  void read_truncatedHeader_throws() {
    byte[] elf = new ElfBuilder(64, ByteOrder.LITTLE_ENDIAN).build();
    assertMalformed(Arrays.copyOf(elf, 40), "ELF header");
  }

  @Test
  void read_programHeadersPastEof_throws() {
    ElfBuilder b = new ElfBuilder(64, ByteOrder.LITTLE_ENDIAN);
    b.phoff = 1L << 40;
    assertMalformed(b.build(), "program header table");
    b.phoff = -8L; // 0xfffffffffffffff8 unsigned
    assertMalformed(b.build(), "program header table");
  }

  @Test
  void read_absurdPhnum_throws() {
    ElfBuilder b = new ElfBuilder(32, ByteOrder.LITTLE_ENDIAN);
    b.phnum = 0xfffe;
    assertMalformed(b.build(), "program header table");
    b.phnum = 0xffff;
    assertMalformed(b.build(), "PN_XNUM");
  }

  @Test
  void read_wrongPhentsize_throws() {
    byte[] elf = new ElfBuilder(64, ByteOrder.LITTLE_ENDIAN).build();
    elf[54] = 8; // e_phentsize, low byte
    assertMalformed(elf, "e_phentsize");
  }

  @Test
  void read_interpreterPastEof_throws() {
    ElfBuilder b = new ElfBuilder(64, ByteOrder.BIG_ENDIAN);
    b.interpOffset = 1L << 32;
    assertMalformed(b.build(), "PT_INTERP");
  }

  @Test
  void read_fileTruncatedAnywhere_throwsOnlyElfFormatException() throws IOException {
    byte[] elf = withSections(new ElfBuilder(64, ByteOrder.LITTLE_ENDIAN)).build();
    for (int len = 0; len < elf.length; len++) {
      parseOrMalformed(Arrays.copyOf(elf, len));
    }
  }

  @Test
  void read_randomBytesAfterMagic_throwsOnlyElfFormatException() throws IOException {
    Random random = new Random(42);
    for (int i = 0; i < 5000; i++) {
      byte[] bytes = new byte[random.nextInt(1024)];
      random.nextBytes(bytes);
      byte[] magic = {0x7f, 'E', 'L', 'F', (byte) (1 + (i & 1)), (byte) (1 + (i >> 1 & 1))};
      System.arraycopy(magic, 0, bytes, 0, Math.min(magic.length, bytes.length));
      parseOrMalformed(bytes);
    }
  }

  @ParameterizedTest
  @CsvSource({"64, LITTLE_ENDIAN", "64, BIG_ENDIAN", "32, LITTLE_ENDIAN", "32, BIG_ENDIAN"})
  void read_mutatedCraftedFile_throwsOnlyElfFormatException(int bits, String order)
      throws IOException {
    byte[] valid = withSections(new ElfBuilder(bits, order(order))).build();
    Random random = new Random(bits * 31L + order.length());
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = valid.clone();
      for (int n = 1 + random.nextInt(6); n > 0; n--) {
        bytes[6 + random.nextInt(bytes.length - 6)] = (byte) random.nextInt();
      }
      parseOrMalformed(bytes);
    }
  }

  @Test
  void read_mutatedBinLsHeaders_throwsOnlyElfFormatException() throws IOException {
    assumeTrue(Files.isRegularFile(BIN_LS), "no /bin/ls on this host");
    byte[] valid = Files.readAllBytes(BIN_LS);
    Random random = new Random(7);
    for (int i = 0; i < 2000; i++) {
      byte[] bytes = valid.clone();
      for (int n = 1 + random.nextInt(4); n > 0; n--) {
        bytes[random.nextInt(1024)] = (byte) random.nextInt();
      }
      parseOrMalformed(bytes);
    }
  }

  private static final String MAIN = "int main(void) { return 0; }\n";

  private static ElfBuilder withSections(ElfBuilder b) {
    b.sections = true;
    b.soname = "libx.so";
    b.runpath = "/r";
    return b;
  }

  private static ByteOrder order(String name) {
    return name.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
  }

  private static ElfFile read(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path)) {
      return ElfFile.read(ch);
    }
  }

  /** Writes {@code bytes} to a file, since that is what the slimmer reads. */
  private ElfFile parse(byte[] bytes) throws IOException {
    Path file = Files.write(Files.createTempFile(tmp, "elf", ""), bytes);
    return read(file);
  }

  private void assertMalformed(byte[] bytes, String messagePart) {
    ElfFormatException e = assertThrows(ElfFormatException.class, () -> parse(bytes));
    assertTrue(
        e.getMessage().contains(messagePart),
        () -> "message \"" + e.getMessage() + "\" does not mention " + messagePart);
  }

  /** In memory, because fuzzing writes thousands of inputs. */
  private static void parseOrMalformed(byte[] bytes) throws IOException {
    try (SeekableInMemoryByteChannel ch = new SeekableInMemoryByteChannel(bytes)) {
      ElfFile elf = ElfFile.read(ch);
      for (String s : elf.needed()) {
        assertTrue(s.length() <= ElfFile.MAX_STRING_BYTES);
      }
    } catch (ElfFormatException expected) {
      assertTrue(expected.getMessage() != null && !expected.getMessage().isEmpty());
    } catch (RuntimeException e) {
      fail("input " + Arrays.toString(Arrays.copyOf(bytes, 64)) + "... threw", e);
    }
  }

  private Path compile(String name, String source, String... flags) throws Exception {
    assumeTrue(onPath("gcc"), "gcc is not installed");
    Path src = Files.writeString(tmp.resolve(name + ".c"), source);
    Path out = tmp.resolve(name);
    List<String> cmd = new ArrayList<>(List.of("gcc", "-o", out.toString(), src.toString()));
    cmd.addAll(List.of(flags));
    run(cmd.toArray(String[]::new));
    return out;
  }

  private void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), () -> String.join(" ", cmd) + " timed out");
    assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + " failed:\n" + output);
  }

  private static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    return path != null
        && Arrays.stream(path.split(File.pathSeparator))
            .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
  }

  /** Counts the bytes a parse pulls from the file. */
  private static final class CountingChannel implements SeekableByteChannel {
    private final SeekableByteChannel delegate;
    long bytesRead;

    CountingChannel(SeekableByteChannel delegate) {
      this.delegate = delegate;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      int n = delegate.read(dst);
      bytesRead += Math.max(n, 0);
      return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      throw new IOException("read-only");
    }

    @Override
    public long position() throws IOException {
      return delegate.position();
    }

    @Override
    public SeekableByteChannel position(long newPosition) throws IOException {
      delegate.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return delegate.size();
    }

    @Override
    public SeekableByteChannel truncate(long size) throws IOException {
      throw new IOException("read-only");
    }

    @Override
    public boolean isOpen() {
      return delegate.isOpen();
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }

  /**
   * Writes minimal ELF files: for shapes no host compiler produces (big-endian, 32-bit) and for
   * forged fields. The layout is header, program headers (PT_INTERP, PT_LOAD over the whole file,
   * PT_DYNAMIC), interpreter, .dynstr, .dynamic, then optional section headers.
   */
  private static final class ElfBuilder {
    static final long BASE = 0x10000;

    final boolean is64;
    final ByteOrder order;
    int machine = 62;
    String interp = "/lib/ld-test.so.1";
    List<String> needed = List.of("libc.so.6");
    String soname;
    String rpath;
    String runpath;
    boolean sections;
    boolean omitStrtab;
    List<long[]> extraDynamic = List.of();
    Long strtabAddress;
    Long strsz;
    Long phoff;
    Integer phnum;
    Long interpOffset;
    Long loadFilesz;
    Long dynamicFilesz;

    ElfBuilder(int bits, ByteOrder order) {
      this.is64 = bits == 64;
      this.order = order;
    }

    byte[] build() {
      int ehsize = is64 ? 64 : 52;
      int phentsize = is64 ? 56 : 32;
      int shentsize = is64 ? 64 : 40;
      int dynentsize = is64 ? 16 : 8;

      Map<String, Integer> strOffsets = new LinkedHashMap<>();
      StringBuilder strtab = new StringBuilder("\0");
      for (String s : allStrings()) {
        strOffsets.putIfAbsent(s, strtab.length());
        strtab.append(s).append('\0');
      }
      byte[] strBytes = strtab.toString().getBytes(StandardCharsets.UTF_8);
      byte[] interpBytes = (interp + "\0").getBytes(StandardCharsets.UTF_8);

      List<long[]> dyn = new ArrayList<>(extraDynamic);
      needed.forEach(n -> dyn.add(new long[] {1, strOffsets.get(n)}));
      addString(dyn, 14, soname, strOffsets);
      addString(dyn, 15, rpath, strOffsets);
      addString(dyn, 29, runpath, strOffsets);

      int phOff = ehsize;
      int interpOff = phOff + 3 * phentsize;
      int strOff = interpOff + interpBytes.length;
      int dynOff = align(strOff + strBytes.length);
      if (!omitStrtab) {
        dyn.add(new long[] {5, strtabAddress != null ? strtabAddress : BASE + strOff});
      }
      dyn.add(new long[] {10, strsz != null ? strsz : strBytes.length});
      dyn.add(new long[] {0, 0});
      int dynSize = dyn.size() * dynentsize;
      int shOff = align(dynOff + dynSize);
      int total = sections ? shOff + 3 * shentsize : shOff;

      ByteBuffer b = ByteBuffer.allocate(total).order(order);
      b.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) (is64 ? 2 : 1)});
      b.put((byte) (order == ByteOrder.LITTLE_ENDIAN ? 1 : 2)).put((byte) 1);
      b.position(16);
      b.putShort((short) ET_DYN).putShort((short) machine).putInt(1);
      word(b, 0); // e_entry
      word(b, phoff != null ? phoff : phOff);
      word(b, sections ? shOff : 0);
      b.putInt(0).putShort((short) ehsize).putShort((short) phentsize);
      b.putShort((short) (phnum != null ? phnum : 3));
      b.putShort((short) shentsize).putShort((short) (sections ? 3 : 0)).putShort((short) 0);

      b.position(phOff);
      long interpAt = interpOffset != null ? interpOffset : interpOff;
      phdr(b, 3, interpAt, BASE + interpOff, interpBytes.length);
      phdr(b, 1, 0, BASE, loadFilesz != null ? loadFilesz : total);
      phdr(b, 2, dynOff, BASE + dynOff, dynamicFilesz != null ? dynamicFilesz : dynSize);
      b.position(interpOff);
      b.put(interpBytes).put(strBytes);
      b.position(dynOff);
      for (long[] d : dyn) {
        word(b, d[0]);
        word(b, d[1]);
      }
      if (sections) {
        b.position(shOff + shentsize); // section 0 is all zeros
        shdr(b, 3, BASE + strOff, strOff, strBytes.length, 0); // .dynstr
        shdr(b, 6, BASE + dynOff, dynOff, dynSize, 1); // .dynamic, linked to .dynstr
      }
      return b.array();
    }

    private List<String> allStrings() {
      List<String> all = new ArrayList<>(needed);
      for (String s : new String[] {soname, rpath, runpath}) {
        if (s != null) {
          all.add(s);
        }
      }
      return all;
    }

    private static void addString(
        List<long[]> dyn, long tag, String value, Map<String, Integer> offsets) {
      if (value != null) {
        dyn.add(new long[] {tag, offsets.get(value)});
      }
    }

    private static int align(int offset) {
      return (offset + 7) & ~7;
    }

    private void phdr(ByteBuffer b, int type, long offset, long vaddr, long filesz) {
      b.putInt(type);
      if (is64) {
        b.putInt(4);
      }
      word(b, offset);
      word(b, vaddr);
      word(b, vaddr);
      word(b, filesz);
      word(b, filesz);
      if (!is64) {
        b.putInt(4);
      }
      word(b, 8);
    }

    private void shdr(ByteBuffer b, int type, long addr, long offset, long size, int link) {
      b.putInt(0).putInt(type);
      word(b, 2); // SHF_ALLOC
      word(b, addr);
      word(b, offset);
      word(b, size);
      b.putInt(link).putInt(0);
      word(b, 8);
      word(b, 0);
    }

    private void word(ByteBuffer b, long v) {
      if (is64) {
        b.putLong(v);
      } else {
        b.putInt((int) v);
      }
    }
  }
}
