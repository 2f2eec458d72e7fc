package dev.moat.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.OnnxCausalLm;
import dev.moat.watermark.DetectionResult;
import dev.moat.watermark.GumbelScheme;
import dev.moat.watermark.GumbelSettings;
import dev.moat.watermark.HfKgwDetector;
import dev.moat.watermark.HfKgwScheme;
import dev.moat.watermark.HfKgwSettings;
import dev.moat.watermark.KeyRotationDetector;
import dev.moat.watermark.KgwDetector;
import dev.moat.watermark.KgwScheme;
import dev.moat.watermark.KgwSettings;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./moat detect}: tests text or token ids for a watermark and prints JSON. Needs the key and
 * the scheme's parameters, never the model.
 */
final class DetectCommand {
  static final Map<String, Boolean> OPTIONS = new LinkedHashMap<>();

  static {
    OPTIONS.put("scheme", true);
    OPTIONS.put("tokens", true);
    OPTIONS.put("text", true);
    OPTIONS.put("file", true);
    OPTIONS.put("corpus", true);
    OPTIONS.put("seeding", true);
    OPTIONS.put("tokenizer", true);
    OPTIONS.put("context-tokens", true);
    OPTIONS.put("keys", true);
    OPTIONS.put("key-id", true);
    OPTIONS.put("gamma", true);
    OPTIONS.put("context-width", true);
    OPTIONS.put("alpha", true);
    OPTIONS.put("ignore-repeated", false);
    OPTIONS.put("vocab-size", true);
    OPTIONS.put("hash-key", true);
    OPTIONS.put("entropy-threshold", true);
    OPTIONS.put("window", true);
    OPTIONS.put("window-step", true);
  }

  private DetectCommand() {}

  static int run(Args a, PrintStream out, PrintStream err) throws Exception {
    String scheme = a.get("scheme", KgwScheme.SCHEME_ID);
    if ((scheme.equals("kgw-hf") || scheme.equals(HfKgwScheme.SCHEME_ID))
        && !a.has("keys")
        && !a.has("key-id")) {
      return detectHf(a, out); // Hugging Face's integer hash key, as its own detector takes it
    }
    if (!List.of(
            "kgw",
            KgwScheme.SCHEME_ID,
            "gumbel",
            GumbelScheme.SCHEME_ID,
            "kgw-hf",
            HfKgwScheme.SCHEME_ID)
        .contains(scheme)) {
      throw new Args.UsageException(
          "--scheme was '"
              + scheme
              + "' but it must be one of: kgw ("
              + KgwScheme.SCHEME_ID
              + "), gumbel ("
              + GumbelScheme.SCHEME_ID
              + "), kgw-hf ("
              + HfKgwScheme.SCHEME_ID
              + ")");
    }
    boolean selfHashSeeding = selfHash(a); // checked before the keys are read
    int inputs =
        (a.has("tokens") ? 1 : 0)
            + (a.has("text") ? 1 : 0)
            + (a.has("file") ? 1 : 0)
            + (a.has("corpus") ? 1 : 0);
    if (inputs != 1) {
      throw new Args.UsageException(
          "'detect' needs exactly one of --tokens 1,2,3 | --text TEXT | --file PATH"
              + " | --corpus FILE.jsonl");
    }
    int[] tokens;
    List<int[]> corpus = null;
    if (a.has("corpus")) {
      corpus = readCorpus(Path.of(a.require("corpus")), a);
      tokens = corpus.isEmpty() ? new int[0] : corpus.get(0);
    } else if (a.has("tokens")) {
      tokens = parseTokens(a.require("tokens"));
    } else {
      String text =
          a.has("text")
              ? a.require("text")
              : Files.readString(Path.of(a.require("file")), StandardCharsets.UTF_8);
      try (BundledText t =
          a.has("tokenizer")
              ? BundledText.load(Path.of(a.require("tokenizer")))
              : BundledText.bundled()) {
        tokens = t.encode(text);
      }
    }
    WatermarkKeys keys = Keys.load(a.get("keys"), err);
    // --key-id a,b,c: the active key first, then retired ones; all are tried
    // (Bonferroni-corrected).
    List<String> keyIds = a.list("key-id", List.of(keys.ids().iterator().next()));
    List<WatermarkKey> tried = new java.util.ArrayList<>();
    for (String id : keyIds) {
      tried.add(
          keys.get(id.strip())
              .orElseThrow(
                  () ->
                      new Args.UsageException(
                          "--key-id was '" + id + "' but the keys hold only " + keys.ids())));
    }
    WatermarkKey key = tried.get(0);
    String keyId = key.id();
    int width = a.getInt("context-width", 1, 1, 64);
    double gamma = a.getDouble("gamma", 0.25, 1e-9, 1 - 1e-9);
    WatermarkSpec spec =
        switch (scheme) {
          case "gumbel", GumbelScheme.SCHEME_ID -> new GumbelSettings(keyId, width);
          case "kgw-hf", HfKgwScheme.SCHEME_ID ->
              new HfKgwSettings(keyId, gamma, 2.0, a.getInt("vocab-size", 0, 2, 16_777_216), 4096);
          default ->
              KgwSettings.builder()
                  .keyId(keyId)
                  .gamma(gamma)
                  .contextWidth(width)
                  .entropyThreshold(a.getDouble("entropy-threshold", 0, 0, 20))
                  .selfHash(selfHashSeeding)
                  .build();
        };
    int context = a.getInt("context-tokens", 0, 0, Integer.MAX_VALUE);
    double alpha = a.getDouble("alpha", 0.001, 1e-300, 0.5);
    DetectionResult d;
    int window = a.getInt("window", 0, 0, 1_000_000);
    if (tried.size() > 1
        && (window > 0 || (spec instanceof KgwSettings k0 && k0.entropyThreshold() > 0))) {
      throw new Args.UsageException(
          "several --key-id values cannot be combined with --window or --entropy-threshold");
    }
    if (corpus != null
        && (window > 0 || (spec instanceof KgwSettings k1 && k1.entropyThreshold() > 0))) {
      throw new Args.UsageException(
          "--corpus cannot be combined with --window or --entropy-threshold");
    }
    if (corpus != null) {
      d = KeyRotationDetector.of(spec, tried).detectAll(corpus, context, a.has("ignore-repeated"));
    } else if (tried.size() > 1) {
      d = KeyRotationDetector.of(spec, tried).detect(tokens, context, a.has("ignore-repeated"));
    } else if (window > 0) {
      if (!(spec instanceof KgwSettings k)) {
        throw new Args.UsageException("--window works with --scheme kgw only");
      }
      d =
          new KgwDetector(key, k)
              .detectBestWindow(
                  tokens,
                  context,
                  window,
                  a.getInt("window-step", Math.max(1, window / 4), 1, 1_000_000));
    } else if (spec instanceof KgwSettings k && k.entropyThreshold() > 0) {
      // An entropy-gated watermark is scored only where the model was uncertain: ask the bundled
      // model.
      try (OnnxCausalLm model = OnnxCausalLm.bundled(1)) {
        d =
            new KgwDetector(key, k)
                .detect(tokens, context, a.has("ignore-repeated"), model.entropies(tokens));
      }
    } else {
      d = spec.detector(key).detect(tokens, context, a.has("ignore-repeated"));
    }
    ObjectNode json = json(d, alpha);
    json.put("context_width", width);
    if (spec instanceof KgwSettings k2) {
      json.put("seeding", k2.selfHash() ? "selfhash" : "lefthash");
    }
    json.put("keys_tried", tried.size());
    if (corpus != null) {
      json.put("num_texts", corpus.size());
      json.put(
          "dedup", a.has("ignore-repeated") ? "each (context, token) once across texts" : "none");
    }
    if (window > 0) {
      json.put("window", window);
    }
    if (spec instanceof GumbelSettings) {
      json.put("score", d.score());
    }
    out.println(json.toPrettyString());
    return 0;
  }

  /**
   * Hugging Face's scheme: the key is {@code --hash-key} (an integer, as in {@code
   * WatermarkLogitsProcessor}); a leading {@code bos = vocab_size - 1} is dropped as its detector
   * does.
   */
  static int detectHf(Args a, PrintStream out) throws Exception {
    int vocab = a.getInt("vocab-size", 0, 2, 16_777_216);
    if (vocab == 0) {
      throw new Args.UsageException("'detect --scheme kgw-hf' needs --vocab-size");
    }
    long hashKey = a.getLong("hash-key", 15485863L);
    double gamma = a.getDouble("gamma", 0.25, 1e-9, 1 - 1e-9);
    int[] tokens = parseTokens(a.require("tokens"));
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] >= vocab) {
        throw new Args.UsageException(
            "--tokens item "
                + (i + 1)
                + " was '"
                + tokens[i]
                + "' but it must be < --vocab-size "
                + vocab);
      }
    }
    double alpha = a.getDouble("alpha", 0.001, 1e-300, 0.5);
    HfKgwScheme s = new HfKgwScheme(vocab, gamma, hashKey, 4096);
    DetectionResult d = new HfKgwDetector(s).detect(tokens, a.has("ignore-repeated"));
    ObjectNode json = json(d, alpha);
    json.put("vocab_size", vocab);
    json.put(
        "note",
        "p_value is the exact binomial tail; Hugging Face reports the normal approximation"
            + " (p_value_normal_approx)");
    out.println(json.toPrettyString());
    return 0;
  }

  /** The detector's result as JSON, with Hugging Face's field names where they exist. */
  static ObjectNode json(DetectionResult d, double alpha) {
    ObjectNode json = new ObjectMapper().createObjectNode();
    json.put("scheme", d.scheme());
    json.put("key_id", d.keyId());
    json.put("gamma", d.gamma());
    json.put("num_tokens_scored", d.tokensScored());
    json.put("num_green_tokens", d.greenTokens());
    json.put(
        "green_fraction", d.tokensScored() == 0 ? 0 : d.greenTokens() / (double) d.tokensScored());
    json.put("z_score", d.zScore());
    json.put("p_value", d.pValue());
    json.put("log10_p_value", d.log10PValue());
    json.put("p_value_normal_approx", d.pValueNormal());
    json.put("alpha", alpha);
    json.put("prediction", d.isWatermarked(alpha));
    return json;
  }

  private static boolean selfHash(Args a) {
    String seeding = a.get("seeding", "lefthash");
    if (!seeding.equals("lefthash") && !seeding.equals("selfhash")) {
      throw new Args.UsageException(
          "--seeding was '" + seeding + "' but it must be lefthash or selfhash");
    }
    return seeding.equals("selfhash");
  }

  /**
   * A corpus: one JSON value per line, either a text (a JSON string, tokenized with the bundled or
   * {@code --tokenizer} tokenizer) or token ids (a JSON array of integers). Blank lines are
   * skipped.
   */
  static List<int[]> readCorpus(Path file, Args a) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    List<int[]> texts = new java.util.ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    BundledText tokenizer = null;
    try {
      for (int n = 0; n < lines.size(); n++) {
        String line = lines.get(n).strip();
        if (line.isEmpty()) {
          continue;
        }
        com.fasterxml.jackson.databind.JsonNode value;
        try {
          value = mapper.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new Args.UsageException(corpusLine(file, n, line) + " is not JSON");
        }
        if (value.isTextual()) {
          if (tokenizer == null) {
            tokenizer =
                a.has("tokenizer")
                    ? BundledText.load(Path.of(a.require("tokenizer")))
                    : BundledText.bundled();
          }
          texts.add(tokenizer.encode(value.asText()));
        } else if (value.isArray()) {
          int[] ids = new int[value.size()];
          for (int i = 0; i < ids.length; i++) {
            com.fasterxml.jackson.databind.JsonNode id = value.get(i);
            if (!id.canConvertToInt() || !id.isIntegralNumber() || id.asInt() < 0) {
              throw new Args.UsageException(
                  corpusLine(file, n, line)
                      + " item "
                      + (i + 1)
                      + " was '"
                      + id
                      + "' but it must be a non-negative integer token id");
            }
            ids[i] = id.asInt();
          }
          texts.add(ids);
        } else {
          throw new Args.UsageException(
              corpusLine(file, n, line)
                  + " must be a JSON string (a text) or an array of token ids");
        }
      }
    } finally {
      if (tokenizer != null) {
        tokenizer.close();
      }
    }
    return texts;
  }

  private static String corpusLine(Path file, int n, String line) {
    String shown = line.length() > 40 ? line.substring(0, 40) + "…" : line;
    return "--corpus " + file + " line " + (n + 1) + " ('" + shown + "')";
  }

  static int[] parseTokens(String csv) {
    String[] parts = csv.split(",", 0);
    int[] t = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        t[i] = Integer.parseInt(parts[i].strip());
        if (t[i] < 0) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new Args.UsageException(
            "--tokens item "
                + (i + 1)
                + " was '"
                + parts[i]
                + "' but it must be a non-negative integer token id");
      }
    }
    return t;
  }
}
