package io.oci2vm.internal.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A PE32+ x86-64 image (the UEFI stub) read into memory, and the copy of it with extra sections
 * appended. Offsets follow the PE/COFF specification.
 */
final class PeImage {
  /** A section header's fields. */
  record Section(
      String name, long virtualSize, long virtualAddress, long rawSize, long rawPointer) {}

  /** Initialized, read-only data: what ukify gives the sections it adds. */
  static final int DATA_CHARACTERISTICS = 0x40000040;

  private static final int MACHINE_X86_64 = 0x8664;
  private static final int PE32_PLUS = 0x20B;
  private static final int SECTION_HEADER = 40;
  private static final int CERTIFICATE_DIRECTORY = 4;
  private static final long PAGE = 4096;

  private final byte[] file;
  private final int coff;
  private final int optional;
  private final int sectionTable;
  private final List<Section> sections;

  private PeImage(byte[] file, int coff, int optional, int sectionTable, List<Section> sections) {
    this.file = file;
    this.coff = coff;
    this.optional = optional;
    this.sectionTable = sectionTable;
    this.sections = sections;
  }

  /**
   * Parses a PE32+ x86-64 image.
   *
   * @throws IllegalArgumentException saying what is wrong if it is not one
   */
  static PeImage parse(byte[] file) {
    ByteBuffer b = le(file);
    if (file.length < 0x40 || b.getShort(0) != 0x5A4D) {
      throw new IllegalArgumentException("no MZ header");
    }
    int pe = b.getInt(0x3C);
    if (pe < 0x40 || pe > file.length - 24 || b.getInt(pe) != 0x00004550) {
      throw new IllegalArgumentException("no PE signature");
    }
    int coff = pe + 4;
    if ((b.getShort(coff) & 0xffff) != MACHINE_X86_64) {
      throw new IllegalArgumentException("not built for x86-64");
    }
    int count = b.getShort(coff + 2) & 0xffff;
    int optionalSize = b.getShort(coff + 16) & 0xffff;
    int optional = coff + 20;
    if (optionalSize < 112 || optional + optionalSize > file.length) {
      throw new IllegalArgumentException("optional header too short");
    }
    if ((b.getShort(optional) & 0xffff) != PE32_PLUS) {
      throw new IllegalArgumentException("not a PE32+ image");
    }
    long fileAlignment = u32(b, optional + 36);
    long sectionAlignment = u32(b, optional + 32);
    if (Long.bitCount(fileAlignment) != 1
        || fileAlignment < 512
        || Long.bitCount(sectionAlignment) != 1
        || sectionAlignment < fileAlignment) {
      throw new IllegalArgumentException("invalid file or section alignment");
    }
    int table = optional + optionalSize;
    if (table + (long) count * SECTION_HEADER > file.length) {
      throw new IllegalArgumentException("section table runs past the end of the file");
    }
    List<Section> sections = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int at = table + i * SECTION_HEADER;
      String name = new String(file, at, 8, StandardCharsets.US_ASCII).replace("\0", "");
      Section s =
          new Section(name, u32(b, at + 8), u32(b, at + 12), u32(b, at + 16), u32(b, at + 20));
      if (s.rawSize() > 0 && s.rawPointer() + s.rawSize() > file.length) {
        throw new IllegalArgumentException("section " + name + " runs past the end of the file");
      }
      sections.add(s);
    }
    return new PeImage(file, coff, optional, table, List.copyOf(sections));
  }

  List<Section> sections() {
    return sections;
  }

  long fileAlignment() {
    return u32(le(file), optional + 36);
  }

  /** Where the next section may start in memory: page-aligned after every existing section. */
  long nextVirtualAddress() {
    long end = 0;
    for (Section s : sections) {
      end = Math.max(end, s.virtualAddress() + Math.max(s.virtualSize(), s.rawSize()));
    }
    return align(end, pageAlignment());
  }

  /** A page, or the image's section alignment if that is larger. */
  long pageAlignment() {
    return Math.max(PAGE, u32(le(file), optional + 32));
  }

  /**
   * Where the image's own bytes end: after its last section's raw data, file-aligned. Anything
   * later (a COFF symbol table, an Authenticode signature) is dropped, since both would sit between
   * the old and the new sections and a signature would no longer match anyway.
   */
  long rawEnd() {
    long end = u32(le(file), optional + 60); // SizeOfHeaders
    for (Section s : sections) {
      if (s.rawSize() > 0) {
        end = Math.max(end, s.rawPointer() + s.rawSize());
      }
    }
    return align(end, fileAlignment());
  }

  /**
   * The image's bytes up to {@link #rawEnd} with {@code added} appended to its section table and
   * its header updated to match: section count, SizeOfImage, SizeOfInitializedData, no checksum
   * (UEFI does not check it), no certificate table, no symbol table.
   *
   * @throws IllegalArgumentException if the headers have no room for the new section headers
   */
  byte[] withSections(List<Section> added) {
    int count = sections.size() + added.size();
    long tableEnd = sectionTable + (long) count * SECTION_HEADER;
    long room = u32(le(file), optional + 60);
    for (Section s : sections) {
      if (s.rawSize() > 0) {
        room = Math.min(room, s.rawPointer());
      }
    }
    if (tableEnd > room) {
      throw new IllegalArgumentException(
          "no room in its headers for " + added.size() + " more section headers");
    }
    byte[] out = Arrays.copyOf(file, (int) rawEnd());
    ByteBuffer b = le(out);
    for (int at = sectionTable + sections.size() * SECTION_HEADER; at < tableEnd; at++) {
      if (out[at] != 0) {
        throw new IllegalArgumentException("the space after its section table is not empty");
      }
    }
    long initialized = u32(b, optional + 8);
    long imageEnd = 0;
    for (int i = 0; i < added.size(); i++) {
      Section s = added.get(i);
      int at = sectionTable + (sections.size() + i) * SECTION_HEADER;
      b.put(at, Arrays.copyOf(s.name().getBytes(StandardCharsets.US_ASCII), 8));
      b.putInt(at + 8, (int) s.virtualSize());
      b.putInt(at + 12, (int) s.virtualAddress());
      b.putInt(at + 16, (int) s.rawSize());
      b.putInt(at + 20, (int) s.rawPointer());
      b.putInt(at + 36, DATA_CHARACTERISTICS);
      initialized += s.rawSize();
      imageEnd = Math.max(imageEnd, s.virtualAddress() + s.virtualSize());
    }
    long sectionAlignment = u32(b, optional + 32);
    b.putShort(coff + 2, (short) count);
    b.putInt(coff + 8, 0); // PointerToSymbolTable: the table was cut off
    b.putInt(coff + 12, 0); // NumberOfSymbols
    b.putInt(optional + 8, (int) initialized);
    b.putInt(optional + 56, (int) align(imageEnd, sectionAlignment)); // SizeOfImage
    b.putInt(optional + 64, 0); // CheckSum
    long directories = u32(b, optional + 108);
    if (directories > CERTIFICATE_DIRECTORY) {
      b.putLong(optional + 112 + CERTIFICATE_DIRECTORY * 8, 0);
    }
    return out;
  }

  static long align(long value, long alignment) {
    return (value + alignment - 1) / alignment * alignment;
  }

  private static long u32(ByteBuffer b, int at) {
    return b.getInt(at) & 0xFFFFFFFFL;
  }

  private static ByteBuffer le(byte[] bytes) {
    return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }
}
