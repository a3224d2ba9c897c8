package io.oci2vm.internal.disk.format;

/**
 * The OVF 1.0 descriptor (DMTF DSP0243 1.x) for a VM with one streamOptimized disk, in the shape
 * VMware's exporter writes so that vSphere, Workstation and VirtualBox import it. Inside each
 * {@code Item} the {@code rasd:} elements must be in alphabetical order: the CIM schema declares
 * them as an {@code xs:sequence}, and strict importers validate against it.
 */
final class OvfEnvelope {
  private OvfEnvelope() {}

  /**
   * The descriptor text.
   *
   * @param diskFile the vmdk's name inside the OVA
   * @param diskFileSize its size in bytes
   * @param capacity the virtual disk size in bytes
   * @param populated bytes of the disk that hold data
   */
  static String of(
      OvfSettings vm, String diskFile, long diskFileSize, long capacity, long populated) {
    String name = escape(vm.name());
    StringBuilder x = new StringBuilder(4096);
    x.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .append("<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\"")
        .append(" xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\"")
        .append(" xmlns:rasd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/")
        .append("CIM_ResourceAllocationSettingData\"")
        .append(" xmlns:vssd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/")
        .append("CIM_VirtualSystemSettingData\"")
        .append(" xmlns:vmw=\"http://www.vmware.com/schema/ovf\"")
        .append(" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n")
        .append("  <References>\n")
        .append("    <File ovf:href=\"")
        .append(escape(diskFile))
        .append("\" ovf:id=\"file1\" ovf:size=\"")
        .append(diskFileSize)
        .append("\"/>\n")
        .append("  </References>\n")
        .append("  <DiskSection>\n")
        .append("    <Info>Virtual disk information</Info>\n")
        .append("    <Disk ovf:capacity=\"")
        .append(capacity)
        .append("\" ovf:capacityAllocationUnits=\"byte\" ovf:diskId=\"vmdisk1\"")
        .append(" ovf:fileRef=\"file1\" ovf:format=\"")
        .append("http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized\"")
        .append(" ovf:populatedSize=\"")
        .append(populated)
        .append("\"/>\n")
        .append("  </DiskSection>\n")
        .append("  <NetworkSection>\n")
        .append("    <Info>The list of logical networks</Info>\n")
        .append("    <Network ovf:name=\"VM Network\">\n")
        .append("      <Description>The VM Network network</Description>\n")
        .append("    </Network>\n")
        .append("  </NetworkSection>\n")
        .append("  <VirtualSystem ovf:id=\"")
        .append(name)
        .append("\">\n")
        .append("    <Info>A virtual machine</Info>\n")
        .append("    <Name>")
        .append(name)
        .append("</Name>\n");
    if (vm.description() != null) {
      x.append("    <AnnotationSection>\n")
          .append("      <Info>A human-readable annotation</Info>\n")
          .append("      <Annotation>")
          .append(escape(vm.description()))
          .append("</Annotation>\n")
          .append("    </AnnotationSection>\n");
    }
    // CIM OS id 101 is "Other Linux 64-Bit"; vmw:osType is the matching VMware guest id.
    x.append("    <OperatingSystemSection ovf:id=\"101\" vmw:osType=\"otherLinux64Guest\">\n")
        .append("      <Info>The kind of installed guest operating system</Info>\n")
        .append("    </OperatingSystemSection>\n")
        .append("    <VirtualHardwareSection>\n")
        .append("      <Info>Virtual hardware requirements</Info>\n")
        .append("      <System>\n")
        .append("        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>\n")
        .append("        <vssd:InstanceID>0</vssd:InstanceID>\n")
        .append("        <vssd:VirtualSystemIdentifier>")
        .append(name)
        .append("</vssd:VirtualSystemIdentifier>\n")
        .append("        <vssd:VirtualSystemType>vmx-14</vssd:VirtualSystemType>\n")
        .append("      </System>\n");
    item(
        x,
        "<rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits>",
        "<rasd:Description>Number of Virtual CPUs</rasd:Description>",
        "<rasd:ElementName>" + vm.cpus() + " virtual CPU(s)</rasd:ElementName>",
        "<rasd:InstanceID>1</rasd:InstanceID>",
        "<rasd:ResourceType>3</rasd:ResourceType>",
        "<rasd:VirtualQuantity>" + vm.cpus() + "</rasd:VirtualQuantity>");
    item(
        x,
        "<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>",
        "<rasd:Description>Memory Size</rasd:Description>",
        "<rasd:ElementName>" + vm.memoryMiB() + "MB of memory</rasd:ElementName>",
        "<rasd:InstanceID>2</rasd:InstanceID>",
        "<rasd:ResourceType>4</rasd:ResourceType>",
        "<rasd:VirtualQuantity>" + vm.memoryMiB() + "</rasd:VirtualQuantity>");
    item(
        x,
        "<rasd:Address>0</rasd:Address>",
        "<rasd:Description>SCSI Controller</rasd:Description>",
        "<rasd:ElementName>SCSI Controller 0</rasd:ElementName>",
        "<rasd:InstanceID>3</rasd:InstanceID>",
        "<rasd:ResourceSubType>VirtualSCSI</rasd:ResourceSubType>",
        "<rasd:ResourceType>6</rasd:ResourceType>");
    item(
        x,
        "<rasd:AddressOnParent>0</rasd:AddressOnParent>",
        "<rasd:ElementName>Hard Disk 1</rasd:ElementName>",
        "<rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>",
        "<rasd:InstanceID>4</rasd:InstanceID>",
        "<rasd:Parent>3</rasd:Parent>",
        "<rasd:ResourceType>17</rasd:ResourceType>");
    item(
        x,
        "<rasd:AddressOnParent>7</rasd:AddressOnParent>",
        "<rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>",
        "<rasd:Connection>VM Network</rasd:Connection>",
        "<rasd:Description>VmxNet3 ethernet adapter on &quot;VM Network&quot;</rasd:Description>",
        "<rasd:ElementName>Network adapter 1</rasd:ElementName>",
        "<rasd:InstanceID>5</rasd:InstanceID>",
        "<rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType>",
        "<rasd:ResourceType>10</rasd:ResourceType>");
    if (vm.uefi()) {
      x.append("      <vmw:Config ovf:required=\"false\" vmw:key=\"firmware\"")
          .append(" vmw:value=\"efi\"/>\n");
    }
    x.append("    </VirtualHardwareSection>\n")
        .append("  </VirtualSystem>\n")
        .append("</Envelope>\n");
    return x.toString();
  }

  private static void item(StringBuilder x, String... elements) {
    x.append("      <Item>\n");
    for (String e : elements) {
      x.append("        ").append(e).append('\n');
    }
    x.append("      </Item>\n");
  }

  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&apos;");
        default -> {
          // XML 1.0 forbids most control characters even when escaped.
          if (c >= 0x20 || c == '\n' || c == '\t' || c == '\r') {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }
}
