package io.oci2vm.internal.source;

import com.fasterxml.jackson.databind.JsonNode;
import io.oci2vm.Descriptor;
import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.Layer;
import io.oci2vm.Limits;
import io.oci2vm.MediaTypes;
import io.oci2vm.Oci2vmException;
import io.oci2vm.Platform;
import io.oci2vm.ProgressEvent;
import io.oci2vm.ProgressEvent.Phase;
import io.oci2vm.ProgressListener;
import io.oci2vm.ResolvedImage;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Resolves an image from a store and makes its layers available as verified, uncompressed tars in
 * the cache. Every manifest, config and layer is checked against its digest and declared size here,
 * whatever the store; stores only read bytes.
 */
public final class ImagePuller {
  private final ImageFetcher fetcher;
  private final Platform platform;
  private final Limits limits;
  private final BlobCache cache;
  private final ProgressListener listener;
  private final Digest expectedRootDigest;
  private long totalUncompressed;

  /**
   * @param expectedRootDigest the digest the user pinned (reference {@code @sha256:}), or null
   */
  public ImagePuller(
      ImageFetcher fetcher,
      Platform platform,
      Limits limits,
      BlobCache cache,
      ProgressListener listener,
      Digest expectedRootDigest) {
    this.fetcher = fetcher;
    this.platform = platform;
    this.limits = limits;
    this.cache = cache;
    this.listener = listener;
    this.expectedRootDigest = expectedRootDigest;
  }

  /** Resolves the manifest (choosing the platform from an index) and reads the config. */
  public ResolvedImage resolve(String sourceName) throws IOException {
    String where = fetcher.describe();
    listener.onEvent(new ProgressEvent.Step("resolve", "resolving " + where));
    FetchedManifest root = fetcher.fetchRootManifest();
    checkManifestSize(root.bytes().length, "manifest of " + where);
    if (fetcher.rootDescriptor() != null) {
      checkAgainst(root, fetcher.rootDescriptor(), "manifest of " + where);
    }
    if (expectedRootDigest != null && !expectedRootDigest.equals(root.digest())) {
      throw new Oci2vmException(
          ErrorCode.DIGEST_MISMATCH,
          where
              + " returned manifest "
              + root.digest()
              + " for pinned digest "
              + expectedRootDigest);
    }
    JsonNode json = ManifestParser.readTree(root.bytes(), "manifest of " + where);
    String mediaType = ManifestParser.mediaTypeOf(root, json, "manifest of " + where);
    Digest indexDigest = null;
    FetchedManifest manifest = root;
    if (MediaTypes.INDEXES.contains(mediaType)) {
      indexDigest = root.digest();
      Descriptor chosen = choosePlatform(ManifestParser.parseIndex(json, "index of " + where));
      checkManifestSize(chosen.size(), "manifest " + chosen.digest() + " of " + where);
      manifest = fetcher.fetchManifest(chosen);
      checkAgainst(manifest, chosen, "manifest " + chosen.digest() + " of " + where);
      json = ManifestParser.readTree(manifest.bytes(), "manifest " + chosen.digest());
      mediaType = ManifestParser.mediaTypeOf(manifest, json, "manifest " + chosen.digest());
      if (MediaTypes.INDEXES.contains(mediaType)) {
        throw new Oci2vmException(
            ErrorCode.UNKNOWN_MEDIA_TYPE, "index " + indexDigest + " points at another index");
      }
    } else if (!MediaTypes.MANIFESTS.contains(mediaType)) {
      throw new Oci2vmException(
          ErrorCode.UNKNOWN_MEDIA_TYPE,
          where
              + " has a manifest of media type "
              + mediaType
              + "; oci2vm reads OCI and Docker schema 2 images");
    }
    ManifestParser.Manifest m =
        ManifestParser.parseManifest(json, mediaType, "manifest " + manifest.digest());
    checkManifestSize(m.config().size(), "config " + m.config().digest());
    byte[] configBytes = readSmallBlob(m.config());
    ManifestParser.Config config =
        ManifestParser.parseConfig(configBytes, "config " + m.config().digest());
    if (!platform.matches(config.platform())) {
      throw new Oci2vmException(
          ErrorCode.PLATFORM_NOT_FOUND,
          where
              + " is "
              + config.platform()
              + ", not "
              + platform
              + "; pass --platform "
              + config.platform()
              + " to convert it anyway");
    }
    if (config.diffIds().size() != m.layers().size()) {
      throw new Oci2vmException(
          ErrorCode.MALFORMED_MANIFEST,
          "manifest "
              + manifest.digest()
              + " has "
              + m.layers().size()
              + " layers but its config lists "
              + config.diffIds().size()
              + " diff_ids");
    }
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < m.layers().size(); i++) {
      layers.add(new Layer(m.layers().get(i), config.diffIds().get(i)));
    }
    return new ResolvedImage(
        sourceName,
        config.platform(),
        indexDigest,
        manifest.digest(),
        mediaType,
        fetcher instanceof DockerArchiveFetcher,
        m.config().digest(),
        config.image(),
        layers);
  }

  private Descriptor choosePlatform(List<Descriptor> entries) {
    for (Descriptor d : entries) {
      if (d.platform() != null
          && MediaTypes.MANIFESTS.contains(d.mediaType())
          && platform.matches(d.platform())) {
        return d;
      }
    }
    String available =
        entries.stream()
            .filter(d -> d.platform() != null && !"unknown".equals(d.platform().os()))
            .map(d -> d.platform().toString())
            .distinct()
            .collect(Collectors.joining(", "));
    throw new Oci2vmException(
        ErrorCode.PLATFORM_NOT_FOUND,
        fetcher.describe()
            + " has no image for "
            + platform
            + " (available: "
            + (available.isEmpty() ? "none" : available)
            + "); pick one with --platform");
  }

  private void checkManifestSize(long size, String what) {
    if (size > limits.maxManifestBytes()) {
      throw new Oci2vmException(
          ErrorCode.MANIFEST_TOO_LARGE,
          what + " is " + size + " bytes, over the limit of " + limits.maxManifestBytes());
    }
  }

  /** A manifest named by a descriptor must hash to its digest and, as raw bytes, match its size. */
  private static void checkAgainst(FetchedManifest m, Descriptor d, String what) {
    if (!m.digest().equals(d.digest())) {
      throw new Oci2vmException(
          ErrorCode.DIGEST_MISMATCH,
          what + " should have digest " + d.digest() + " but has " + m.digest());
    }
    boolean raw = Digest.of(m.bytes()).equals(m.digest());
    if (raw && m.bytes().length != d.size()) {
      throw new Oci2vmException(
          ErrorCode.SIZE_MISMATCH,
          what + " is " + m.bytes().length + " bytes, its descriptor says " + d.size());
    }
  }

  /**
   * Reads a config blob, verified. Registry configs are kept in the blob cache like layers, so a
   * warm conversion asks the registry for the manifest only.
   */
  private byte[] readSmallBlob(Descriptor d) throws IOException {
    if (fetcher.isRemote()) {
      var cached = cache.blob(d.digest());
      if (cached.isPresent() && Files.size(cached.get()) == d.size()) {
        return Files.readAllBytes(cached.get());
      }
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream((int) d.size());
    VerifyingOutputStream out = new VerifyingOutputStream(buf, d, fetcher.describe(), n -> {});
    fetcher.writeBlob(d, out);
    out.finish();
    byte[] bytes = buf.toByteArray();
    if (fetcher.isRemote()) {
      Path target = cache.blobPath(d.digest());
      Path temp = cache.tempFor(target);
      Files.write(temp, bytes);
      cache.commit(temp, target);
    }
    return bytes;
  }

  /**
   * The layer as a verified uncompressed tar in the cache, pulling and unpacking it if it is not
   * there yet.
   */
  public Path layerTar(Layer layer) throws IOException {
    Digest diffId = layer.diffId();
    var cached = cache.layer(diffId);
    if (cached.isPresent()) {
      long size = Files.size(cached.get());
      addUncompressed(size, layer);
      listener.onEvent(new ProgressEvent.LayerProgress(diffId, Phase.CACHED, size, size));
      return cached.get();
    }
    Descriptor blob = layer.blob();
    InputStream compressed;
    VerifyingInputStream verifying = null;
    if (fetcher.isRemote()) {
      Path file = cache.blob(blob.digest()).orElse(null);
      if (file == null) {
        file = download(blob);
      }
      compressed = Files.newInputStream(file);
    } else {
      verifying = new VerifyingInputStream(fetcher.openBlob(blob), blob, fetcher.describe());
      compressed = verifying;
    }
    Path target = cache.layerPath(diffId);
    Path temp = cache.tempFor(target);
    boolean ok = false;
    try (InputStream in = compressed;
        OutputStream out = Files.newOutputStream(temp)) {
      MessageDigest sha = Digest.newSha256();
      long n = unpack(in, verifying, blob, new DigestOutputStream(out, sha), layer);
      if (verifying != null) {
        verifying.drainAndVerify();
      }
      Digest actual = Digest.fromBytes(sha.digest());
      if (!actual.equals(diffId)) {
        throw new Oci2vmException(
            ErrorCode.DIGEST_MISMATCH,
            "layer "
                + blob.digest()
                + " unpacks to content with digest "
                + actual
                + " but the config's diff_id says "
                + diffId);
      }
      listener.onEvent(new ProgressEvent.LayerProgress(diffId, Phase.DONE, n, n));
      ok = true;
    } finally {
      if (!ok) {
        BlobCache.deleteQuietly(temp);
      }
    }
    return cache.commit(temp, target);
  }

  private long unpack(
      InputStream compressed,
      VerifyingInputStream verifying,
      Descriptor blob,
      OutputStream out,
      Layer layer)
      throws IOException {
    var compression = MediaTypes.layerCompression(blob.mediaType());
    long n = 0;
    long lastReport = 0;
    InputStream in =
        readOrFail(() -> Compressions.decompress(compressed, compression), blob, verifying);
    byte[] buf = new byte[1 << 16];
    while (true) {
      int r = readOrFail(() -> in.read(buf), blob, verifying);
      if (r < 0) {
        return n;
      }
      try {
        out.write(buf, 0, r);
      } catch (IOException e) {
        throw new Oci2vmException(
            ErrorCode.IO_ERROR,
            "cannot write layer "
                + blob.digest()
                + " to the cache at "
                + cache.root()
                + " (disk full?): "
                + e.getMessage(),
            e);
      }
      n += r;
      addUncompressed(r, layer);
      if (n - lastReport >= (8 << 20)) {
        lastReport = n;
        long done = verifying != null ? verifying.count() : n;
        listener.onEvent(
            new ProgressEvent.LayerProgress(
                layer.diffId(), Phase.EXTRACTING, done, verifying != null ? blob.size() : -1));
      }
    }
  }

  private interface IoCall<T> {
    T call() throws IOException;
  }

  /** Runs a read on the layer's stream, mapping failures to what they say about the blob. */
  private <T> T readOrFail(IoCall<T> call, Descriptor blob, VerifyingInputStream verifying) {
    try {
      return call.call();
    } catch (EOFException e) {
      throw new Oci2vmException(
          ErrorCode.TRUNCATED_BLOB,
          "layer "
              + blob.digest()
              + " from "
              + fetcher.describe()
              + " ends early: "
              + e.getMessage(),
          e);
    } catch (IOException e) {
      if (verifying != null && verifying.count() < blob.size()) {
        throw new Oci2vmException(
            ErrorCode.TRUNCATED_BLOB,
            "layer " + blob.digest() + " from " + fetcher.describe() + " is truncated",
            e);
      }
      throw new Oci2vmException(
          ErrorCode.MALFORMED_LAYER,
          "layer " + blob.digest() + " cannot be decompressed: " + e.getMessage(),
          e);
    }
  }

  private void addUncompressed(long n, Layer layer) {
    totalUncompressed += n;
    if (totalUncompressed > limits.maxTotalBytes()) {
      throw new Oci2vmException(
          ErrorCode.LIMIT_EXCEEDED,
          "the image unpacks to more than "
              + limits.maxTotalBytes()
              + " bytes (at layer "
              + layer.blob().digest()
              + "); raise --max-total-bytes if this is expected");
    }
  }

  private Path download(Descriptor blob) throws IOException {
    Path target = cache.blobPath(blob.digest());
    Path temp = cache.tempFor(target);
    boolean ok = false;
    try (OutputStream file = Files.newOutputStream(temp)) {
      VerifyingOutputStream out =
          new VerifyingOutputStream(
              file,
              blob,
              fetcher.describe(),
              done ->
                  listener.onEvent(
                      new ProgressEvent.LayerProgress(
                          blob.digest(), Phase.DOWNLOADING, done, blob.size())));
      try {
        fetcher.writeBlob(blob, out);
      } catch (IOException | RuntimeException e) {
        // A store that checks digests itself (jib) reports a short body as a wrong digest;
        // fewer bytes than declared is a truncation whatever the store calls it.
        if (out.count() < blob.size()
            && !(e instanceof Oci2vmException o && o.code() == ErrorCode.SIZE_MISMATCH)) {
          throw new Oci2vmException(
              ErrorCode.TRUNCATED_BLOB,
              "blob "
                  + blob.digest()
                  + " from "
                  + fetcher.describe()
                  + " ended after "
                  + out.count()
                  + " of "
                  + blob.size()
                  + " bytes; the download is truncated, try again",
              e);
        }
        throw e;
      }
      out.finish();
      ok = true;
    } finally {
      if (!ok) {
        BlobCache.deleteQuietly(temp);
      }
    }
    return cache.commit(temp, target);
  }
}
