package io.oci2vm.internal.disk.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/** Buffer helpers shared by the format writers. */
final class Bytes {
  private Bytes() {}

  static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  static ByteBuffer be(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.BIG_ENDIAN);
  }

  static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  static long roundUp(long a, long b) {
    return ceilDiv(a, b) * b;
  }

  /**
   * Puts a UUID at {@code at} in the Microsoft GUID layout used by VHDX and VDI: the first three
   * fields little-endian, the last eight bytes as they are. (VHD stores its unique id big-endian,
   * i.e. as plain bytes; see {@link #putUuidBigEndian}.)
   */
  static void putGuid(ByteBuffer b, int at, UUID u) {
    long hi = u.getMostSignificantBits();
    int d1 = (int) (hi >>> 32);
    short d2 = (short) (hi >>> 16);
    short d3 = (short) hi;
    ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    le.putInt(at, d1).putShort(at + 4, d2).putShort(at + 6, d3);
    b.duplicate().order(ByteOrder.BIG_ENDIAN).putLong(at + 8, u.getLeastSignificantBits());
  }

  static void putUuidBigEndian(ByteBuffer b, int at, UUID u) {
    ByteBuffer be = b.duplicate().order(ByteOrder.BIG_ENDIAN);
    be.putLong(at, u.getMostSignificantBits()).putLong(at + 8, u.getLeastSignificantBits());
  }

  /** Puts ASCII text at {@code at}. */
  static void putAscii(ByteBuffer b, int at, String s) {
    for (int i = 0; i < s.length(); i++) {
      b.put(at + i, (byte) s.charAt(i));
    }
  }
}
