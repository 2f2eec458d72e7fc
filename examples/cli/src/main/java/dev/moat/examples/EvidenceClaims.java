package dev.moat.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.examples.EvidenceCommand.Claim;
import dev.moat.examples.cli.UsageException;
import dev.moat.forensics.CommittedScheme;
import dev.moat.key.KeyCommitment;
import dev.moat.key.WatermarkKey;
import dev.moat.watermark.WatermarkKeys;
import dev.moat.watermark.WatermarkSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The claims {@code ./moat evidence} tests: each key with the scheme it is tested under, bound by a
 * commitment, either read from a file of recorded commitments (each opened with its key) or
 * computed now from {@code --key-id} and the scheme options.
 *
 * <p>Stateless; thread-safe.
 */
final class EvidenceClaims {
  private EvidenceClaims() {}

  /**
   * The claims: from {@code --commitments FILE} (each recorded commitment line, opened with its key
   * from the keys, or the run is refused), else {@code --key-id ID[,ID...]} under each {@code
   * --scheme} with the commitment computed now.
   */
  static List<Claim> claims(EvidenceOptions o, WatermarkKeys keys) throws IOException {
    List<Claim> claims = new ArrayList<>();
    if (o.commitments != null) {
      Path file = o.commitments;
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      Set<String> wanted = new LinkedHashSet<>(o.keyIds(List.of()));
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).isBlank()) {
          continue;
        }
        KeyCommitment c = parseCommitment(lines.get(i), file + " line " + (i + 1));
        if (!wanted.isEmpty() && !wanted.contains(c.keyId())) {
          continue;
        }
        WatermarkKey key = Keys.get(keys, c.keyId());
        if (!c.opensWith(key)) {
          throw new IllegalArgumentException(
              "the key '"
                  + c.keyId()
                  + "' in the keys does not open the commitment "
                  + c.hex()
                  + " recorded in "
                  + file
                  + " line "
                  + (i + 1)
                  + ": a different key, parameters or version was committed");
        }
        claims.add(new Claim(key, CommittedScheme.spec(c.keyId(), c.parameters()), c, true));
      }
      if (claims.isEmpty()) {
        throw new UsageException(
            "--commitments "
                + file
                + " holds no commitment"
                + (wanted.isEmpty() ? "" : " for " + wanted));
      }
      return claims;
    }
    for (String id : o.keyIds(List.of("demo-2026"))) {
      WatermarkKey key = Keys.get(keys, id.strip());
      for (WatermarkSpec spec : o.schemes.specs(key.id())) {
        claims.add(
            new Claim(key, spec, KeyCommitment.of(key, CommittedScheme.parameters(spec)), false));
      }
    }
    return claims;
  }

  /** A commitment line as {@code ./moat keys} prints it. */
  static KeyCommitment parseCommitment(String line, String where) {
    JsonNode j;
    try {
      j = new ObjectMapper().readTree(line);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          where + " is not a JSON commitment line: " + e.getMessage());
    }
    if (!KeyCommitment.FORMAT.equals(j.path("format").asText())) {
      throw new IllegalArgumentException(
          where
              + ": `format` was '"
              + j.path("format").asText()
              + "' but it must be "
              + KeyCommitment.FORMAT);
    }
    Map<String, String> p = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : j.path("parameters").properties()) {
      p.put(e.getKey(), e.getValue().asText());
    }
    try {
      return KeyCommitment.recorded(
          j.path("key_id").asText(),
          p,
          j.path("moat_version").asText(),
          j.path("commitment").asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }
}
