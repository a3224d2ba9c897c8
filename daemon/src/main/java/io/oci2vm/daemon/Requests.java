package io.oci2vm.daemon;

import io.oci2vm.BootMode;
import io.oci2vm.DiskFormat;
import io.oci2vm.DiskOptions;
import io.oci2vm.ImageSource;
import io.oci2vm.Oci2vmException;
import io.oci2vm.Platform;
import io.oci2vm.daemon.store.JobRequest;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** Checks a conversion request and fills in the defaults, so stored requests are canonical. */
final class Requests {
  static final int MAX_FORMATS = 10;
  static final int MAX_KEEP = 100;
  static final int MAX_TEXT = 2048;

  private Requests() {}

  /** The request with defaults applied; an {@link ApiException} (400) saying what is wrong. */
  static JobRequest normalise(JobRequest r) {
    if (r == null) {
      throw bad("the body must be a JSON object describing the conversion");
    }
    String image = text("image", r.image());
    if (image == null || image.isBlank()) {
      throw bad("image is required, e.g. \"registry.example/app:1.0\"");
    }
    try {
      ImageSource.parse(image);
    } catch (Oci2vmException e) {
      throw new ApiException(400, e.code().name(), e.getMessage());
    }
    List<String> formats =
        r.formats() == null || r.formats().isEmpty() ? List.of("qcow2") : r.formats();
    if (formats.size() > MAX_FORMATS) {
      throw bad("at most " + MAX_FORMATS + " formats");
    }
    LinkedHashSet<String> fs = new LinkedHashSet<>();
    for (String f : formats) {
      if ("bundle".equals(f)) {
        fs.add(f);
        continue;
      }
      try {
        fs.add(DiskFormat.parse(String.valueOf(f)).id());
      } catch (Oci2vmException e) {
        throw new ApiException(400, e.code().name(), e.getMessage() + ", bundle");
      }
    }
    List<String> keep = r.keep() == null ? List.of() : r.keep();
    if (keep.size() > MAX_KEEP) {
      throw bad("at most " + MAX_KEEP + " keep globs");
    }
    keep.forEach(k -> text("keep", k));
    String boot = r.boot() == null ? "hybrid" : r.boot();
    String diskSize = text("diskSize", r.diskSize());
    String platform = r.platform() == null ? "linux/amd64" : r.platform();
    try {
      BootMode.parse(boot);
      if (diskSize != null) {
        DiskOptions.parseSize(diskSize);
      }
      Platform.parse(platform);
    } catch (Oci2vmException e) {
      throw new ApiException(400, e.code().name(), e.getMessage());
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
    String callback = text("callbackUrl", r.callbackUrl());
    if (callback != null) {
      try {
        URI u = URI.create(callback);
        if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
            || u.getHost() == null) {
          throw new IllegalArgumentException();
        }
      } catch (IllegalArgumentException e) {
        throw bad("callbackUrl must be an absolute http or https URL");
      }
    }
    return new JobRequest(
        image.trim(),
        new ArrayList<>(fs),
        r.slim() == null ? Boolean.TRUE : r.slim(),
        keep,
        text("kernelImage", r.kernelImage()),
        boot.toLowerCase(java.util.Locale.ROOT),
        diskSize,
        platform,
        callback);
  }

  private static String text(String field, String value) {
    if (value != null && value.length() > MAX_TEXT) {
      throw bad(field + " is longer than " + MAX_TEXT + " characters");
    }
    return value;
  }

  private static ApiException bad(String message) {
    return new ApiException(400, "BAD_REQUEST", message);
  }
}
