package io.oci2vm.internal.kernel;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads the x86 boot protocol header of a bzImage: it proves the file is a bootable kernel and
 * carries the version string ({@code 6.1.0-56-cloud-amd64 (debian-kernel@...) #1 SMP ...}) whose
 * first word is the release that names the modules directory.
 */
public final class BzImage {
  private static final int HEADER_MAGIC_OFFSET = 0x202;
  private static final int VERSION_POINTER_OFFSET = 0x20e;
  private static final int PROTOCOL_OFFSET = 0x206;

  private BzImage() {}

  /** The kernel's version string, or fails with KERNEL_UNSUITABLE if it is not a bzImage. */
  public static String versionString(Path kernel) {
    try (FileChannel ch = FileChannel.open(kernel, StandardOpenOption.READ)) {
      ByteBuffer head = ByteBuffer.allocate(0x400).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(head, 0);
      if (head.position() < 0x270 || head.getInt(HEADER_MAGIC_OFFSET) != 0x53726448 /* "HdrS" */) {
        throw notBzImage(kernel);
      }
      int protocol = head.getShort(PROTOCOL_OFFSET) & 0xffff;
      int pointer = head.getShort(VERSION_POINTER_OFFSET) & 0xffff;
      if (protocol < 0x0200 || pointer == 0) {
        throw notBzImage(kernel);
      }
      ByteBuffer text = ByteBuffer.allocate(256);
      ch.read(text, pointer + 0x200L);
      byte[] b = text.array();
      int end = 0;
      while (end < text.position() && b[end] != 0) {
        end++;
      }
      return new String(b, 0, end, StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      throw new Oci2vmException(
          ErrorCode.NO_KERNEL, "cannot read kernel " + kernel + ": " + e.getMessage(), e);
    }
  }

  /** The release (first word of the version string), e.g. {@code 6.1.0-56-cloud-amd64}. */
  public static String release(Path kernel) {
    String v = versionString(kernel);
    int space = v.indexOf(' ');
    return space < 0 ? v : v.substring(0, space);
  }

  private static Oci2vmException notBzImage(Path kernel) {
    return new Oci2vmException(
        ErrorCode.KERNEL_UNSUITABLE,
        kernel
            + " is not an x86 bzImage kernel (no boot protocol header); pass a vmlinuz/bzImage with"
            + " --kernel");
  }
}
