package dev.moat.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.moat.key.WatermarkKey;
import dev.moat.watermark.WatermarkKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in headless Chromium (Debian's {@code chromium} and {@code chromium-driver},
 * driven by Selenium; nothing downloaded): connect with the admin key, see a live tarpitted session
 * and the policy by tier, paste watermarked output into the check and see it detected, switch a
 * tier's escalation ladder off with its toggle and see the next request served without it and the
 * edit in the audit view. Leaves a screenshot in {@code examples/target/console.png}. Skipped where
 * Chromium is not installed, except under CI ({@code .ci/run} installs it), where it fails instead.
 */
class ConsoleBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");

  @TempDir Path dir;

  @Test
  void theConsoleShowsSessionsPolicyAndChecksAWatermark() throws Exception {
    boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER);
    if (System.getenv("CI") != null) {
      assertTrue(present, "CI must install chromium and chromium-driver (.ci/run)");
    }
    assumeTrue(present, "chromium and chromium-driver are not installed");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, ServerFixture.POLICY);
    Path keys = dir.resolve("keys.yaml");
    Files.writeString(keys, ServerFixture.KEYS);
    WatermarkKeys wm =
        WatermarkKeys.of(
            WatermarkKey.ofHex("test-wm", ServerFixture.KEY_HEX),
            WatermarkKey.ofHex("test-noise", ServerFixture.KEY_HEX + "01"));
    try (ModelServer server =
        ModelServer.start(ModelServer.Options.builder(policy, keys, wm, "sk-test-admin").build())) {
      String api = "http://127.0.0.1:" + server.port() + "/v1/completions";
      HttpClient http = HttpClient.newHttpClient();
      // Watermarked output to check, and a slow (tarpitted) stream to watch live.
      String text =
          ModelServer.MAPPER
              .readTree(
                  http.send(
                          request(
                              api,
                              "sk-test-free-0001",
                              "{\"model\": \"moat-tiny\", \"prompt\": \"The history of\", \"max_tokens\": 120, \"seed\": 3}"),
                          HttpResponse.BodyHandlers.ofString())
                      .body())
              .get("choices")
              .get(0)
              .get("text")
              .asText();
      Path slowPolicy = dir.resolve("slow.yaml");
      Files.writeString(
          slowPolicy,
          ServerFixture.POLICY.replace(
              "max_tokens: 5, pacing_tokens_per_second: 50",
              "max_tokens: 200, pacing_tokens_per_second: 5"));
      Files.copy(slowPolicy, policy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      server.moat().reloadPolicy();
      CompletableFuture<HttpResponse<String>> slow =
          http.sendAsync(
              request(
                  api,
                  "sk-test-suspect-01",
                  "{\"model\": \"moat-tiny\", \"prompt\": \"Tell me\", \"max_tokens\": 60, \"stream\": true}"),
              HttpResponse.BodyHandlers.ofString());

      System.setProperty("webdriver.chrome.driver", DRIVER.toString());
      ChromeOptions o = new ChromeOptions();
      o.setBinary(CHROMIUM.toFile());
      o.addArguments(
          "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,1000");
      ChromeDriver browser =
          new ChromeDriver(
              new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build(), o);
      try {
        browser.get("http://127.0.0.1:" + server.adminPort() + "/");
        assertEquals("Moat console", browser.getTitle());
        browser.findElement(By.id("key")).sendKeys("sk-test-admin");
        browser.findElement(By.id("connect")).click();
        // The console re-renders its tables every 2 s: read them in one script call, never through
        // element handles that a refresh makes stale.
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        wait.until(b -> rows(browser, "#policy").size() == 5);
        List<String> tiers =
            rows(browser, "#policy").stream().map(r -> r.split("\t", 0)[0]).sorted().toList();
        assertEquals(List.of("free", "internal", "suspect", "tarpit", "tiny"), tiers);
        // The tarpitted stream shows up live at level 2.
        wait.until(
            b ->
                rows(browser, "#sessions").stream()
                    .anyMatch(r -> r.contains("\tsam\t") && r.contains("\t2\t")));
        browser.findElement(By.id("text")).sendKeys(text);
        browser.findElement(By.id("check")).click();
        wait.until(b -> rows(browser, "#result").size() == 1);
        String row = rows(browser, "#result").get(0);
        assertTrue(row.startsWith("free\t") && row.endsWith("\tyes"), row);
        // A toggle: the suspect tier's escalation ladder off, from the browser. It is in force for
        // the next request (served at level 0, not 2) and shows in the audit view.
        browser.findElement(By.id("esc-suspect")).click();
        wait.until(
            b ->
                rows(browser, "#audit").stream()
                    .anyMatch(
                        r ->
                            r.contains("\tadmin\tpolicy.edit\ttiers.suspect.escalation\t")
                                && r.endsWith("{\"enabled\":false}")));
        wait.until(
            b ->
                rows(browser, "#policy").stream()
                    .anyMatch(r -> r.startsWith("suspect\t") && r.endsWith("off")));
        HttpResponse<String> next =
            http.send(
                request(
                    api,
                    "sk-test-suspect-01",
                    "{\"model\": \"moat-tiny\", \"prompt\": \"Hi\", \"max_tokens\": 2, \"stream\": true}"),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("0", next.headers().firstValue("X-Moat-Level").orElseThrow());
        assertTrue(Files.readString(policy).contains("enabled: false"));
        String page = browser.getPageSource();
        for (String secret : ServerFixture.SECRETS) {
          assertFalse(page.contains(secret), secret + " is in the page");
        }
        Path shot = Path.of("target", "console.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        assertTrue(Files.size(shot) > 10_000);
      } finally {
        browser.quit();
        slow.cancel(true);
      }
    }
  }

  /** The rows of a table's body, cells joined by tabs, read in one script call. */
  @SuppressWarnings("unchecked")
  static List<String> rows(ChromeDriver browser, String table) {
    return (List<String>)
        browser.executeScript(
            "return [...document.querySelectorAll(arguments[0] + ' tbody tr')]"
                + ".map(r => [...r.cells].map(c => c.textContent.trim()).join('\\t'))",
            table);
  }

  static HttpRequest request(String url, String key, String body) {
    return HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }
}
