package dev.moat.djl;

import ai.djl.MalformedModelException;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.modality.nlp.generate.CausalLMOutput;
import ai.djl.modality.nlp.generate.SearchConfig;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.model.BundledModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Moat's bundled model loaded through DJL: the OnnxRuntime engine for the decoder and DJL's
 * HuggingFace tokenizer for {@code tokenizer.json}, both from local files (nothing is downloaded).
 *
 * <p>Thread-safe: the model and tokenizer are; create one predictor per thread.
 */
public final class BundledDjlModel implements AutoCloseable {
  static {
    DjlOffline.ensure();
  }

  private final ZooModel<NDList, CausalLMOutput> model;
  private final HuggingFaceTokenizer tokenizer;
  private final MoatTextGenerator.DecoderLayout layout;
  private final int vocabSize;
  private final int maxPositions;

  private BundledDjlModel(
      ZooModel<NDList, CausalLMOutput> model, HuggingFaceTokenizer tokenizer, JsonNode cfg) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.layout =
        new MoatTextGenerator.DecoderLayout(
            cfg.get("n_layer").intValue(),
            cfg.get("n_head").intValue(),
            cfg.get("head_dim").intValue(),
            cfg.get("eos_token_id").intValue());
    this.vocabSize = cfg.get("vocab_size").intValue();
    this.maxPositions = cfg.get("max_positions").intValue();
  }

  /** Loads the bundled model with DJL's OnnxRuntime engine. */
  public static BundledDjlModel load()
      throws IOException, ModelNotFoundException, MalformedModelException {
    Path dir = BundledModel.directory();
    JsonNode cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
    Criteria<NDList, CausalLMOutput> criteria =
        Criteria.builder()
            .setTypes(NDList.class, CausalLMOutput.class)
            .optModelPath(dir)
            .optModelName("model")
            .optEngine("OnnxRuntime")
            .optTranslator(new MoatDecoderTranslator())
            .build();
    ZooModel<NDList, CausalLMOutput> model = criteria.loadModel();
    HuggingFaceTokenizer tok =
        HuggingFaceTokenizer.newInstance(
            dir.resolve("tokenizer.json"), Map.of("addSpecialTokens", "false"));
    return new BundledDjlModel(model, tok, cfg);
  }

  public ZooModel<NDList, CausalLMOutput> model() {
    return model;
  }

  public HuggingFaceTokenizer tokenizer() {
    return tokenizer;
  }

  public MoatTextGenerator.DecoderLayout layout() {
    return layout;
  }

  public int vocabSize() {
    return vocabSize;
  }

  /** A DJL search config for this model: its max sequence length and padding id. */
  public SearchConfig searchConfig() {
    SearchConfig c = new SearchConfig();
    c.setMaxSeqLength(maxPositions);
    c.setPadTokenId(layout.eosTokenId());
    return c;
  }

  @Override
  public void close() {
    tokenizer.close();
    model.close();
  }
}
