package dev.moat.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.examples.cli.Range;
import dev.moat.examples.cli.UsageException;
import dev.moat.key.WatermarkKey;
import dev.moat.onnxruntime.BundledText;
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
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./moat detect}: tests text or token ids for a watermark and prints JSON. Needs the key and
 * the scheme's parameters, never the model. Not thread-safe: picocli sets its options.
 */
@Command(
    name = "detect",
    description = {
      "Test token ids or text for a Moat watermark; prints JSON.",
      "The JSON holds the z-score and the exact p-value.",
      "Give one of --tokens, --text, --file or --corpus. With several --key-id values each is"
          + " tried and the p-value Bonferroni-corrected. --scheme kgw-hf is Hugging Face's"
          + " lefthash: --vocab-size V and either --keys/--key-id or Hugging Face's own --hash-key"
          + " K (a leading bos = V-1 is dropped)."
    })
final class DetectCommand implements Callable<Integer> {
  @Option(
      names = "--scheme",
      paramLabel = "SCHEME",
      description = "kgw (moat-kgw-v1, default), gumbel (moat-gumbel-v2) or kgw-hf.")
  String scheme = KgwScheme.SCHEME_ID;

  @Option(names = "--tokens", paramLabel = "1,2,3", description = "Token ids, comma-separated.")
  @Nullable String tokenList;

  @Option(
      names = "--text",
      paramLabel = "TEXT",
      description = "A text, tokenized with the bundled tokenizer.")
  @Nullable String text;

  @Option(names = "--file", paramLabel = "FILE", description = "A file holding the text.")
  @Nullable Path file;

  @Option(
      names = "--corpus",
      paramLabel = "FILE.jsonl",
      description = {
        "One text (JSON string) or id array per line, scored as one body of evidence."
      })
  @Nullable Path corpusFile;

  @Option(
      names = "--tokenizer",
      paramLabel = "FILE",
      description = "A tokenizer.json instead of the bundled one.")
  @Nullable Path tokenizer;

  @Option(
      names = "--seeding",
      paramLabel = "SEEDING",
      description = "lefthash (default) or selfhash (kgw).")
  String seeding = "lefthash";

  @Mixin KeysOption keysOption = new KeysOption();

  @Option(
      names = "--key-id",
      paramLabel = "ID[,RETIRED...]",
      description = "Key ids to try (default: the first key).")
  @Nullable String keyIds;

  @Option(
      names = "--gamma",
      paramLabel = "X",
      description = "Green-list fraction (default: ${DEFAULT-VALUE}).")
  @Range(min = 1e-9, max = 1 - 1e-9)
  double gamma = 0.25;

  @Option(
      names = "--context-width",
      paramLabel = "N",
      description = "Context tokens hashed (default: 1).")
  @Range(min = 1, max = 64)
  int contextWidth = 1;

  @Option(
      names = "--context-tokens",
      paramLabel = "N",
      description = "Leading tokens not scored (default: 0).")
  @Range(min = 0, max = Integer.MAX_VALUE)
  int contextTokens;

  @Option(names = "--ignore-repeated", description = "Score each (context, token) pair once.")
  boolean ignoreRepeated;

  @Option(
      names = "--alpha",
      paramLabel = "X",
      description = "False-positive rate (default: ${DEFAULT-VALUE}).")
  @Range(min = 1e-300, max = 0.5)
  double alpha = 0.001;

  @Option(
      names = "--entropy-threshold",
      paramLabel = "H",
      description = "kgw: score only where the bundled model's entropy was >= H nats.")
  @Range(min = 0, max = 20)
  double entropyThreshold;

  @Option(
      names = "--window",
      paramLabel = "N",
      description = "kgw: the best window of N scored tokens, corrected for the windows tested.")
  @Range(min = 0, max = 1_000_000)
  int window;

  @Option(
      names = "--window-step",
      paramLabel = "N",
      description = "Step between windows (default: N/4).")
  @Range(min = 1, max = 1_000_000)
  @Nullable Integer windowStep;

  @Option(
      names = "--vocab-size",
      paramLabel = "N",
      description = "kgw-hf: the model's vocabulary size.")
  @Range(min = 2, max = 16_777_216)
  int vocabSize;

  @Option(
      names = "--hash-key",
      paramLabel = "K",
      description = "kgw-hf: Hugging Face's hash key (default: ${DEFAULT-VALUE}).")
  long hashKey = 15485863L;

  private final PrintStream out;
  private final PrintStream err;

  DetectCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws Exception {
    if ((scheme.equals("kgw-hf") || scheme.equals(HfKgwScheme.SCHEME_ID))
        && keysOption.file == null
        && keyIds == null) {
      return detectHf(); // Hugging Face's integer hash key, as its own detector takes it
    }
    if (!List.of(
            "kgw",
            KgwScheme.SCHEME_ID,
            "gumbel",
            GumbelScheme.SCHEME_ID,
            "kgw-hf",
            HfKgwScheme.SCHEME_ID)
        .contains(scheme)) {
      throw new UsageException(
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
    boolean selfHashSeeding = selfHash(); // checked before the keys are read
    int inputs =
        (tokenList != null ? 1 : 0)
            + (text != null ? 1 : 0)
            + (file != null ? 1 : 0)
            + (corpusFile != null ? 1 : 0);
    if (inputs != 1) {
      throw new UsageException(
          "'detect' needs exactly one of --tokens 1,2,3 | --text TEXT | --file PATH"
              + " | --corpus FILE.jsonl");
    }
    int[] tokens;
    List<int[]> corpus = null;
    if (corpusFile != null) {
      corpus = DetectInputs.readCorpus(corpusFile, tokenizer);
      tokens = corpus.isEmpty() ? new int[0] : corpus.get(0);
    } else if (tokenList != null) {
      tokens = DetectInputs.parseTokens(tokenList);
    } else {
      String input =
          text != null
              ? text
              : Files.readString(Objects.requireNonNull(file), StandardCharsets.UTF_8);
      try (BundledText t = DetectInputs.tokenizer(tokenizer)) {
        tokens = t.encode(input);
      }
    }
    WatermarkKeys keys = keysOption.load(err);
    // --key-id a,b,c: the active key first, then retired ones; all are tried
    // (Bonferroni-corrected).
    List<String> ids =
        keyIds != null ? List.of(keyIds.split(",", 0)) : List.of(keys.ids().iterator().next());
    List<WatermarkKey> tried = new java.util.ArrayList<>();
    for (String id : ids) {
      tried.add(
          keys.get(id.strip())
              .orElseThrow(
                  () ->
                      new UsageException(
                          "--key-id was '" + id + "' but the keys hold only " + keys.ids())));
    }
    WatermarkKey key = tried.get(0);
    String keyId = key.id();
    int width = contextWidth;
    WatermarkSpec spec =
        switch (scheme) {
          case "gumbel", GumbelScheme.SCHEME_ID -> new GumbelSettings(keyId, width);
          case "kgw-hf", HfKgwScheme.SCHEME_ID ->
              new HfKgwSettings(keyId, gamma, 2.0, vocabSize, 4096);
          default ->
              KgwSettings.builder()
                  .keyId(keyId)
                  .gamma(gamma)
                  .contextWidth(width)
                  .entropyThreshold(entropyThreshold)
                  .selfHash(selfHashSeeding)
                  .build();
        };
    int context = contextTokens;
    DetectionResult d;
    if (tried.size() > 1
        && (window > 0 || (spec instanceof KgwSettings k0 && k0.entropyThreshold() > 0))) {
      throw new UsageException(
          "several --key-id values cannot be combined with --window or --entropy-threshold");
    }
    if (corpus != null
        && (window > 0 || (spec instanceof KgwSettings k1 && k1.entropyThreshold() > 0))) {
      throw new UsageException("--corpus cannot be combined with --window or --entropy-threshold");
    }
    if (corpus != null) {
      d = KeyRotationDetector.of(spec, tried).detectAll(corpus, context, ignoreRepeated);
    } else if (tried.size() > 1) {
      d = KeyRotationDetector.of(spec, tried).detect(tokens, context, ignoreRepeated);
    } else if (window > 0) {
      if (!(spec instanceof KgwSettings k)) {
        throw new UsageException("--window works with --scheme kgw only");
      }
      d =
          new KgwDetector(key, k)
              .detectBestWindow(
                  tokens,
                  context,
                  window,
                  windowStep != null ? windowStep : Math.max(1, window / 4));
    } else if (spec instanceof KgwSettings k && k.entropyThreshold() > 0) {
      // An entropy-gated watermark is scored only where the model was uncertain: ask the bundled
      // model.
      try (OnnxCausalLm model = OnnxCausalLm.bundled(1)) {
        d =
            new KgwDetector(key, k)
                .detect(tokens, context, ignoreRepeated, model.entropies(tokens));
      }
    } else {
      d = spec.detector(key).detect(tokens, context, ignoreRepeated);
    }
    ObjectNode json = json(d, alpha);
    json.put("context_width", width);
    if (spec instanceof KgwSettings k2) {
      json.put("seeding", k2.selfHash() ? "selfhash" : "lefthash");
    }
    json.put("keys_tried", tried.size());
    if (corpus != null) {
      json.put("num_texts", corpus.size());
      json.put("dedup", ignoreRepeated ? "each (context, token) once across texts" : "none");
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
  private int detectHf() throws Exception {
    int vocab = vocabSize;
    if (vocab == 0) {
      throw new UsageException("'detect --scheme kgw-hf' needs --vocab-size");
    }
    if (tokenList == null) {
      throw new UsageException("'detect --scheme kgw-hf' needs --tokens");
    }
    int[] tokens = DetectInputs.parseTokens(tokenList);
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] >= vocab) {
        throw new UsageException(
            "--tokens item "
                + (i + 1)
                + " was '"
                + tokens[i]
                + "' but it must be < --vocab-size "
                + vocab);
      }
    }
    HfKgwScheme s = new HfKgwScheme(vocab, gamma, hashKey, 4096);
    DetectionResult d = new HfKgwDetector(s).detect(tokens, ignoreRepeated);
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

  private boolean selfHash() {
    if (!seeding.equals("lefthash") && !seeding.equals("selfhash")) {
      throw new UsageException(
          "--seeding was '" + seeding + "' but it must be lefthash or selfhash");
    }
    return seeding.equals("selfhash");
  }
}
