package io.oci2vm.internal.write;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.oci2vm.Digest;
import io.oci2vm.ErrorCode;
import io.oci2vm.Oci2vmException;
import io.oci2vm.ResolvedImage;
import io.oci2vm.SlimReport;
import io.oci2vm.internal.kernel.Kernel;
import io.oci2vm.internal.verify.QemuCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a direct-boot bundle directory: {@code vmlinuz}, {@code initrd.img}, {@code cmdline},
 * {@code run-qemu.sh}, {@code firecracker.json} and {@code oci2vm.json}. Everything is written into
 * a temporary sibling directory that replaces the target only when complete.
 */
public final class BundleWriter {
  /** The kernel command line every bundle starts with; overrides are appended after it. */
  public static final String BASE_CMDLINE = "console=ttyS0 quiet panic=-1 rdinit=/oci2vm/init";

  private final Path target;
  private final Path temp;

  /** Starts a bundle that will end up at {@code target}. */
  public BundleWriter(Path target) {
    this.target = target.toAbsolutePath().normalize();
    if (Files.exists(this.target)
        && !(Files.isDirectory(this.target) && (isEmpty(this.target) || isBundle(this.target)))) {
      throw new Oci2vmException(
          ErrorCode.BAD_OPTION,
          target + " exists and is not an earlier oci2vm bundle; name a new or empty directory");
    }
    try {
      Path parent = this.target.getParent();
      Files.createDirectories(parent);
      this.temp = Files.createTempDirectory(parent, "." + this.target.getFileName() + ".partial-");
    } catch (IOException e) {
      throw io(e);
    }
  }

  /** Where to write {@code name} while the bundle is being built. */
  public Path file(String name) {
    return temp.resolve(name);
  }

  /** Copies the kernel and writes cmdline, run-qemu.sh and firecracker.json. */
  public void writeBootFiles(Kernel kernel) {
    try {
      Files.copy(kernel.image(), file("vmlinuz"), StandardCopyOption.REPLACE_EXISTING);
      Files.writeString(file("cmdline"), BASE_CMDLINE + "\n");
      Path script = file("run-qemu.sh");
      Files.writeString(script, QemuCommand.script());
      script.toFile().setExecutable(true, false);
      ObjectNode fc = new ObjectMapper().createObjectNode();
      ObjectNode boot = fc.putObject("boot-source");
      boot.put("kernel_image_path", "vmlinuz");
      boot.put("initrd_path", "initrd.img");
      boot.put(
          "boot_args",
          BASE_CMDLINE.replace("console=ttyS0", "console=ttyS0 reboot=k pci=off")
              + " ip=172.16.0.2::172.16.0.1:255.255.255.0::eth0:off");
      fc.putArray("drives");
      ObjectNode machine = fc.putObject("machine-config");
      machine.put("vcpu_count", 1);
      machine.put("mem_size_mib", 256);
      ArrayNode nics = fc.putArray("network-interfaces");
      ObjectNode nic = nics.addObject();
      nic.put("iface_id", "eth0");
      nic.put("host_dev_name", "tap0");
      Files.write(
          file("firecracker.json"),
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(fc));
    } catch (IOException e) {
      throw io(e);
    }
  }

  /**
   * Writes oci2vm.json describing the run and moves the bundle into place. Returns each file's
   * size.
   */
  public Map<String, Long> finish(
      String source,
      ResolvedImage image,
      SlimReport report,
      Kernel kernel,
      List<String> modules,
      Map<String, Double> timings) {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode m = RunRecord.describe(source, image, report, kernel, modules);
    Map<String, Long> files = new LinkedHashMap<>();
    ObjectNode outputs = m.putObject("outputs");
    try {
      for (String name :
          List.of("vmlinuz", "initrd.img", "cmdline", "run-qemu.sh", "firecracker.json")) {
        Path f = file(name);
        ObjectNode o = outputs.putObject(name);
        o.put("size", Files.size(f));
        o.put("sha256", Digest.ofFile(f).toString());
        files.put(name, Files.size(f));
      }
      ObjectNode t = m.putObject("timingsSeconds");
      timings.forEach(t::put);
      json.writeValue(file("oci2vm.json").toFile(), m);
      files.put("oci2vm.json", Files.size(file("oci2vm.json")));
      if (Files.exists(target)) {
        io.oci2vm.internal.FileTrees.deleteRecursively(target);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw io(e);
    }
    return files;
  }

  /** Removes the partial bundle after a failure. */
  public void abandon() {
    try {
      io.oci2vm.internal.FileTrees.deleteRecursively(temp);
    } catch (IOException ignored) {
      // a leftover .partial directory is recognisable as such
    }
  }

  /** Whether {@code dir} holds an oci2vm bundle. */
  public static boolean isBundle(Path dir) {
    return Files.isRegularFile(dir.resolve("oci2vm.json"))
        && Files.isRegularFile(dir.resolve("cmdline"));
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  private Oci2vmException io(IOException e) {
    return new Oci2vmException(
        ErrorCode.IO_ERROR,
        "cannot write bundle " + target + " (disk full?): " + e.getMessage(),
        e);
  }
}
