package io.oci2vm.daemon.hooks;

import io.oci2vm.daemon.store.JobRequest;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Registry webhooks: authenticates and parses push notifications from the five {@link HookSource}s
 * and turns pushes into conversion requests by the configured {@link HookRule}s. Framework-free:
 * bytes and headers in, decisions out; the HTTP layer maps a {@link HookException} to its status.
 * Thread-safe once built.
 *
 * <p>Order of checks for every delivery: body size (413), credential (401), format (400). Nothing
 * here logs, and no message carries a secret or a presented credential.
 */
public final class Webhooks {
  /** A body limit that fits every source's push payloads with room to spare. */
  public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

  private record CompiledRule(HookRule rule, Pattern repository, Pattern tag) {}

  private final Map<HookSource, SourceParser> parsers = new EnumMap<>(HookSource.class);
  private final List<CompiledRule> rules;
  private final int maxBodyBytes;

  /**
   * Builds the handler.
   *
   * @param secrets the per-source secrets; a source without one refuses every delivery
   * @param rules the rules, applied in order
   * @param maxBodyBytes the largest body accepted, e.g. {@link #DEFAULT_MAX_BODY_BYTES}
   */
  public Webhooks(HookSecrets secrets, List<HookRule> rules, int maxBodyBytes) {
    Objects.requireNonNull(secrets, "secrets was not specified");
    Objects.requireNonNull(rules, "rules was not specified");
    if (maxBodyBytes <= 0) {
      throw new IllegalArgumentException("maxBodyBytes must be positive, was " + maxBodyBytes);
    }
    this.maxBodyBytes = maxBodyBytes;
    parsers.put(HookSource.DISTRIBUTION, new DistributionParser(secrets.distributionToken()));
    parsers.put(HookSource.DOCKERHUB, new DockerHubParser(secrets.dockerhubToken()));
    parsers.put(HookSource.HARBOR, new HarborParser(secrets.harborAuthHeader()));
    parsers.put(HookSource.GITHUB, new GitHubParser(secrets.githubSecret()));
    parsers.put(HookSource.QUAY, new QuayParser(secrets.quayToken()));
    List<CompiledRule> compiled = new ArrayList<>();
    for (HookRule r : rules) {
      compiled.add(new CompiledRule(r, Glob.compile(r.repository()), Glob.compile(r.tag())));
    }
    this.rules = List.copyOf(compiled);
  }

  /**
   * Authenticates a delivery and returns the tag pushes in it: possibly none, e.g. for a blob push,
   * a pull, a delete, a push by digest only, or a ping.
   *
   * @param source where the delivery came from (the URL path segment, see {@link HookSource#parse})
   * @param headers the request headers; names are matched in any case
   * @param query the URL's query parameters (Docker Hub and Quay send their token there)
   * @param body the raw request body, exactly as received (GitHub signs these bytes)
   * @throws HookException 413 PAYLOAD_TOO_LARGE, 401 UNAUTHORIZED or 400 BAD_WEBHOOK
   */
  public List<PushEvent> parse(
      HookSource source, Map<String, String> headers, Map<String, String> query, byte[] body) {
    Objects.requireNonNull(source, "source was not specified");
    byte[] bytes = body == null ? new byte[0] : body;
    if (bytes.length > maxBodyBytes) {
      throw HookException.tooLarge(bytes.length, maxBodyBytes);
    }
    return parsers.get(source).parse(new Delivery(headers, query, bytes));
  }

  /**
   * The conversions the rules ask for: one per matching rule, in rule order, each a copy of the
   * rule's template with {@code image} set to the push's reference ({@link
   * PushEvent#imageReference()}, or {@link PushEvent#pinnedReference()} for rules with {@code
   * pinDigest}). Empty when no rule matches.
   */
  public List<JobRequest> requestsFor(PushEvent e) {
    Objects.requireNonNull(e, "event was not specified");
    List<JobRequest> requests = new ArrayList<>();
    for (CompiledRule c : rules) {
      if (matches(c, e)) {
        requests.add(withImage(c.rule().template(), image(c.rule(), e)));
      }
    }
    return List.copyOf(requests);
  }

  private static boolean matches(CompiledRule c, PushEvent e) {
    String source = c.rule().source();
    if (source != null && !source.equals("*") && !source.equals(e.source())) {
      return false;
    }
    if (!c.repository().matcher(e.repository()).matches()) {
      return false;
    }
    // A push by digest alone has no tag: only a rule that takes any tag wants it.
    return e.tag() == null
        ? c.rule().tag().equals("*") || c.rule().tag().equals("**")
        : c.tag().matcher(e.tag()).matches();
  }

  private static String image(HookRule rule, PushEvent e) {
    return rule.pinDigest() ? e.pinnedReference() : e.imageReference();
  }

  private static JobRequest withImage(JobRequest t, String image) {
    return new JobRequest(
        image,
        t.formats(),
        t.slim(),
        t.keep(),
        t.kernelImage(),
        t.boot(),
        t.diskSize(),
        t.platform(),
        t.callbackUrl());
  }
}
