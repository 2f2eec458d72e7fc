package dev.moat.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.moat.Moat;
import dev.moat.detect.Detector;
import dev.moat.policy.Policy;
import dev.moat.policy.PolicyException;
import dev.moat.policy.PolicyLoader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * The console's edits of the policy file: one protection of one tier at a time (a watermark on or
 * off and its delta, a budget, an escalation ladder, whether detection exempts the tier). An edit
 * is checked against the version of the file the operator saw (its SHA-256; 409 if the file changed
 * since), applied to the file's tree, validated by {@link PolicyLoader} exactly as the file is at a
 * reload (nothing written when it fails: 400 with the loader's problems), written atomically (a
 * temporary file in the same directory, forced to disk, moved over the file), put in force at once
 * ({@link Moat#reloadPolicy}, the hot reload's own path; the file's old bytes are put back if that
 * fails), and audited: who, which block, the edited settings before and after.
 *
 * <p>The file stays the source of truth, and every setting the edit did not name is kept; the
 * file's comments and layout are not (it is written back from its parsed tree, as YAML or JSON like
 * the original). Only the settings named in {@link #EDITABLE} can be edited: never a key id.
 *
 * <p>Thread-safe: edits are serialised on this object (and a reload on Moat's own lock).
 */
final class PolicyEdits {
  /** What the console may change, per protection; {@code detection} is the tier's exemption. */
  static final Map<String, List<String>> EDITABLE =
      Map.of(
          "watermark", List.of("enabled", "delta"),
          "budget",
              List.of(
                  "enabled",
                  "requests_per_minute",
                  "tokens_per_minute",
                  "tokens_per_day",
                  "concurrent_streams"),
          "escalation", List.of("enabled", "rules", "group_level"),
          "detection", List.of("exempt"));

  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build());

  private final Moat moat;
  private final Detector detector;
  private final Path file;
  private final boolean yaml;
  private final AuditTrail audit;

  PolicyEdits(Moat moat, Detector detector, Path file, AuditTrail audit) {
    this.moat = moat;
    this.detector = detector;
    this.file = file;
    String name = String.valueOf(file.getFileName());
    this.yaml = name.endsWith(".yaml") || name.endsWith(".yml");
    this.audit = audit;
  }

  /**
   * The file's editable settings per tier and its version (what an edit must name): for each tier,
   * whether each protection block is present and on, and its editable settings. Never a key id.
   */
  synchronized ObjectNode view() throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    ObjectNode root = tree(bytes);
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    r.put("version", ApiKeys.hash(new String(bytes, StandardCharsets.UTF_8)));
    r.put("file", String.valueOf(file.getFileName()));
    ArrayNode tiers = r.putArray("tiers");
    JsonNode exempt = root.path("detection").path("exempt_tiers");
    root.path("tiers")
        .properties()
        .forEach(
            e -> {
              ObjectNode t = tiers.addObject();
              t.put("name", e.getKey());
              for (String protection : List.of("watermark", "budget", "escalation")) {
                JsonNode block = e.getValue().path(protection);
                ObjectNode o = t.putObject(protection);
                o.put("present", block.isObject());
                o.put(
                    "enabled", block.isObject() && !block.path("enabled").asText().equals("false"));
                for (String f : EDITABLE.getOrDefault(protection, List.of())) {
                  if (!f.equals("enabled") && block.has(f)) {
                    o.set(f, block.get(f).deepCopy());
                  }
                }
              }
              t.put("exempt", contains(exempt, e.getKey()));
            });
    return r;
  }

  /**
   * Applies one edit: {@code {"version": ..., "tier": ..., "protection": ..., "set": {...}}}.
   * Returns the new version with the settings before and after.
   *
   * @throws ApiError 400 for a malformed edit or one the loader refuses (the file untouched), 409
   *     when the file changed since {@code version}
   */
  synchronized ObjectNode apply(ApiKeys.Operator who, JsonNode edit) throws IOException {
    String tier = field(edit, "tier");
    String protection = field(edit, "protection");
    String version = field(edit, "version");
    List<String> editable = EDITABLE.get(protection);
    if (editable == null) {
      throw ApiError.invalid(
          "protection",
          "`protection` was '"
              + CompletionRequest.shortText(protection)
              + "' but it must be one of "
              + List.of("watermark", "budget", "escalation", "detection")
              + ".");
    }
    JsonNode set = edit.get("set");
    if (set == null || !set.isObject() || set.isEmpty()) {
      throw ApiError.invalid(
          "set", "`set` must be a mapping of the settings to change, from " + editable + ".");
    }
    for (Map.Entry<String, JsonNode> e : set.properties()) {
      if (!editable.contains(e.getKey())) {
        throw ApiError.invalid(
            "set." + e.getKey(),
            "`set."
                + CompletionRequest.shortText(e.getKey())
                + "` cannot be edited from the console for "
                + protection
                + "; editable: "
                + editable
                + " (edit the file for anything else).");
      }
    }
    byte[] old = Files.readAllBytes(file);
    String current = ApiKeys.hash(new String(old, StandardCharsets.UTF_8));
    if (!current.equals(version)) {
      throw new ApiError(
          409,
          "invalid_request_error",
          "version",
          "policy_changed",
          "The policy file changed since you loaded it (you edited version "
              + CompletionRequest.shortText(version)
              + ", the file is now "
              + current
              + "); nothing was changed: load the policy again and redo the edit.");
    }
    ObjectNode root = tree(old);
    JsonNode tiers = root.path("tiers");
    if (!tiers.has(tier)) {
      List<String> known = new java.util.ArrayList<>();
      tiers.fieldNames().forEachRemaining(known::add);
      throw ApiError.invalid(
          "tier",
          "`tier` was '"
              + CompletionRequest.shortText(tier)
              + "' but it must be a tier of the policy: "
              + known
              + ".");
    }
    ObjectNode before = JsonNodeFactory.instance.objectNode();
    ObjectNode after = JsonNodeFactory.instance.objectNode();
    String target;
    if (protection.equals("detection")) {
      JsonNode exempt = set.get("exempt");
      if (!exempt.isBoolean()) {
        throw ApiError.invalid(
            "set.exempt",
            "`set.exempt` was '"
                + CompletionRequest.shortText(exempt.toString())
                + "' but it must be true or false.");
      }
      target = "detection.exempt_tiers";
      ArrayNode list = exemptList(root);
      before.put(tier, contains(list, tier));
      for (int i = list.size() - 1; i >= 0; i--) {
        if (list.get(i).asText().equals(tier)) {
          list.remove(i);
        }
      }
      if (exempt.booleanValue()) {
        list.add(tier);
      }
      after.put(tier, exempt.booleanValue());
    } else {
      target = "tiers." + tier + "." + protection;
      JsonNode t = tiers.get(tier);
      ObjectNode tierNode =
          t != null && t.isObject() ? (ObjectNode) t : ((ObjectNode) tiers).putObject(tier);
      JsonNode b = tierNode.get(protection);
      ObjectNode block =
          b != null && b.isObject() ? (ObjectNode) b : tierNode.putObject(protection);
      for (Map.Entry<String, JsonNode> e : set.properties()) {
        JsonNode was = block.get(e.getKey());
        before.set(e.getKey(), was == null ? NullNode.instance : was.deepCopy());
        block.set(e.getKey(), e.getValue().deepCopy());
        after.set(e.getKey(), e.getValue().deepCopy());
      }
    }
    byte[] next = write(root);
    try {
      // The loader's own rules, with the keys held: exactly what a reload of this text would say.
      PolicyLoader.parse(
          new String(next, StandardCharsets.UTF_8), yaml, file.toString(), moat.keyIds());
    } catch (PolicyException e) {
      throw ApiError.policy(e, "The edit was refused; the policy file is unchanged.");
    }
    replace(next);
    Policy p;
    try {
      p = moat.reloadPolicy();
    } catch (IOException | RuntimeException e) {
      replace(old); // nothing half-applied: the file goes back to what is in force
      if (e instanceof PolicyException pe) {
        throw ApiError.policy(pe, "The edit was refused; the policy file is unchanged.");
      }
      throw e;
    }
    detector.exemptTiers(p.detection().exemptTiers());
    audit.record(who.name(), "policy.edit", target, before, after);
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    r.put("version", ApiKeys.hash(new String(next, StandardCharsets.UTF_8)));
    r.put("target", target);
    r.set("before", before);
    r.set("after", after);
    return r;
  }

  private static String field(JsonNode edit, String name) {
    JsonNode n = edit.get(name);
    if (n == null || !n.isTextual() || n.asText().isEmpty()) {
      throw ApiError.invalid(name, "`" + name + "` is required (text).");
    }
    return n.asText();
  }

  private static boolean contains(JsonNode list, String tier) {
    for (JsonNode n : list) {
      if (n.asText().equals(tier)) {
        return true;
      }
    }
    return false;
  }

  private static ArrayNode exemptList(ObjectNode root) {
    JsonNode d = root.get("detection");
    ObjectNode detection = d != null && d.isObject() ? (ObjectNode) d : root.putObject("detection");
    JsonNode list = detection.get("exempt_tiers");
    if (list != null && list.isArray()) {
      return (ArrayNode) list;
    }
    // Absent: start one. Not a list: the loader reports it (the edit adds to a fresh list).
    return detection.putArray("exempt_tiers");
  }

  private ObjectNode tree(byte[] bytes) throws IOException {
    JsonNode n;
    try {
      n = (yaml ? YAML : ModelServer.MAPPER).readTree(bytes);
    } catch (JsonProcessingException e) {
      n = null;
    }
    if (n == null || !n.isObject()) {
      throw new ApiError(
          409,
          "invalid_request_error",
          null,
          "policy_unreadable",
          "The policy file is not a readable mapping now; fix the file, then edit.");
    }
    return (ObjectNode) n;
  }

  private byte[] write(ObjectNode root) throws IOException {
    return yaml
        ? YAML.writeValueAsBytes(root)
        : ModelServer.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
  }

  /** Atomically: a temporary file beside it, forced to disk, moved over it; then the directory. */
  private void replace(byte[] bytes) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null) {
      throw new IOException("the policy file " + file + " has no directory");
    }
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true); // the rename itself durable (Linux); not supported everywhere
    } catch (IOException | UnsupportedOperationException e) {
      // best effort: the move is atomic either way
    }
  }
}
