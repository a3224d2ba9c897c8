package io.oci2vm.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * One artifact to a file: into {@code TARGET.part}, resumed with a Range request when that exists,
 * hashed on the way, and renamed onto the target only when the digest matches.
 */
final class Download {
  private final Transport transport;
  private final String path;
  private final Artifact artifact;
  private final Path target;
  private final Path part;

  Download(Transport transport, String jobId, Artifact artifact, Path target) {
    this.transport = transport;
    this.path =
        "/v1/conversions/"
            + Transport.segment(jobId)
            + "/artifacts/"
            + Transport.path(artifact.name());
    this.artifact = artifact;
    this.target = target;
    this.part = target.resolveSibling(target.getFileName() + ".part");
  }

  Path run() {
    try {
      Path dir = target.toAbsolutePath().getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
    } catch (IOException e) {
      throw new Oci2vmClientException(
          "cannot create " + target.getParent() + ": " + e, 0, null, 1, e);
    }
    long[] offset = new long[1];
    String what = "GET " + path;
    return transport.exchange(
        what,
        () -> {
          offset[0] = resumeFrom();
          HttpRequest.Builder b = transport.request(path).GET();
          if (offset[0] > 0) {
            // If-Range: should the artifact have changed, the daemon sends all of it (200).
            b.header("Range", "bytes=" + offset[0] + "-")
                .header("If-Range", "\"" + artifact.sha256() + "\"");
          }
          return b.build();
        },
        (r, attempt) -> receive(what, r, attempt, offset[0]));
  }

  /** How much of the .part to keep: all of it unless it cannot be a prefix of the artifact. */
  private long resumeFrom() {
    try {
      if (!Files.isRegularFile(part)) {
        return 0;
      }
      long have = Files.size(part);
      if (have >= artifact.size()) {
        Files.delete(part); // as long as the artifact or longer: not a prefix, start over
        return 0;
      }
      return have;
    } catch (IOException e) {
      return 0;
    }
  }

  private Path receive(String what, HttpResponse<InputStream> r, int attempt, long offset)
      throws IOException {
    if (r.statusCode() == 416) {
      Files.deleteIfExists(part);
      throw new IOException("the daemon refused range " + offset + "-; starting over");
    }
    Transport.ensureOk(what, r, attempt);
    String expected = artifact.sha256();
    String claimed = digestHeader(r.headers().firstValue("Digest").orElse(null));
    if (claimed != null && !claimed.equals(expected)) {
      Files.deleteIfExists(part);
      throw new Oci2vmDigestException(
          what + ": the daemon's Digest header says " + claimed + " but the job lists " + expected,
          expected,
          claimed);
    }
    boolean append = r.statusCode() == 206;
    if (append) {
      String range = r.headers().firstValue("Content-Range").orElse("");
      if (!range.startsWith("bytes " + offset + "-")) {
        Files.deleteIfExists(part);
        throw new IOException("asked for bytes " + offset + "- but got " + range);
      }
    }
    MessageDigest md = sha256();
    if (append) {
      try (InputStream in = Files.newInputStream(part)) {
        copy(in, null, md, offset);
      }
    }
    try (OutputStream out =
        Files.newOutputStream(
            part,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
      copy(r.body(), out, md, Long.MAX_VALUE);
    }
    String actual = "sha256:" + HexFormat.of().formatHex(md.digest());
    if (!actual.equals(expected)) {
      Files.deleteIfExists(part);
      throw new Oci2vmDigestException(
          what + ": the download's digest is " + actual + ", not " + expected + "; deleted it",
          expected,
          actual);
    }
    try (var ch = java.nio.channels.FileChannel.open(part, StandardOpenOption.WRITE)) {
      ch.force(true); // on disk before the rename makes it visible as complete
    }
    try {
      Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }

  /** Copies up to {@code limit} bytes, hashing them; {@code out} may be null. */
  private static void copy(InputStream in, OutputStream out, MessageDigest md, long limit)
      throws IOException {
    byte[] buf = new byte[64 * 1024];
    long left = limit;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        break;
      }
      md.update(buf, 0, n);
      if (out != null) {
        out.write(buf, 0, n);
      }
      left -= n;
    }
  }

  /** An RFC 3230 Digest header's sha-256 value as {@code sha256:HEX}; null if it has none. */
  static String digestHeader(String header) {
    if (header == null) {
      return null;
    }
    for (String d : header.split(",")) {
      String t = d.trim();
      if (t.regionMatches(true, 0, "sha-256=", 0, 8)) {
        try {
          return "sha256:" + HexFormat.of().formatHex(Base64.getDecoder().decode(t.substring(8)));
        } catch (IllegalArgumentException e) {
          return null;
        }
      }
    }
    return null;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
