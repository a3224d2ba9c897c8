package io.oci2vm.internal.disk.format;

import io.oci2vm.internal.disk.DiskImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Date;
import java.util.HexFormat;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * An OVA: a tar holding NAME.ovf first (OVF 1.0 requires the descriptor to be the first entry, so
 * importers can read it before the disks stream past), then NAME-disk1.vmdk (streamOptimized), then
 * NAME.mf with SHA-256 digests. The vmdk is written to a temporary file next to {@code out} first,
 * because both the OVF and the tar entry header need its size.
 */
final class OvaWriter implements FormatWriter {
  /** Entries carry a fixed time so the archive is reproducible (2000-01-01T00:00:00Z). */
  private static final Date MTIME = new Date(946_684_800_000L);

  private final OvfSettings vm;

  OvaWriter(OvfSettings vm) {
    this.vm = vm;
  }

  @Override
  public void write(DiskImage disk, Path out) throws IOException {
    String ovfName = vm.name() + ".ovf";
    String vmdkName = vm.name() + "-disk1.vmdk";
    Path dir = out.toAbsolutePath().getParent();
    Path vmdk = Files.createTempFile(dir, "." + vm.name() + "-", ".vmdk.tmp");
    try {
      // The descriptor's extent line names the file as it will be called inside the OVA.
      new VmdkStreamWriter().writeNamed(disk, vmdk, vmdkName);
      long vmdkSize = Files.size(vmdk);
      long populated = (long) disk.dataChunks().cardinality() * DiskImage.CHUNK;
      byte[] ovf =
          OvfEnvelope.of(vm, vmdkName, vmdkSize, disk.size(), Math.min(populated, disk.size()))
              .getBytes(StandardCharsets.UTF_8);
      try (OutputStream os = Files.newOutputStream(out);
          TarArchiveOutputStream tar = new TarArchiveOutputStream(os)) {
        // A vmdk of 8 GiB or more does not fit ustar's size field: use a POSIX (pax) header.
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        StringBuilder mf = new StringBuilder();
        mf.append(manifestLine(ovfName, sha256().digest(ovf)));
        put(tar, ovfName, ovf.length);
        tar.write(ovf);
        tar.closeArchiveEntry();

        MessageDigest vmdkDigest = sha256();
        put(tar, vmdkName, vmdkSize);
        try (InputStream in = new DigestInputStream(Files.newInputStream(vmdk), vmdkDigest)) {
          in.transferTo(tar);
        }
        tar.closeArchiveEntry();
        mf.append(manifestLine(vmdkName, vmdkDigest.digest()));

        byte[] manifest = mf.toString().getBytes(StandardCharsets.UTF_8);
        put(tar, vm.name() + ".mf", manifest.length);
        tar.write(manifest);
        tar.closeArchiveEntry();
        tar.finish();
      }
    } finally {
      Files.deleteIfExists(vmdk);
    }
  }

  private static void put(TarArchiveOutputStream tar, String name, long size) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(size);
    e.setModTime(MTIME);
    e.setMode(0100644);
    e.setUserName("");
    e.setGroupName("");
    tar.putArchiveEntry(e);
  }

  private static String manifestLine(String file, byte[] digest) {
    return "SHA256(" + file + ")= " + HexFormat.of().formatHex(digest) + "\n";
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
