package io.oci2vm.internal.disk.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** Unpacks an OVA and checks its structure, manifest and descriptor. */
final class OvaContents {
  static final String OVF_NS = "http://schemas.dmtf.org/ovf/envelope/1";

  private OvaContents() {}

  /**
   * Checks entry order, the SHA-256 manifest and the OVF's disk capacity and firmware; returns the
   * extracted vmdk.
   */
  static Path verify(Path ova, Path dir, OvfSettings vm, long capacity) throws Exception {
    List<String> names = new ArrayList<>();
    Map<String, String> digests = new LinkedHashMap<>();
    byte[] ovf = null;
    byte[] mf = null;
    Path vmdk = dir.resolve("extracted.vmdk");
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(ova))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        names.add(e.getName());
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        if (e.getName().endsWith(".vmdk")) {
          Files.copy(tar, vmdk);
          try (InputStream in = Files.newInputStream(vmdk)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
              sha.update(buf, 0, n);
            }
          }
          assertEquals(Files.size(vmdk), e.getSize());
        } else {
          byte[] b = tar.readAllBytes();
          sha.update(b);
          if (e.getName().endsWith(".ovf")) {
            ovf = b;
          } else {
            mf = b;
          }
        }
        digests.put(e.getName(), HexFormat.of().formatHex(sha.digest()));
      }
    }
    String name = vm.name();
    assertEquals(List.of(name + ".ovf", name + "-disk1.vmdk", name + ".mf"), names);
    String expectedMf =
        "SHA256("
            + name
            + ".ovf)= "
            + digests.get(name + ".ovf")
            + "\nSHA256("
            + name
            + "-disk1.vmdk)= "
            + digests.get(name + "-disk1.vmdk")
            + "\n";
    assertEquals(expectedMf, new String(mf, StandardCharsets.UTF_8));

    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(ovf));
    Element disk = (Element) doc.getElementsByTagNameNS(OVF_NS, "Disk").item(0);
    assertEquals(Long.toString(capacity), disk.getAttributeNS(OVF_NS, "capacity"));
    assertEquals(
        "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized",
        disk.getAttributeNS(OVF_NS, "format"));
    Element file = (Element) doc.getElementsByTagNameNS(OVF_NS, "File").item(0);
    assertEquals(Long.toString(Files.size(vmdk)), file.getAttributeNS(OVF_NS, "size"));
    NodeList config = doc.getElementsByTagNameNS("http://www.vmware.com/schema/ovf", "Config");
    assertEquals(vm.uefi() ? 1 : 0, config.getLength(), "firmware config");
    if (vm.description() != null) {
      assertEquals(
          vm.description(),
          doc.getElementsByTagNameNS(OVF_NS, "Annotation").item(0).getTextContent());
    }
    return vmdk;
  }
}
