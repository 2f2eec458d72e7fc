package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.detect.redis.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed Grafana dashboard ({@code examples/serve/grafana/moat-dashboard.json}) parses, and
 * every PromQL expression in it (panels' targets and the tier variable's query) names only metrics
 * that a running server exports: a server in fleet mode on a real {@code redis-server}, after a few
 * requests, scraped on its real {@code /metrics}. Each {@code moat_} metric the server exports is
 * shown by some panel.
 */
class GrafanaDashboardTest {
  static final Path DASHBOARD = Path.of("..", "serve", "grafana", "moat-dashboard.json");

  /** PromQL's functions and aggregations the dashboard may call. */
  static final Set<String> FUNCTIONS =
      Set.of(
          "sum",
          "max",
          "min",
          "avg",
          "count",
          "rate",
          "irate",
          "increase",
          "histogram_quantile",
          "label_values",
          "clamp_min",
          "topk");

  static final Set<String> KEYWORDS =
      Set.of("bool", "and", "or", "unless", "offset", "group_left", "group_right");

  @TempDir Path dir;

  @Test
  void everyExpressionNamesOnlyMetricsTheServerExports() throws Exception {
    JsonNode d = ModelServer.MAPPER.readTree(Files.readString(DASHBOARD));
    assertEquals("moat-serve", d.get("uid").asText());
    List<String> exprs = expressions(d);
    assertTrue(exprs.size() >= 15, exprs.toString());

    Set<String> exported;
    try (RedisServer redis = RedisServer.start();
        ModelServer s = ServerFixture.startIn(dir, null, "redis://127.0.0.1:" + redis.port())) {
      HttpClient http = HttpClient.newHttpClient();
      for (String key : new String[] {"sk-test-free-0001", "sk-test-suspect-01"}) {
        HttpResponse<String> r =
            http.send(
                ConsoleBrowserTest.request(
                    "http://127.0.0.1:" + s.port() + "/v1/completions",
                    key,
                    "{\"model\": \"moat-tiny\", \"prompt\": \"Hi\", \"max_tokens\": 2}"),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
      }
      Thread.sleep(1500); // a sample: the per-tier counters are registered at zero
      exported =
          sampleNames(
              http.send(
                      HttpRequest.newBuilder(
                              URI.create("http://127.0.0.1:" + s.adminPort() + "/metrics"))
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body());
    }
    Set<String> used = new TreeSet<>();
    for (String e : exprs) {
      List<String> names = metrics(e);
      assertFalse(names.isEmpty(), "no metric in " + e);
      for (String n : names) {
        assertTrue(exported.contains(n), n + " (in " + e + ") is not exported: " + exported);
        used.add(family(n));
      }
    }
    for (String n : exported) {
      if (n.startsWith("moat_")) {
        assertTrue(used.contains(family(n)), family(n) + " is exported but on no panel");
      }
    }
  }

  @Test
  void theExtractorFindsMetricsNotFunctionsLabelsOrVariables() {
    assertEquals(
        List.of("moat_a_total", "moat_b_seconds_sum"),
        metrics(
            "sum by (tier, le) (rate(moat_a_total{tier=~\"$tier\", x=\"rate(y)\"}[$__rate_interval]))"
                + " / on (tier) sum(rate(moat_b_seconds_sum[5m]))"));
    assertEquals(
        List.of("moat_requests_total"), metrics("label_values(moat_requests_total, tier)"));
    assertThrows(AssertionError.class, () -> metrics("nonsense_function(moat_a_total)"));
    assertThrows(AssertionError.class, () -> metrics("sum(rate(moat_a_total[5m])"));
  }

  /** Every {@code expr} of every panel target, and the template variables' queries. */
  static List<String> expressions(JsonNode d) {
    List<String> out = new ArrayList<>();
    for (JsonNode p : d.get("panels")) {
      assertTrue(p.has("title") && p.has("type") && p.has("gridPos"), p.toString());
      if (p.get("type").asText().equals("row")) {
        continue;
      }
      assertTrue(p.get("targets").size() > 0, p.get("title").asText());
      for (JsonNode t : p.get("targets")) {
        out.add(t.get("expr").asText());
      }
    }
    for (JsonNode v : d.get("templating").get("list")) {
      if (v.get("type").asText().equals("query")) {
        out.add(v.get("query").get("query").asText());
      }
    }
    return out;
  }

  private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  /**
   * The metric names in a PromQL expression: what is left once strings, label matchers, range and
   * subquery brackets, grouping clauses and Grafana variables are taken out, and function names (an
   * identifier before a parenthesis) and keywords are set aside. An unknown function or unbalanced
   * brackets fail.
   */
  static List<String> metrics(String expr) {
    String e = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"");
    e = e.replaceAll("\\$\\{[^}]*}|\\$[a-zA-Z_]+", "");
    int depth = 0;
    for (int i = 0; i < e.length(); i++) {
      char c = e.charAt(i);
      depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      assertTrue(depth >= 0, "unbalanced parentheses in " + expr);
    }
    assertEquals(0, depth, "unbalanced parentheses in " + expr);
    e = e.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ");
    e = e.replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    // label_values(metric, label): the label is no metric.
    e = e.replaceAll("(label_values\\s*\\(\\s*[a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,[^)]*\\)", "$1)");
    List<String> out = new ArrayList<>();
    Matcher m = IDENT.matcher(e);
    while (m.find()) {
      String id = m.group();
      int after = m.end();
      while (after < e.length() && e.charAt(after) == ' ') {
        after++;
      }
      boolean call = after < e.length() && e.charAt(after) == '(';
      if (call) {
        assertTrue(FUNCTIONS.contains(id), "unknown function " + id + " in " + expr);
      } else if (!KEYWORDS.contains(id)) {
        out.add(id);
      }
    }
    return out;
  }

  /** The sample names of a Prometheus text exposition ({@code name{labels} value}). */
  static Set<String> sampleNames(String scrape) {
    Set<String> out = new TreeSet<>();
    for (String line : scrape.split("\n", -1)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int end = 0;
      while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
        end++;
      }
      out.add(line.substring(0, end));
    }
    return out;
  }

  /** A sample name's metric family: without the suffixes of counters and histograms. */
  static String family(String sample) {
    return sample.replaceAll("_(total|bucket|sum|count|max)$", "");
  }
}
