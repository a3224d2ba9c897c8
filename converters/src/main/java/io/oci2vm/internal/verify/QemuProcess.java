package io.oci2vm.internal.verify;

import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A running QEMU: its console is copied to the caller's stream while the init's markers are watched
 * ({@code oci2vm: starting ...} when the app starts, {@code oci2vm: exit status N} when it ends),
 * and the ACPI power button can be pressed through QMP.
 */
public final class QemuProcess implements AutoCloseable {
  /** Printed by the init just before it runs the app. */
  public static final String START_MARKER = "oci2vm: starting ";

  private static final Pattern EXIT = Pattern.compile("oci2vm: exit status (\\d+)");
  private static final int TAIL_LINES = 40;

  private final Process process;
  private final Path qmp;
  private final long startNanos = System.nanoTime();
  private final CountDownLatch appStarted = new CountDownLatch(1);
  private final Deque<String> tail = new ArrayDeque<>();
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private final Thread pump;
  private volatile long appStartNanos = -1;
  private volatile Integer exitStatus;

  private QemuProcess(Process process, Path qmp, OutputStream console) {
    this.process = process;
    this.qmp = qmp;
    this.pump = new Thread(() -> pump(process.getInputStream(), console), "qemu-console");
    pump.setDaemon(true);
    pump.start();
    Thread err =
        new Thread(
            () -> {
              try {
                process.getErrorStream().transferTo(stderr);
              } catch (IOException ignored) {
                // QEMU went away
              }
            },
            "qemu-stderr");
    err.setDaemon(true);
    err.start();
  }

  /** Starts QEMU; its console goes to {@code console}, and stdin is inherited when interactive. */
  public static QemuProcess start(QemuCommand command, OutputStream console, boolean interactive) {
    ProcessBuilder pb = new ProcessBuilder(command.argv());
    pb.redirectInput(
        interactive
            ? ProcessBuilder.Redirect.INHERIT
            : ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    try {
      return new QemuProcess(pb.start(), command.qmp(), console);
    } catch (IOException e) {
      throw new Oci2vmException(
          ErrorCode.BOOT_FAILED,
          "cannot run " + QemuCommand.BINARY + " (" + e.getMessage() + "); install qemu-system-x86",
          e);
    }
  }

  private void pump(InputStream in, OutputStream console) {
    StringBuilder line = new StringBuilder();
    byte[] buf = new byte[8192];
    try {
      for (int n; (n = in.read(buf)) > 0; ) {
        synchronized (console) {
          console.write(buf, 0, n);
          console.flush();
        }
        for (int i = 0; i < n; i++) {
          char c = (char) (buf[i] & 0xff);
          if (c == '\n') {
            onLine(line.toString());
            line.setLength(0);
          } else if (c != '\r' && line.length() < 4096) {
            line.append(c);
          }
        }
      }
    } catch (IOException ignored) {
      // QEMU closed its output
    }
    if (line.length() > 0) {
      onLine(line.toString());
    }
  }

  private synchronized void onLine(String line) {
    if (line.contains(START_MARKER) && appStartNanos < 0) {
      appStartNanos = System.nanoTime();
      appStarted.countDown();
    }
    Matcher m = EXIT.matcher(line);
    if (m.find()) {
      exitStatus = Integer.parseInt(m.group(1));
    }
    tail.addLast(line);
    if (tail.size() > TAIL_LINES) {
      tail.removeFirst();
    }
  }

  /** Waits until the app started; false on timeout or if QEMU ended first. */
  public boolean awaitAppStart(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (System.nanoTime() < deadline) {
      if (appStarted.await(100, TimeUnit.MILLISECONDS)) {
        return true;
      }
      if (!process.isAlive()) {
        return appStarted.getCount() == 0;
      }
    }
    return false;
  }

  /** Seconds from QEMU's start to the app's start, or -1 if it has not started. */
  public double bootToAppSeconds() {
    return appStartNanos < 0 ? -1 : (appStartNanos - startNanos) / 1e9;
  }

  /**
   * Waits for QEMU to end and returns the app's exit status as the init reported it. A VM that ends
   * without reporting one (kernel panic, QEMU error) is a BOOT_FAILED error with the last console
   * lines.
   */
  public int waitForExit(long timeout, TimeUnit unit) throws InterruptedException {
    if (!process.waitFor(timeout, unit)) {
      throw new Oci2vmException(
          ErrorCode.BOOT_FAILED, "the VM did not power off within " + timeout + " " + unit);
    }
    pump.join(TimeUnit.SECONDS.toMillis(5));
    if (exitStatus == null) {
      throw new Oci2vmException(
          ErrorCode.BOOT_FAILED,
          "the VM stopped (QEMU exit code "
              + process.exitValue()
              + ") without the app's exit status; last console lines:\n"
              + consoleTail()
              + (stderr.size() > 0
                  ? "\nQEMU said: " + stderr.toString(StandardCharsets.UTF_8).trim()
                  : ""));
    }
    return exitStatus;
  }

  /** The last console lines, for error messages. */
  public synchronized String consoleTail() {
    return String.join("\n", tail);
  }

  /** Whether QEMU is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Presses the ACPI power button: the init sends the app SIGTERM. */
  public void powerdown() throws IOException {
    if (qmp == null) {
      throw new IllegalStateException("started without a QMP socket");
    }
    try (SocketChannel ch = SocketChannel.open(java.net.UnixDomainSocketAddress.of(qmp))) {
      readReply(ch); // greeting
      ch.write(
          ByteBuffer.wrap(
              "{\"execute\":\"qmp_capabilities\"}\n".getBytes(StandardCharsets.US_ASCII)));
      readReply(ch);
      ch.write(
          ByteBuffer.wrap(
              "{\"execute\":\"system_powerdown\"}\n".getBytes(StandardCharsets.US_ASCII)));
      readReply(ch);
    }
  }

  private static void readReply(SocketChannel ch) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(4096);
    while (true) {
      if (ch.read(b) < 0) {
        throw new IOException("QMP closed the connection");
      }
      String s = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
      if (s.contains("\"return\"") || s.contains("\"QMP\"") || s.contains("\"error\"")) {
        return;
      }
    }
  }

  /** Stops QEMU if it is still running and removes its QMP socket. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (qmp != null) {
      try {
        Files.deleteIfExists(qmp);
      } catch (IOException ignored) {
        // a stale socket file in a temp dir is harmless
      }
    }
  }
}
