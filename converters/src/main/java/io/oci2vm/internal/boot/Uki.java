package io.oci2vm.internal.boot;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.internal.disk.FsEntry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A Unified Kernel Image: systemd's UEFI stub with the kernel, initrd, command line and os-release
 * appended as PE sections, so that firmware can boot it as a single EFI program (such as {@code
 * \EFI\BOOT\BOOTX64.EFI}). The kernel and initrd are streamed, never held in memory.
 */
public final class Uki {
  /** Debian's systemd-boot-efi stub. */
  public static final Path DEFAULT_STUB = Path.of("/usr/lib/systemd/boot/efi/linuxx64.efi.stub");

  /** A section's content and its exact size, needed before the content is read. */
  public record Payload(long size, FsEntry.Content content) {
    /** Validates the size and content. */
    public Payload {
      Objects.requireNonNull(content, "content was not specified");
      if (size < 0) {
        throw new IllegalArgumentException("negative size: " + size);
      }
    }

    /** Content held in memory. */
    public static Payload of(byte[] bytes) {
      return new Payload(bytes.length, FsEntry.Content.of(bytes));
    }

    /** Content of a file, read when the image is written. */
    public static Payload of(Path file) throws IOException {
      return new Payload(Files.size(file), () -> Files.newInputStream(file));
    }
  }

  private final byte[] head;
  private final List<Payload> payloads;
  private final long fileAlignment;
  private final long size;

  private Uki(byte[] head, List<Payload> payloads, long fileAlignment, long size) {
    this.head = head;
    this.payloads = payloads;
    this.fileAlignment = fileAlignment;
    this.size = size;
  }

  /**
   * Lays out a UKI: reads and checks the stub and computes every section's place. Sections {@code
   * .osrel}, {@code .cmdline}, {@code .initrd} and {@code .linux} follow in that order, each at a
   * page-aligned address after the stub's last section; an empty os-release, an empty command line
   * or a null initrd leaves its section out.
   *
   * @throws Oci2vmException BOOTLOADER_NOT_FOUND if the stub is missing or not a usable PE32+
   *     x86-64 image
   */
  public static Uki of(Path stub, byte[] osRelease, String cmdline, Payload initrd, Payload linux)
      throws IOException {
    Objects.requireNonNull(linux, "linux was not specified");
    PeImage image = readStub(stub);
    List<String> names = new ArrayList<>();
    List<Payload> payloads = new ArrayList<>();
    if (osRelease != null && osRelease.length > 0) {
      names.add(".osrel");
      payloads.add(Payload.of(osRelease));
    }
    if (cmdline != null && !cmdline.isEmpty()) {
      names.add(".cmdline");
      payloads.add(Payload.of(cmdline.getBytes(StandardCharsets.UTF_8)));
    }
    if (initrd != null) {
      names.add(".initrd");
      payloads.add(initrd);
    }
    names.add(".linux");
    payloads.add(linux);

    for (PeImage.Section s : image.sections()) {
      if (names.contains(s.name())) {
        throw notUsable(stub, "it already has a " + s.name() + " section (is it a UKI?)");
      }
    }
    List<PeImage.Section> added = new ArrayList<>();
    long va = image.nextVirtualAddress();
    long raw = image.rawEnd();
    for (int i = 0; i < names.size(); i++) {
      long length = payloads.get(i).size();
      long rawSize = PeImage.align(length, image.fileAlignment());
      added.add(new PeImage.Section(names.get(i), length, va, rawSize, raw));
      va = PeImage.align(va + length, image.pageAlignment());
      raw += rawSize;
    }
    if (va > 0xFFFFFFFFL || raw > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("a PE image is limited to 4 GiB: " + raw + " bytes");
    }
    try {
      return new Uki(image.withSections(added), List.copyOf(payloads), image.fileAlignment(), raw);
    } catch (IllegalArgumentException e) {
      throw notUsable(stub, e.getMessage());
    }
  }

  /** Builds a UKI (see {@link #of}) and writes it to {@code out}. */
  public static void write(
      Path stub, byte[] osRelease, String cmdline, Payload initrd, Payload linux, OutputStream out)
      throws IOException {
    of(stub, osRelease, cmdline, initrd, linux).writeTo(out);
  }

  /** The image's size in bytes. */
  public long size() {
    return size;
  }

  /** Writes the image; the kernel and initrd are opened and streamed once each. */
  public void writeTo(OutputStream out) throws IOException {
    try (InputStream in = open()) {
      in.transferTo(out);
    }
  }

  /**
   * The image as a stream: the patched stub, then each section padded to the file alignment. Fails
   * with an IOException if a payload is shorter or longer than its declared size.
   */
  public InputStream open() {
    List<PieceStream.Piece> pieces = new ArrayList<>();
    pieces.add(() -> new ByteArrayInputStream(head));
    for (Payload p : payloads) {
      pieces.add(() -> PieceStream.exactly(p.content().open(), p.size()));
      long padding = PeImage.align(p.size(), fileAlignment) - p.size();
      pieces.add(() -> new ByteArrayInputStream(new byte[(int) padding]));
    }
    return new PieceStream(pieces);
  }

  /** The image as file content for a filesystem writer. */
  public FsEntry.Content content() {
    return this::open;
  }

  private static PeImage readStub(Path stub) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(stub);
    } catch (NoSuchFileException e) {
      throw new Oci2vmException(
          ErrorCode.BOOTLOADER_NOT_FOUND,
          "the UEFI stub "
              + stub
              + " does not exist: install systemd-boot-efi (scripts/setup) or name another"
              + " linuxx64.efi.stub");
    }
    try {
      return PeImage.parse(bytes);
    } catch (IllegalArgumentException e) {
      throw notUsable(stub, e.getMessage());
    }
  }

  private static Oci2vmException notUsable(Path stub, String why) {
    return new Oci2vmException(
        ErrorCode.BOOTLOADER_NOT_FOUND,
        stub
            + " is not a usable PE32+ x86-64 UEFI stub ("
            + why
            + "): install systemd-boot-efi (scripts/setup) and use its linuxx64.efi.stub");
  }
}
