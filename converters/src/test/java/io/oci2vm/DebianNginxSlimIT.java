package io.oci2vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.fixtures.FixtureImage;
import io.oci2vm.fixtures.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The realistic case: Debian minbase plus nginx, slimmed. The report must show a complete ELF
 * closure, the image must shrink at least 5x, and the slimmed tree must still serve HTTP (run in a
 * chroot inside a private network namespace, so nothing touches the host's ports).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DebianNginxSlimIT {
  @TempDir Path tmp;

  @Test
  void slim_debianNginx_completeClosureFiveTimesSmallerAndServes() throws Exception {
    FixtureImage f = Fixtures.debianNginx();
    RootfsResult r =
        Conversion.from(ImageSource.parse(f.reference()))
            .cacheDir(tmp.resolve("cache"))
            .writeRootfsTar(tmp.resolve("nginx.tar"), SlimPolicy.DEFAULT);
    SlimReport s = r.report();
    assertTrue(s.unresolved().isEmpty(), "ELF closure complete: " + s.unresolved());
    assertTrue(
        s.kept().stream()
            .anyMatch(k -> k.path().equals("/usr/sbin/nginx") && k.reason().equals("entrypoint")));
    assertTrue(
        s.kept().stream()
            .anyMatch(
                k ->
                    k.path().endsWith("/libc.so.6")
                        && k.reason().equals("ELF dependency of /usr/sbin/nginx")));
    double factor = (double) s.bytesBefore() / s.bytesAfter();
    System.out.printf(
        "debianNginx: %d files %d bytes -> %d files %d bytes (%.1fx)%n",
        s.filesBefore(), s.bytesBefore(), s.filesAfter(), s.bytesAfter(), factor);
    assertTrue(factor >= 5, "at least 5x smaller, got " + factor);

    Path root = tmp.resolve("root");
    run("mkdir", "-p", root.toString());
    run("tar", "-C", root.toString(), "-xf", r.output().toString());
    String script =
        "ip link set lo up\n"
            + "chroot "
            + root
            + " /usr/sbin/nginx -g 'daemon off;' &\n"
            + "pid=$!\n"
            + "for i in $(seq 50); do\n"
            + "  body=$(curl -s -m 2 http://127.0.0.1:80/) && break\n"
            + "  sleep 0.2\n"
            + "done\n"
            + "kill $pid; wait $pid 2>/dev/null\n"
            + "printf '%s' \"$body\"\n";
    String body = run("unshare", "--net", "sh", "-c", script);
    assertTrue(body.contains("Welcome to nginx!"), "slimmed nginx serves its page, got: " + body);
  }

  private static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + String.join(" ", cmd));
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    return out;
  }
}
