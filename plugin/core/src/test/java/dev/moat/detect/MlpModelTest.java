package dev.moat.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MlpModelTest {
  @TempDir Path dir;

  @Test
  void bundledModelLoadsAndScoresInRange() {
    MlpModel m = MlpModel.bundled();
    assertEquals(Features.COUNT, m.inputs());
    assertTrue(m.threshold() > 0 && m.threshold() < 1);
    assertEquals("./moat train-detector", m.metadata().get("trained_by"));
    SplittableRandom r = new SplittableRandom(1);
    float[] x = new float[Features.COUNT];
    for (int t = 0; t < 1000; t++) {
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) r.nextDouble(0, 1.2);
      }
      float s = m.score(x);
      assertTrue(s >= 0 && s <= 1, "score " + s);
    }
    // Its reference (a typical benign account) is scored benign.
    assertTrue(m.score(m.reference()) < m.threshold());
  }

  @Test
  void savesAndLoadsExactly() throws IOException {
    MlpModel m = MlpModel.bundled();
    Path f = dir.resolve("m.json");
    m.save(f);
    MlpModel back = MlpModel.load(f);
    float[] x = m.reference();
    x[Features.COT] = 1;
    assertEquals(m.score(x), back.score(x));
    assertEquals(m.threshold(), back.threshold());
    assertEquals(m.hidden(), back.hidden());
    // The file is reproducible: metadata in key order, whatever Map.copyOf's iteration order.
    String text = Files.readString(f);
    java.util.List<String> keys = new java.util.ArrayList<>();
    new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(text)
        .get("metadata")
        .fieldNames()
        .forEachRemaining(keys::add);
    assertEquals(new java.util.ArrayList<>(new java.util.TreeSet<>(keys)), keys);
    assertTrue(keys.size() >= 5, keys.toString());
  }

  /** Hand-computed: one hidden unit, relu(2·x0 - 1), output sigmoid(3h - 1). */
  @Test
  void computesTheStatedFunction() {
    float[] w1 = new float[Features.COUNT];
    w1[0] = 2;
    MlpModel m =
        new MlpModel(
            w1, new float[] {-1}, new float[] {3}, -1, 0.5f, new float[Features.COUNT], Map.of());
    float[] x = new float[Features.COUNT];
    x[0] = 0.25f; // relu(-0.5) = 0
    assertEquals(1 / (1 + Math.exp(1)), m.score(x), 1e-6);
    x[0] = 1f; // relu(1) = 1 → sigmoid(2)
    assertEquals(1 / (1 + Math.exp(-2)), m.score(x), 1e-6);
    assertThrows(IllegalArgumentException.class, () -> m.score(new float[2]));
  }

  @Test
  void rejectsBrokenFilesNamingTheField() throws IOException {
    Path f = dir.resolve("bad.json");
    String good =
        new String(
            MlpModel.class.getResourceAsStream(MlpModel.BUNDLED).readAllBytes(),
            java.nio.charset.StandardCharsets.UTF_8);
    Files.writeString(f, good.replace("\"cot\"", "\"chain\""));
    IOException e = assertThrows(IOException.class, () -> MlpModel.load(f));
    assertTrue(
        e.getMessage().contains("`features`") && e.getMessage().contains("retrain"),
        e.getMessage());
    Files.writeString(f, good.replace(MlpModel.FORMAT, "other-format"));
    e = assertThrows(IOException.class, () -> MlpModel.load(f));
    assertTrue(e.getMessage().contains("`format`"), e.getMessage());
    Files.writeString(f, good.replaceFirst("\"threshold\" : [0-9.eE-]+", "\"threshold\" : 1.5"));
    e = assertThrows(IOException.class, () -> MlpModel.load(f));
    assertTrue(e.getMessage().contains("threshold"), e.getMessage());
    Files.writeString(f, good.replaceFirst("\"b2\" : [0-9.eE-]+", "\"b2\" : \"x\""));
    e = assertThrows(IOException.class, () -> MlpModel.load(f));
    assertTrue(e.getMessage().contains("`b2`"), e.getMessage());
    float[] w1 = new float[Features.COUNT];
    w1[3] = Float.NaN;
    IllegalArgumentException iae =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new MlpModel(
                    w1, new float[1], new float[1], 0, 0.5f, new float[Features.COUNT], Map.of()));
    assertTrue(iae.getMessage().contains("w1[3]"), iae.getMessage());
  }
}
