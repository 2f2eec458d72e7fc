package dev.moat.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.examples.cli.UsageErrors;
import dev.moat.examples.cli.UsageException;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.BundledText;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.research.RadioactivityHarvest;
import dev.moat.research.RadioactivitySetup;
import dev.moat.watermark.GumbelSettings;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkSpec;
import java.io.BufferedWriter;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./moat radioactivity --export-harvest DIR}: the harvest for students trained outside Moat
 * (the neural students of {@code examples/forensics/students}), written as files a trainer in any
 * language reads, and the campaign prompts the suspects are then asked to continue.
 *
 * <ul>
 *   <li>{@code harvest.jsonl}: one line per answer: {@code prompt}, {@code harvest} ({@code clean}
 *       or the scheme's tier), {@code key_id}, {@code prompt_tokens} (the bundled model's ids, BOS
 *       first) and {@code tokens} (the answer);
 *   <li>{@code probes.jsonl} and {@code probes.txt}: the prompts the suspect continues in the
 *       black-box test, never in the harvest (ids, and text one per line with newlines as {@code
 *       \n});
 *   <li>{@code served-TIER.txt}: each scheme's answers as text, one per line (the texts we served,
 *       for the filtered and open-weights tests);
 *   <li>{@code manifest.json}: the sizes, each scheme's settings and key id (never the key), and
 *       the seconds the harvest took.
 * </ul>
 *
 * <p>Thread-safe: stateless.
 */
final class HarvestExport {
  private HarvestExport() {}

  /**
   * KGW with a two-token context (left hash), exported only: the n-gram experiment's scheme that
   * survived the counting attacker's best scrub, tried on neural students.
   */
  static final String KGW2 = "kgw (h=2)";

  /** The scheme names {@code --export-schemes} accepts, to the experiment's scheme names. */
  static final Map<String, String> SCHEMES =
      Map.of(
          "kgw", "kgw (h=1)",
          "selfhash", "kgw self-hash (h=4)",
          "gumbel", "gumbel (h=1)",
          "adf", RadioactivitySetup.ADF,
          "kgw2", KGW2);

  static int run(
      Path dir, List<String> schemeNames, int n, int len, int probes, int threads, PrintStream out)
      throws Exception {
    Map<String, WatermarkSpec> all = new LinkedHashMap<>(RadioactivitySetup.schemes());
    all.put(
        KGW2,
        KgwSettings.builder().keyId("quality").gamma(0.25).delta(2.0).contextWidth(2).build());
    Map<String, WatermarkSpec> schemes = new LinkedHashMap<>();
    for (String s : schemeNames) {
      String name = SCHEMES.get(s);
      if (name == null) {
        throw new UsageException(
            UsageErrors.invalid(
                "--export-schemes", s, "kgw, selfhash, gumbel, adf or kgw2 (comma-separated)"));
      }
      schemes.put(name, all.get(name));
    }
    Files.createDirectories(dir);
    WatermarkKey key = dev.moat.research.QualityRuns.KEY;
    long t0 = System.nanoTime();
    try (OnnxCausalLm model = OnnxCausalLm.bundled(1);
        BundledText text = BundledText.bundled()) {
      int bos = model.config().bosTokenId();
      int[][] prompts = new int[n + probes][];
      for (int p = 0; p < prompts.length; p++) {
        prompts[p] = text.encode(dev.moat.research.sim.Prompts.campaignPrompt(p), bos);
      }
      out.printf(
          Locale.ROOT,
          "harvest: %d prompts x %d harvests, up to %d tokens each, %d threads%n",
          n,
          schemes.size() + 1,
          len,
          threads);
      Map<String, int[][]> harvest =
          RadioactivityHarvest.collect(model, schemes, key, prompts, n, len, threads);
      long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
      ObjectMapper json = new ObjectMapper();
      List<String> names = RadioactivityHarvest.names(schemes);
      long tokens = 0;
      try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("harvest.jsonl"))) {
        for (String h : names) {
          int[][] answers = java.util.Objects.requireNonNull(harvest.get(h), h);
          for (int p = 0; p < n; p++) {
            ObjectNode line = json.createObjectNode();
            line.put("prompt", p);
            line.put("harvest", h);
            line.put("key_id", h.equals("clean") ? null : key.id());
            ids(line.putArray("prompt_tokens"), prompts[p]);
            ids(line.putArray("tokens"), answers[p]);
            tokens += answers[p].length;
            w.write(json.writeValueAsString(line));
            w.write('\n');
          }
          if (!h.equals("clean")) {
            List<String> served = new ArrayList<>();
            for (int p = 0; p < n; p++) {
              served.add(escape(text.decode(answers[p])));
            }
            Files.write(dir.resolve("served-" + h + ".txt"), served);
          }
        }
      }
      List<String> probeText = new ArrayList<>();
      try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("probes.jsonl"))) {
        for (int p = n; p < n + probes; p++) {
          ObjectNode line = json.createObjectNode();
          line.put("prompt", p);
          ids(line.putArray("prompt_tokens"), prompts[p]);
          w.write(json.writeValueAsString(line));
          w.write('\n');
          probeText.add(escape(dev.moat.research.sim.Prompts.campaignPrompt(p)));
        }
      }
      Files.write(dir.resolve("probes.txt"), probeText);
      ObjectNode manifest = json.createObjectNode();
      manifest.put("teacher", "the bundled model behind Moat (ONNX Runtime), temperature 1");
      manifest.put("prompts", n);
      manifest.put("probes", probes);
      manifest.put("max_tokens", len);
      manifest.put("answer_tokens", tokens);
      manifest.put("seconds", seconds);
      manifest.put("vocab_size", model.config().vocabSize());
      manifest.put("eos_token_id", model.config().eosTokenId());
      ObjectNode s = manifest.putObject("schemes");
      schemes.forEach(
          (name, spec) -> s.set(RadioactivitySetup.tier(name), describe(json, name, spec)));
      json.writerWithDefaultPrettyPrinter()
          .writeValue(dir.resolve("manifest.json").toFile(), manifest);
      out.printf(Locale.ROOT, "wrote %s: %d answer tokens in %d s%n", dir, tokens, seconds);
    }
    return 0;
  }

  private static ObjectNode describe(ObjectMapper json, String name, WatermarkSpec spec) {
    ObjectNode o = json.createObjectNode();
    if (name.equals(RadioactivitySetup.ADF)) {
      // Generated by the fingerprint's perturbation, detected by the KGW test of these settings.
      o.put("generated_by", "adf-style fingerprint");
      o.put("adf_delta", RadioactivitySetup.ADF_DELTA);
    }
    if (spec instanceof KgwSettings k) {
      o.put("scheme", "kgw");
      o.put("gamma", k.gamma());
      o.put("delta", k.delta());
      o.put("context_width", k.contextWidth());
      o.put("seeding", k.selfHash() ? "selfhash" : "lefthash");
    } else if (spec instanceof GumbelSettings g) {
      o.put("scheme", "gumbel");
      o.put("context_width", g.contextWidth());
    }
    o.put("key_id", dev.moat.research.QualityRuns.KEY.id());
    return o;
  }

  private static void ids(ArrayNode a, int[] ids) {
    for (int id : ids) {
      a.add(id);
    }
  }

  /** One text per line: newlines as the two characters {@code \n}, as the suspect files hold. */
  static String escape(String s) {
    return s.replace("\r", " ").replace("\n", "\\n");
  }
}
