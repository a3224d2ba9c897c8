package io.oci2vm.internal.slim;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The parts of an ELF file that decide which shared libraries it loads: its interpreter and its
 * dynamic section. The file comes from an untrusted image, so {@link #read} reads only the headers,
 * the dynamic array and the strings it names, checks every offset against the file size, caps every
 * count and string, and reports any malformation as an {@link ElfFormatException}.
 */
public final class ElfFile {
  /** e_phnum is 16 bits; its largest value, PN_XNUM, is an escape we do not follow. */
  private static final int PN_XNUM = 0xffff;

  /**
   * Real programs have a few dozen dynamic entries; this bounds the read of a forged PT_DYNAMIC.
   */
  static final int MAX_DYNAMIC_ENTRIES = 4096;

  /** PATH_MAX: the longest interpreter or library name the loader would accept. */
  static final int MAX_STRING_BYTES = 4096;

  private static final int PT_LOAD = 1;
  private static final int PT_DYNAMIC = 2;
  private static final int PT_INTERP = 3;
  private static final int SHT_STRTAB = 3;
  private static final int SHT_DYNAMIC = 6;
  private static final long DT_NULL = 0;
  private static final long DT_NEEDED = 1;
  private static final long DT_STRTAB = 5;
  private static final long DT_STRSZ = 10;
  private static final long DT_SONAME = 14;
  private static final long DT_RPATH = 15;
  private static final long DT_RUNPATH = 29;

  private final boolean is64Bit;
  private final boolean littleEndian;
  private final int machine;
  private final int type;
  private final String interpreter;
  private final boolean dynamic;
  private final List<String> needed;
  private final List<String> rpath;
  private final List<String> runpath;
  private final String soname;

  private ElfFile(Parser p, String interpreter, boolean dynamic, DynamicStrings strings) {
    this.is64Bit = p.is64;
    this.littleEndian = p.order == ByteOrder.LITTLE_ENDIAN;
    this.machine = p.machine;
    this.type = p.type;
    this.interpreter = interpreter;
    this.dynamic = dynamic;
    this.needed = List.copyOf(strings.needed);
    this.rpath = splitPath(strings.rpath);
    this.runpath = splitPath(strings.runpath);
    this.soname = strings.soname;
  }

  /** Whether {@code head}, the first bytes of a file, starts with the ELF magic {@code \x7fELF}. */
  public static boolean looksLikeElf(byte[] head) {
    return head != null
        && head.length >= 4
        && head[0] == 0x7f
        && head[1] == 'E'
        && head[2] == 'L'
        && head[3] == 'F';
  }

  /**
   * Parses the ELF file in {@code ch}, which must support {@code size()} and positioned reads.
   *
   * @throws ElfFormatException if the file is not ELF or is malformed
   * @throws IOException if reading the channel fails
   */
  public static ElfFile read(SeekableByteChannel ch) throws IOException {
    return new Parser(Objects.requireNonNull(ch, "ch was not specified")).parse();
  }

  /** Whether the file is ELFCLASS64. */
  public boolean is64Bit() {
    return is64Bit;
  }

  /** Whether the file is ELFDATA2LSB. */
  public boolean littleEndian() {
    return littleEndian;
  }

  /** The e_machine field, e.g. 62 for x86-64 or 183 for AArch64. */
  public int machine() {
    return machine;
  }

  /** The e_type field, e.g. 2 for an executable or 3 for a shared object or PIE. */
  public int type() {
    return type;
  }

  /** The program interpreter (PT_INTERP), without its trailing NUL; empty for static files. */
  public Optional<String> interpreter() {
    return Optional.ofNullable(interpreter);
  }

  /** The DT_NEEDED library names, in file order. */
  public List<String> needed() {
    return needed;
  }

  /**
   * The DT_RPATH directories. Empty elements are kept because the loader reads them as the current
   * directory; {@code $ORIGIN} and similar tokens are left unexpanded.
   */
  public List<String> rpath() {
    return rpath;
  }

  /** The DT_RUNPATH directories, split like {@link #rpath()}. */
  public List<String> runpath() {
    return runpath;
  }

  /** The DT_SONAME of a shared library. */
  public Optional<String> soname() {
    return Optional.ofNullable(soname);
  }

  /** Whether the file has a PT_DYNAMIC segment, i.e. is linked dynamically. */
  public boolean isDynamic() {
    return dynamic;
  }

  private static List<String> splitPath(String path) {
    return path == null || path.isEmpty() ? List.of() : List.of(path.split(":", -1));
  }

  /** Thrown when a file is not ELF or its headers, dynamic section or strings are malformed. */
  public static final class ElfFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An exception whose message says what is malformed. */
    public ElfFormatException(String message) {
      super(message);
    }
  }

  private record Segment(int type, long offset, long vaddr, long filesz) {}

  /** A string table's bytes in the file: [offset, end). */
  private record StringTable(long offset, long end) {}

  /** The names the dynamic section refers to, resolved. */
  private static final class DynamicStrings {
    final List<String> needed = new ArrayList<>();
    String rpath;
    String runpath;
    String soname;
  }

  /** One parse: the channel plus what the ELF header said about the file's layout. */
  private static final class Parser {
    private final SeekableByteChannel ch;
    private long size;
    private boolean is64;
    private ByteOrder order;
    private int type;
    private int machine;
    private long shoff;
    private int shentsize;
    private int shnum;

    Parser(SeekableByteChannel ch) {
      this.ch = ch;
    }

    ElfFile parse() throws IOException {
      size = ch.size();
      if (size < 16) {
        throw new ElfFormatException("file is " + size + " bytes, too short for an ELF header");
      }
      byte[] ident = new byte[16];
      read(0, 16, "ELF identification").get(ident);
      if (!looksLikeElf(ident)) {
        throw new ElfFormatException("not an ELF file: the magic number is not \\x7fELF");
      }
      is64 =
          switch (ident[4]) {
            case 1 -> false;
            case 2 -> true;
            default -> throw new ElfFormatException("unknown ELF class " + ident[4]);
          };
      order =
          switch (ident[5]) {
            case 1 -> ByteOrder.LITTLE_ENDIAN;
            case 2 -> ByteOrder.BIG_ENDIAN;
            default -> throw new ElfFormatException("unknown ELF data encoding " + ident[5]);
          };
      ByteBuffer h = read(0, is64 ? 64 : 52, "ELF header");
      h.position(16);
      type = u16(h);
      machine = u16(h);
      h.getInt(); // e_version
      word(h); // e_entry
      long phoff = word(h);
      shoff = word(h);
      h.getInt(); // e_flags
      u16(h); // e_ehsize
      int phentsize = u16(h);
      int phnum = u16(h);
      shentsize = u16(h);
      shnum = u16(h);

      List<Segment> segments = readSegments(phoff, phentsize, phnum);
      String interpreter = readInterpreter(first(segments, PT_INTERP));
      Segment dyn = first(segments, PT_DYNAMIC);
      DynamicStrings strings = dyn == null ? new DynamicStrings() : readDynamic(dyn, segments);
      return new ElfFile(this, interpreter, dyn != null, strings);
    }

    private List<Segment> readSegments(long phoff, int phentsize, int phnum) throws IOException {
      if (phnum == 0) {
        return List.of();
      }
      if (phnum == PN_XNUM) {
        throw new ElfFormatException("e_phnum is PN_XNUM; extended numbering is not supported");
      }
      int entsize = is64 ? 56 : 32;
      if (phentsize != entsize) {
        throw new ElfFormatException("e_phentsize is " + phentsize + ", expected " + entsize);
      }
      // At most 65534 * 56 bytes, about 3.5 MiB.
      ByteBuffer t = read(phoff, (long) phnum * entsize, "program header table");
      List<Segment> segments = new ArrayList<>();
      for (int i = 0; i < phnum; i++) {
        t.position(i * entsize);
        int ptype = t.getInt();
        if (ptype != PT_LOAD && ptype != PT_DYNAMIC && ptype != PT_INTERP) {
          continue;
        }
        if (is64) {
          t.getInt(); // p_flags
        }
        long offset = word(t);
        long vaddr = word(t);
        word(t); // p_paddr
        long filesz = word(t);
        segments.add(new Segment(ptype, offset, vaddr, filesz));
      }
      return segments;
    }

    private String readInterpreter(Segment interp) throws IOException {
      if (interp == null) {
        return null;
      }
      if (Long.compareUnsigned(interp.filesz, MAX_STRING_BYTES) > 0) {
        throw new ElfFormatException(
            "PT_INTERP is " + Long.toUnsignedString(interp.filesz) + " bytes, longer than 4096");
      }
      ByteBuffer b = read(interp.offset, interp.filesz, "PT_INTERP");
      int len = 0;
      while (len < b.limit() && b.get(len) != 0) {
        len++;
      }
      if (len == 0) {
        throw new ElfFormatException("PT_INTERP names no interpreter");
      }
      return new String(b.array(), 0, len, StandardCharsets.UTF_8);
    }

    private DynamicStrings readDynamic(Segment dyn, List<Segment> segments) throws IOException {
      int entsize = is64 ? 16 : 8;
      checkRange(dyn.offset, dyn.filesz, "PT_DYNAMIC");
      long count = dyn.filesz / entsize;
      int n = (int) Math.min(count, MAX_DYNAMIC_ENTRIES);
      ByteBuffer d = read(dyn.offset, (long) n * entsize, "dynamic section");
      List<Long> needed = new ArrayList<>();
      Long strtab = null;
      Long strsz = null;
      Long soname = null;
      Long rpath = null;
      Long runpath = null;
      boolean terminated = false;
      for (int i = 0; i < n && !terminated; i++) {
        long tag = is64 ? d.getLong() : d.getInt();
        long val = word(d);
        // Later duplicates win, as in glibc's loader, which keeps the last entry of each tag.
        if (tag == DT_NULL) {
          terminated = true;
        } else if (tag == DT_NEEDED) {
          needed.add(val);
        } else if (tag == DT_STRTAB) {
          strtab = val;
        } else if (tag == DT_STRSZ) {
          strsz = val;
        } else if (tag == DT_SONAME) {
          soname = val;
        } else if (tag == DT_RPATH) {
          rpath = val;
        } else if (tag == DT_RUNPATH) {
          runpath = val;
        }
      }
      if (!terminated && count > MAX_DYNAMIC_ENTRIES) {
        throw new ElfFormatException(
            "dynamic section has more than " + MAX_DYNAMIC_ENTRIES + " entries before DT_NULL");
      }
      DynamicStrings out = new DynamicStrings();
      if (needed.isEmpty() && soname == null && rpath == null && runpath == null) {
        return out;
      }
      if (strtab == null) {
        throw new ElfFormatException("dynamic section names libraries but has no DT_STRTAB");
      }
      StringTable table = locateStringTable(strtab, strsz, segments);
      for (long name : needed) {
        out.needed.add(readString(table, name));
      }
      out.soname = soname == null ? null : readString(table, soname);
      out.rpath = rpath == null ? null : readString(table, rpath);
      out.runpath = runpath == null ? null : readString(table, runpath);
      return out;
    }

    /** Maps DT_STRTAB, a virtual address, to file bytes through the PT_LOAD segments. */
    private StringTable locateStringTable(long addr, Long strsz, List<Segment> segments)
        throws IOException {
      for (Segment s : segments) {
        long delta = addr - s.vaddr;
        if (s.type != PT_LOAD
            || Long.compareUnsigned(addr, s.vaddr) < 0
            || Long.compareUnsigned(delta, s.filesz) >= 0
            || s.offset < 0
            || s.offset >= size
            || Long.compareUnsigned(delta, size - s.offset) >= 0) {
          continue;
        }
        long start = s.offset + delta;
        long end = s.offset + unsignedMin(s.filesz, size - s.offset);
        if (strsz != null) {
          end = start + unsignedMin(strsz, end - start);
        }
        return new StringTable(start, end);
      }
      StringTable dynstr = dynstrSection();
      if (dynstr == null) {
        throw new ElfFormatException(
            String.format(
                "DT_STRTAB 0x%x lies in no PT_LOAD segment within the file and there is no"
                    + " .dynstr section",
                addr));
      }
      return dynstr;
    }

    /**
     * Finds .dynstr through the section headers, for files whose segments do not cover DT_STRTAB.
     * The section is found as the link of the SHT_DYNAMIC section, which is how the ELF spec
     * defines it, rather than by its name, which nothing checks.
     */
    private StringTable dynstrSection() throws IOException {
      int entsize = is64 ? 64 : 40;
      if (shoff == 0 || shnum == 0 || shentsize != entsize) {
        return null;
      }
      ByteBuffer t = read(shoff, (long) shnum * entsize, "section header table");
      for (int i = 0; i < shnum; i++) {
        if (t.getInt(i * entsize + 4) != SHT_DYNAMIC) {
          continue;
        }
        long link = t.getInt(i * entsize + (is64 ? 40 : 24)) & 0xffffffffL;
        if (link >= shnum || t.getInt((int) link * entsize + 4) != SHT_STRTAB) {
          return null;
        }
        t.position((int) link * entsize + (is64 ? 24 : 16));
        long offset = word(t);
        long length = word(t);
        if (offset < 0 || offset >= size) {
          return null;
        }
        return new StringTable(offset, offset + unsignedMin(length, size - offset));
      }
      return null;
    }

    private String readString(StringTable table, long index) throws IOException {
      if (Long.compareUnsigned(index, table.end - table.offset) >= 0) {
        throw new ElfFormatException(
            String.format(
                "dynamic string offset 0x%x is outside the %d-byte string table",
                index, table.end - table.offset));
      }
      long start = table.offset + index;
      int n = (int) Math.min(MAX_STRING_BYTES + 1, table.end - start);
      ByteBuffer b = read(start, n, "dynamic string");
      for (int len = 0; len < n; len++) {
        if (b.get(len) == 0) {
          return new String(b.array(), 0, len, StandardCharsets.UTF_8);
        }
      }
      throw new ElfFormatException(
          n > MAX_STRING_BYTES
              ? "dynamic string at offset " + start + " is longer than 4096 bytes"
              : "dynamic string at offset " + start + " runs off the end of its string table");
    }

    private void checkRange(long offset, long length, String what) throws ElfFormatException {
      if (offset < 0 || length < 0 || offset > size || length > size - offset) {
        throw new ElfFormatException(
            String.format(
                "%s (0x%x bytes at offset 0x%x) extends past the end of the %d-byte file",
                what, length, offset, size));
      }
    }

    /** Reads exactly {@code length} bytes; callers bound {@code length} before calling. */
    private ByteBuffer read(long offset, long length, String what) throws IOException {
      checkRange(offset, length, what);
      ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(length));
      ch.position(offset);
      while (buf.hasRemaining()) {
        if (ch.read(buf) < 0) {
          throw new ElfFormatException(what + " is truncated: the file shrank while being read");
        }
      }
      return buf.flip().order(order == null ? ByteOrder.BIG_ENDIAN : order);
    }

    private long word(ByteBuffer b) {
      return is64 ? b.getLong() : b.getInt() & 0xffffffffL;
    }

    private static int u16(ByteBuffer b) {
      return b.getShort() & 0xffff;
    }

    private static long unsignedMin(long a, long b) {
      return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }

    private static Segment first(List<Segment> segments, int type) {
      return segments.stream().filter(s -> s.type == type).findFirst().orElse(null);
    }
  }
}
