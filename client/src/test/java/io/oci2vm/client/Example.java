package io.oci2vm.client;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The README's example: converts an image to qcow2 on a running daemon and downloads the disk.
 * Usage: {@code Example URL TOKEN IMAGE} (the token is in the daemon's DATA/token).
 */
public final class Example {
  private Example() {}

  /** Runs the example. */
  public static void main(String[] args) {
    URI daemon = URI.create(args.length > 0 ? args[0] : "http://127.0.0.1:8780");
    String token = args.length > 1 ? args[1] : System.getenv("OCI2VM_TOKEN");
    String image = args.length > 2 ? args[2] : "docker.io/library/nginx:1.27";

    try (Oci2vmClient client = Oci2vmClient.builder(daemon).token(token).build()) {
      Job job =
          client.submit(ConversionRequest.builder(image).formats("qcow2").diskSize("2G").build());
      System.out.println("submitted " + job.id());

      // Progress as it happens; events() returns when the job has finished.
      client.events(
          job.id(),
          e -> {
            switch (e.type()) {
              case "state" -> System.out.println("state " + e.state());
              case "step" -> System.out.println("  " + e.stage() + ": " + e.message());
              default -> {}
            }
          });

      job = client.waitFor(job.id(), Duration.ofMinutes(30));
      if (job.state() != JobState.SUCCEEDED) {
        System.err.println("job ended " + job.state() + ": " + job.error());
        System.exit(1);
      }
      for (Artifact a : job.artifacts()) {
        // Resumes a previous partial download and checks the sha256.
        Path file = client.download(job.id(), a.name(), Path.of(a.name()));
        System.out.println(file + " " + a.sha256() + " " + Files.size(file) + " bytes");
      }
    } catch (Oci2vmClientErrorException e) {
      System.err.println("rejected (" + e.status() + " " + e.code() + "): " + e.getMessage());
      System.exit(2);
    } catch (Oci2vmClientException e) {
      System.err.println("failed: " + e.getMessage());
      System.exit(3);
    } catch (java.io.IOException e) {
      System.err.println("cannot read the download: " + e.getMessage());
      System.exit(3);
    }
  }
}
