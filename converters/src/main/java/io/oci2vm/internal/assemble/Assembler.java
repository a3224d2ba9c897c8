package io.oci2vm.internal.assemble;

import io.oci2vm.ErrorCode;
import io.oci2vm.ImageConfig;
import io.oci2vm.Oci2vmException;
import io.oci2vm.internal.flatten.Node;
import io.oci2vm.internal.flatten.RootFs;
import io.oci2vm.internal.kernel.Kernel;
import io.oci2vm.internal.kernel.KernelModules;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts the boot payload together: the slimmed tree, the native init and its config, and the kernel
 * modules the VM's devices need, as an initramfs.
 */
public final class Assembler {
  /** The init binary inside the converters jar, built from src/main/c by the Maven build. */
  static final String INIT_RESOURCE = "/io/oci2vm/init/oci2vm-init";

  /** Drivers every VM needs: module name and the CONFIG_ option that builds it in. */
  static final Map<String, String> REQUIRED_DRIVERS = new LinkedHashMap<>();

  /** Drivers used when present: power button, entropy, Firecracker's MMIO transport. */
  static final Map<String, String> OPTIONAL_DRIVERS = new LinkedHashMap<>();

  /** Drivers used when present for a VM whose root is on a disk. */
  static final Map<String, String> DISK_DRIVERS = new LinkedHashMap<>();

  static {
    REQUIRED_DRIVERS.put("virtio_pci", "CONFIG_VIRTIO_PCI");
    REQUIRED_DRIVERS.put("virtio_net", "CONFIG_VIRTIO_NET");
    REQUIRED_DRIVERS.put("virtio_blk", "CONFIG_VIRTIO_BLK");
    REQUIRED_DRIVERS.put("virtio_console", "CONFIG_VIRTIO_CONSOLE");
    OPTIONAL_DRIVERS.put("virtio_mmio", "CONFIG_VIRTIO_MMIO");
    OPTIONAL_DRIVERS.put("virtio_rng", "CONFIG_HW_RANDOM_VIRTIO");
    OPTIONAL_DRIVERS.put("button", "CONFIG_ACPI_BUTTON");
    OPTIONAL_DRIVERS.put("evdev", "CONFIG_INPUT_EVDEV");
    DISK_DRIVERS.putAll(OPTIONAL_DRIVERS);
    // Whatever controller the hypervisor gives the disk: QEMU's virtio-scsi, AHCI (VirtualBox,
    // VMware SATA), PIIX IDE, NVMe (clouds), Hyper-V's storvsc, VMware's PVSCSI and LSI Logic.
    DISK_DRIVERS.put("virtio_scsi", "CONFIG_SCSI_VIRTIO");
    DISK_DRIVERS.put("sd_mod", "CONFIG_BLK_DEV_SD");
    DISK_DRIVERS.put("ahci", "CONFIG_SATA_AHCI");
    DISK_DRIVERS.put("ata_piix", "CONFIG_ATA_PIIX");
    DISK_DRIVERS.put("nvme", "CONFIG_BLK_DEV_NVME");
    DISK_DRIVERS.put("hv_storvsc", "CONFIG_HYPERV_STORAGE");
    DISK_DRIVERS.put("vmw_pvscsi", "CONFIG_VMWARE_PVSCSI");
    DISK_DRIVERS.put("mptspi", "CONFIG_FUSION_SPI");
    // And the NIC: VMware's vmxnet3 (the OVA declares one with a PVSCSI controller, both of which
    // Debian's cloud kernel has), Hyper-V's netvsc, AWS's ENA.
    DISK_DRIVERS.put("vmxnet3", "CONFIG_VMXNET3");
    DISK_DRIVERS.put("hv_netvsc", "CONFIG_HYPERV_NET");
    DISK_DRIVERS.put("ena", "CONFIG_ENA_ETHERNET");
  }

  /** What was assembled. */
  public record Payload(List<String> modules, byte[] initConfig) {}

  private Assembler() {}

  /**
   * Writes the initramfs for {@code app} (config with overrides applied) to {@code out}.
   *
   * @param hostname the VM's hostname
   */
  public static Payload writeInitramfs(
      RootFs fs,
      Set<Node> include,
      ImageConfig app,
      String hostname,
      String network,
      Kernel kernel,
      OutputStream out)
      throws IOException {
    return write(fs, include, app, hostname, network, kernel, null, OPTIONAL_DRIVERS, out);
  }

  /**
   * Writes the small initramfs of a disk image: the init, its config and the modules needed to
   * reach the disk; the init mounts the ext4 root of UUID {@code rootUuid} and switches to it.
   * {@code fs} is only read to resolve the image's user name.
   */
  public static Payload writeDiskInitramfs(
      RootFs fs,
      ImageConfig app,
      String hostname,
      String network,
      Kernel kernel,
      String rootUuid,
      OutputStream out)
      throws IOException {
    return write(fs, Set.of(), app, hostname, network, kernel, rootUuid, DISK_DRIVERS, out);
  }

  /** The drivers a VM needs, plus ext4 when its root is on a disk the init mounts. */
  private static Map<String, String> required(String rootUuid) {
    if (rootUuid == null) {
      return REQUIRED_DRIVERS;
    }
    Map<String, String> m = new LinkedHashMap<>(REQUIRED_DRIVERS);
    m.put("ext4", "CONFIG_EXT4_FS");
    return m;
  }

  private static Payload write(
      RootFs fs,
      Set<Node> include,
      ImageConfig app,
      String hostname,
      String network,
      Kernel kernel,
      String rootUuid,
      Map<String, String> optionalDrivers,
      OutputStream out)
      throws IOException {
    if (app.argv().isEmpty()) {
      throw new Oci2vmException(
          ErrorCode.NO_ENTRYPOINT,
          "the image sets no Entrypoint or Cmd, so the VM would have nothing to run; pass"
              + " --entrypoint or --cmd");
    }
    byte[] init = initBinary();
    UserResolver.Identity user = new UserResolver(new ImageFiles(fs)).resolve(app.user());
    KernelModules available = new KernelModules(kernel);
    List<KernelModules.Module> modules = available.resolve(required(rootUuid), optionalDrivers);
    java.util.Set<String> required = new java.util.HashSet<>();
    available.resolve(required(rootUuid), Map.of()).forEach(m -> required.add(m.name()));
    List<InitramfsWriter.Extra> extras = new ArrayList<>();
    extras.add(new InitramfsWriter.Extra(InitConfig.INIT, 0755, InitramfsWriter.Content.of(init)));
    List<String> modulePaths = new ArrayList<>();
    List<InitramfsWriter.Extra> moduleFiles = new ArrayList<>();
    for (KernelModules.Module m : modules) {
      String path = InitConfig.DIR + "/modules/" + m.name() + ".ko";
      modulePaths.add(required.contains(m.name()) ? path : "?" + path);
      moduleFiles.add(new InitramfsWriter.Extra(path, 0644, m::open));
    }
    byte[] conf =
        InitConfig.render(
            app, user, hostname, modulePaths, InitConfig.Network.of(network), rootUuid);
    extras.add(new InitramfsWriter.Extra(InitConfig.CONF, 0644, InitramfsWriter.Content.of(conf)));
    extras.addAll(moduleFiles);
    InitramfsWriter.write(
        fs,
        include,
        extras,
        kernel.supportsZstdInitramfs()
            ? InitramfsWriter.Compression.ZSTD
            : InitramfsWriter.Compression.GZIP,
        out);
    return new Payload(modules.stream().map(KernelModules.Module::name).toList(), conf);
  }

  static byte[] initBinary() throws IOException {
    try (InputStream in = Assembler.class.getResourceAsStream(INIT_RESOURCE)) {
      if (in == null) {
        throw new Oci2vmException(
            ErrorCode.IO_ERROR,
            "this oci2vm build has no native init ("
                + INIT_RESOURCE
                + "); rebuild with musl-tools installed (scripts/setup)");
      }
      return in.readAllBytes();
    }
  }
}
