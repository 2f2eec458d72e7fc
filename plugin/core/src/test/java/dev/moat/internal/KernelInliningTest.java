package dev.moat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The vector kernels on a token's path stay above C2's default {@code FreqInlineSize} (325 bytes of
 * bytecode), so that C2 compiles each as a unit of its own and never inlines it into a caller. On
 * JDK 17 a kernel inlined into a large caller could come out without the Vector API's intrinsics
 * (every vector boxed, about ten times slower, allocating): the server's level 0 at a vocabulary of
 * 128,256 spent 331 µs a token in {@code allFinite} at 265 bytes, and 35 µs once it was above the
 * limit. The sizes are read off the compiled classes with {@code javap}.
 */
class KernelInliningTest {
  /** C2's default FreqInlineSize on x86-64 and AArch64, JDK 17 to 25. */
  static final int FREQ_INLINE_SIZE = 325;

  /** Class, then method name and descriptor prefix as javap prints it. */
  static final List<String[]> GUARDED =
      List.of(
          new String[] {"VectorKernels", "boolean allFinite(float[], int, int)"},
          new String[] {"VectorKernels", "float max(float[], int, int)"},
          new String[] {"VectorKernels", "float max(float[], int, int, float[])"},
          new String[] {"VectorKernels", "float maxChecked(float[], int, int, float[])"},
          new String[] {
            "VectorKernels", "void kgwBias(float[], int, int, int, int, int, int, float, int[])"
          },
          new String[] {
            "VectorKernels", "void kgwBiasAddRow(float[], int, int, int, int, int, int"
          },
          new String[] {
            "VectorExpMass", "static double mass(float[], int, int, float, float, float"
          },
          new String[] {
            "VectorExpMass", "static void masses(float[], int, int, float, float, float"
          },
          new String[] {"VectorGreenLists", "static void toList(float[], int, int, int, int, int"},
          new String[] {"VectorGreenLists", "static void fromList(float[], int, int, int, float"},
          new String[] {"VectorGreenLists", "static void fromListAddRow16(float[], int, int"},
          new String[] {"VectorGreenLists", "static void fromListAddRowNarrow(float[], int, int"},
          new String[] {"VectorGreenLists", "static void toListAddRow(float[], int, int, int, int"},
          new String[] {"VectorListPass", "static int fromList(float[], int, int, float, int[]"},
          new String[] {"VectorListPass", "static int countAtLeast(float[], int, float)"},
          new String[] {
            "VectorWeightBounds", "static void bounds(float[], int, float, float, int[])"
          },
          new String[] {
            "VectorListPass", "static int fromListAddRow(float[], int, int, float, int[]"
          },
          new String[] {
            "VectorSummaryPass", "static long fromListSummary(float[], int, int, float, int[]"
          },
          new String[] {
            "VectorGather", "static int collectGroups(float[], int, int, float[], float, int"
          },
          new String[] {
            "VectorSummaryPass", "static long fromListAddRowSummary(float[], int, int, float, int[]"
          },
          new String[] {
            "VectorSummaryPass", "static long fromListSummaryNarrow(float[], int, int, float, int[]"
          },
          new String[] {
            "VectorSummaryPass",
            "static long fromListAddRowSummaryNarrow(float[], int, int, float, int[]"
          });

  @Test
  void tokenPathKernelsAreTooLargeForC2ToInline() throws Exception {
    Map<String, Integer> sizes = new HashMap<>();
    for (String cls :
        new String[] {
          "VectorKernels",
          "VectorGreenLists",
          "VectorListPass",
          "VectorGather",
          "VectorSummaryPass",
          "VectorExpMass",
          "VectorWeightBounds"
        }) {
      sizes.putAll(codeSizes(cls));
    }
    for (String[] g : GUARDED) {
      String found = null;
      for (String k : sizes.keySet()) {
        if (k.startsWith(g[0] + ".") && k.contains(g[1])) {
          assertTrue(found == null, "two methods match " + g[1] + ": " + found + ", " + k);
          found = k;
        }
      }
      assertTrue(found != null, g[0] + ": no method " + g[1] + " in " + sizes.keySet());
      int size = sizes.get(found);
      assertTrue(
          size > FREQ_INLINE_SIZE,
          found
              + " has "
              + size
              + " bytes of bytecode; at "
              + FREQ_INLINE_SIZE
              + " or fewer C2 inlines it into its callers, where on JDK 17 it can lose the Vector"
              + " API's intrinsics (see VectorKernels' class comment)");
    }
  }

  @Test
  void theSizesAreReadCorrectly() throws Exception {
    // A known method of this test's own class: javap's last offset plus the return's one byte.
    Map<String, Integer> own =
        codeSizes(
            Path.of(
                KernelInliningTest.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI()),
            KernelInliningTest.class.getName());
    String k =
        own.keySet().stream()
            .filter(s -> s.contains("int answer()"))
            .findFirst()
            .orElseThrow(() -> new AssertionError(own.keySet().toString()));
    assertEquals(3, own.get(k)); // bipush 42 (2 bytes), ireturn (1)
  }

  static int answer() {
    return 42;
  }

  private static Map<String, Integer> codeSizes(String simpleName) throws Exception {
    Class<?> c = Class.forName("dev.moat.internal.vector." + simpleName);
    Path root = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    Map<String, Integer> m = new HashMap<>();
    codeSizes(root, c.getName()).forEach((k, v) -> m.put(simpleName + "." + k, v));
    return m;
  }

  /**
   * A member with code as javap declares it: a method, or the static initializer ({@code static
   * {};}), which must end the method before it (else its code is counted as that method's).
   */
  private static final Pattern METHOD =
      Pattern.compile("^  (\\S.*\\)|static \\{\\})(?: throws [\\w.$, ]+)?;$");

  private static final Pattern INSN = Pattern.compile("^\\s+(\\d+): (\\w+)");

  /** Method (as javap declares it) to bytecode length, for the class {@code name} under root. */
  static Map<String, Integer> codeSizes(Path root, String name) {
    ToolProvider javap =
        ToolProvider.findFirst("javap").orElseThrow(() -> new AssertionError("no javap"));
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(b, true, StandardCharsets.UTF_8);
    int status = javap.run(out, out, "-c", "-p", "-cp", root.toString(), name);
    String text = b.toString(StandardCharsets.UTF_8);
    assertEquals(0, status, text);
    Map<String, Integer> sizes = new HashMap<>();
    String method = null;
    int last = -1;
    String op = "";
    for (String line : text.split("\n", -1)) {
      Matcher mm = METHOD.matcher(line);
      if (mm.matches()) {
        if (method != null && last >= 0) {
          sizes.put(method, last + length(op));
        }
        method = mm.group(1);
        last = -1;
        continue;
      }
      Matcher im = INSN.matcher(line);
      if (im.find()) {
        last = Integer.parseInt(im.group(1));
        op = im.group(2);
      }
    }
    if (method != null && last >= 0) {
      sizes.put(method, last + length(op));
    }
    return sizes;
  }

  /** The length of a method's last instruction: a return or a throw, one byte. */
  private static int length(String op) {
    assertTrue(op.endsWith("return") || op.equals("athrow"), "last instruction " + op);
    return 1;
  }
}
