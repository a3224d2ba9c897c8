package io.oci2vm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/** Reads entry names of a tar, for assertions. */
final class TarNames {
  private TarNames() {}

  static List<String> of(Path tar) throws IOException {
    List<String> out = new ArrayList<>();
    try (TarFile t = new TarFile(tar)) {
      for (TarArchiveEntry e : t.getEntries()) {
        out.add(e.getName());
      }
    }
    return out;
  }
}
