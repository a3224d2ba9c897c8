package io.oci2vm;

import java.util.List;

/**
 * How to slim: whether to at all, and which paths the user wants kept whatever the analysis says.
 *
 * @param enabled false keeps every file (the plain flattened image)
 * @param keepGlobs absolute path patterns to keep ({@code *}, {@code ?}, {@code **}, {@code [..]})
 * @param entrypointOverride argv to analyse instead of the image's Entrypoint+Cmd, or empty
 */
public record SlimPolicy(boolean enabled, List<String> keepGlobs, List<String> entrypointOverride) {
  /** Slim with no extra keeps. */
  public static final SlimPolicy DEFAULT = new SlimPolicy(true, List.of(), List.of());

  /** Keep everything. */
  public static final SlimPolicy NONE = new SlimPolicy(false, List.of(), List.of());

  /** Copies the lists. */
  public SlimPolicy {
    keepGlobs = List.copyOf(keepGlobs);
    entrypointOverride = List.copyOf(entrypointOverride);
  }

  /** A copy that also keeps paths matching {@code globs}. */
  public SlimPolicy keep(List<String> globs) {
    List<String> all = new java.util.ArrayList<>(keepGlobs);
    all.addAll(globs);
    return new SlimPolicy(enabled, all, entrypointOverride);
  }
}
