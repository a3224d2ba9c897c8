package io.oci2vm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.oci2vm.ProgressEvent.LayerProgress;
import io.oci2vm.ProgressEvent.Phase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TtyProgressTest {
  private static final Pattern ESCAPES = Pattern.compile("\033\\[[0-9]*[A-Za-z]");

  private static String render(int columns) {
    StringWriter w = new StringWriter();
    SyntheticPull pull = SyntheticPull.create();
    TtyProgress tty = new TtyProgress(new PrintWriter(w), columns, pull.clock::get);
    pull.feed(tty);
    tty.finish();
    return w.toString();
  }

  /** What a terminal would show at the end: escapes applied, assuming nothing ever wrapped. */
  private static List<String> screen(String out) {
    List<String> lines = new java.util.ArrayList<>();
    int row = 0;
    var m = ESCAPES.matcher(out);
    int at = 0;
    StringBuilder text = new StringBuilder();
    while (true) {
      boolean found = m.find();
      String chunk = out.substring(at, found ? m.start() : out.length());
      for (char c : chunk.toCharArray()) {
        if (c == '\n') {
          set(lines, row, text.toString());
          text.setLength(0);
          row++;
        } else if (c != '\r') {
          text.append(c);
        }
      }
      if (!found) {
        break;
      }
      String esc = m.group();
      if (esc.endsWith("A")) {
        row -= Integer.parseInt(esc.substring(2, esc.length() - 1));
      } else if (esc.endsWith("J")) {
        while (lines.size() > row + 1) {
          lines.remove(lines.size() - 1);
        }
      }
      at = m.end();
    }
    return lines;
  }

  private static void set(List<String> lines, int row, String s) {
    while (lines.size() <= row) {
      lines.add("");
    }
    lines.set(row, s);
  }

  @Test
  void onEvent_pull_drawsBarsSizesSpeedAndMovesTheCursorUp() {
    String out = render(100);
    assertTrue(out.contains("\033[1A"), "cursor up");
    assertTrue(out.contains("\033[2K"), "erase line");
    String shortBlob = SyntheticPull.BLOB.shortHex();
    assertTrue(out.contains(shortBlob + ": Downloading [="), out);
    assertTrue(out.contains("MiB/40.0MiB"), out);
    assertTrue(Pattern.compile("[0-9.]+MiB/s").matcher(out).find(), out);
    assertTrue(out.contains(shortBlob + ": Extracting"), out);
    assertFalse(out.contains(SyntheticPull.DIFF_ID.shortHex()), "one row for one layer");
  }

  @Test
  void onEvent_pull_endsWithOneFinalLinePerLayerBelowTheFirstStep() {
    List<String> screen = screen(render(100));
    assertEquals(
        List.of(
            "resolving localhost:5000/nginx:latest",
            SyntheticPull.BLOB.shortHex() + ": Pull complete",
            SyntheticPull.CACHED.shortHex() + ": Already cached",
            "flattening 2 layers",
            "slimming",
            "writing bundle /tmp/out"),
        screen.subList(0, 6));
  }

  @Test
  void line_everyColumnCount_neverFillsTheLastColumn() {
    for (int columns : new int[] {20, 40, 60, 80, 100, 200}) {
      String out = render(columns);
      for (String line : ESCAPES.matcher(out).replaceAll("").split("[\r\n]")) {
        if (line.contains(": ")) {
          assertTrue(line.length() < columns, columns + " columns: '" + line + "'");
        }
      }
    }
  }

  @Test
  void line_wideTerminal_barIsAtMostFiftyWide() {
    String out = render(300);
    assertTrue(Pattern.compile("\\[[=> ]{50}\\]").matcher(out).find(), out);
    assertFalse(Pattern.compile("\\[[=> ]{51,}\\]").matcher(out).find(), out);
  }

  @Test
  void onEvent_manySmallUpdates_redrawsAtMostTenTimesASecond() {
    StringWriter w = new StringWriter();
    long[] now = {0};
    TtyProgress tty = new TtyProgress(new PrintWriter(w), 80, () -> now[0]);
    tty.onEvent(new LayerProgress(SyntheticPull.BLOB, Phase.DOWNLOADING, 1, 1000));
    int afterFirst = w.toString().length();
    for (int i = 2; i < 500; i++) {
      now[0] += 1_000_000L; // 1 ms apart: 0.5 s in all
      tty.onEvent(new LayerProgress(SyntheticPull.BLOB, Phase.DOWNLOADING, i, 1000));
    }
    long draws = Arrays.stream(w.toString().split("\033\\[1A", -1)).count() - 1;
    assertTrue(afterFirst > 0);
    assertTrue(draws >= 4 && draws <= 5, "redraws in 0.5 s: " + draws);
  }

  @Test
  void bar_partsAndEnds() {
    assertEquals("[          ]", TtyProgress.bar(0, 100, 10));
    assertEquals("[====>     ]", TtyProgress.bar(50, 100, 10));
    assertEquals("[==========]", TtyProgress.bar(100, 100, 10));
  }
}
