package io.oci2vm.daemon.hooks;

import io.oci2vm.daemon.store.JobRequest;
import java.util.Locale;
import java.util.Objects;

/**
 * Which pushes become which conversions. A push matches when its source, repository and tag all
 * match; every matching rule gives one job.
 *
 * <p>Globs: {@code *} and {@code ?} match within one path segment ({@code team/*} matches {@code
 * team/app} but not {@code team/a/b}); {@code **} matches across segments ({@code team/**} matches
 * both); {@code **}{@code /app} also matches a top-level {@code app}.
 *
 * @param source a {@link HookSource#id()} such as "harbor", or null or "*" for any source
 * @param repository a glob over the repository path (without the registry host)
 * @param tag a glob over the tag; null means "*"
 * @param template the conversion to ask for; its {@code image} is ignored and filled from the push
 * @param pinDigest when true and the push reports a digest, the job gets {@code
 *     registry/repository@digest} rather than {@code registry/repository:tag}, so it converts
 *     exactly what was pushed even if the tag moves before the job pulls it
 */
public record HookRule(
    String source, String repository, String tag, JobRequest template, boolean pinDigest) {

  /** Validates the globs and the source, normalising source to lower case and null tag to "*". */
  public HookRule {
    Objects.requireNonNull(repository, "repository was not specified");
    Objects.requireNonNull(template, "template was not specified");
    if (source != null && !source.equals("*")) {
      source = source.toLowerCase(Locale.ROOT);
      boolean known = false;
      for (HookSource s : HookSource.values()) {
        known |= s.id().equals(source);
      }
      if (!known) {
        throw new IllegalArgumentException(
            "rule source '"
                + source
                + "' is unknown; use *, distribution, dockerhub, harbor, github or quay");
      }
    }
    tag = tag == null ? "*" : tag;
    Glob.compile(repository);
    Glob.compile(tag);
  }

  /** A rule that asks for {@code registry/repository:tag} (no digest pinning). */
  public HookRule(String source, String repository, String tag, JobRequest template) {
    this(source, repository, tag, template, false);
  }
}
