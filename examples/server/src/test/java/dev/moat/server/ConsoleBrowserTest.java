package dev.moat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.moat.detect.redis.RedisServer;
import dev.moat.watermark.WatermarkSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * driven by Selenium; nothing downloaded), as an operator uses it while traffic flows: connect with
 * the admin key; see the live charts drawn from the server's own meters (uPlot, served by the
 * server: the page loads nothing from elsewhere); see a live tarpitted session and the policy by
 * tier; paste watermarked output into the check and see it detected; switch the free tier's
 * watermark off with its toggle and see the next request come back unwatermarked, and on again and
 * watermarked, each edit in the audit view; switch a tier's escalation ladder off and see the next
 * request served without it. Pin an account at flag from its view and see its next request enforced
 * and the pin in the audit view, then unpin it. In fleet mode, kill Redis and see the banner,
 * restart it and see the banner go. No key is ever in the page.
 *
 * <p>Leaves screenshots in {@code examples/target/}: {@code console.png} (the charts), {@code
 * console-policy.png} (policy, editor, audit) and {@code console-fleet.png} (the banner), which the
 * serve README shows (copied to {@code examples/serve/}). Skipped where Chromium is not installed,
 * except under CI ({@code .ci/run} installs it), where it fails instead. Its static helpers (the
 * browser, the charts' data, screenshots) also serve the command line's {@code
 * ConsoleUnderLoadTest}. Not thread-safe: each browser is driven by one test thread.
 */
public class ConsoleBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");

  /** The console's charts without {@code --redis}. */
  static final int CHARTS = 9;

  @TempDir Path dir;

  public static void assumeChromium() {
    boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER);
    if (System.getenv("CI") != null) {
      assertTrue(present, "CI must install chromium and chromium-driver (.ci/run)");
    }
    assumeTrue(present, "chromium and chromium-driver are not installed");
  }

  public static ChromeDriver browser(int width, int height) {
    System.setProperty("webdriver.chrome.driver", DRIVER.toString());
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM.toFile());
    o.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=" + width + "," + height);
    return new ChromeDriver(
        new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build(), o);
  }

  /** Opens the console and connects with the server's admin key. */
  static WebDriverWait connect(ChromeDriver browser, ModelServer server) {
    browser.get("http://127.0.0.1:" + server.adminPort() + "/");
    assertEquals("Moat console", browser.getTitle());
    browser.findElement(By.id("key")).sendKeys("sk-test-admin");
    browser.findElement(By.id("connect")).click();
    // The console re-renders its tables every 2 s: read them in one script call, never through
    // element handles that a refresh makes stale.
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
    wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    return wait;
  }

  @Test
  void theConsoleChartsLiveTrafficTogglesTheWatermarkAndChecksIt() throws Exception {
    assumeChromium();
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, ServerFixture.POLICY);
    Path keys = dir.resolve("keys.yaml");
    Files.writeString(keys, ServerFixture.KEYS);
    try (ModelServer server =
        ModelServer.start(
            ModelServer.Options.builder(
                    policy, keys, ServerFixture.watermarkKeys(), "sk-test-admin")
                .build())) {
      String api = "http://127.0.0.1:" + server.port() + "/v1/completions";
      HttpClient http = HttpClient.newHttpClient();
      // Traffic for the charts while the test runs: the free tier, the suspect tier (level 2,
      // paced), and the tiny tier's budget (429s).
      AtomicBoolean stop = new AtomicBoolean();
      Thread load = new Thread(() -> traffic(http, api, stop), "console-test-traffic");
      load.setDaemon(true);
      load.start();
      // Watermarked output to check, and a slow (tarpitted) stream to watch live.
      String text = complete(http, api, "sk-test-free-0001", 3);
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
      WatermarkSpec wm = server.moat().policy().tier("free").watermark().orElseThrow();

      ChromeDriver browser = browser(1300, 1050);
      try {
        WebDriverWait wait = connect(browser, server);
        // The charts: one canvas per chart, drawn from live samples of the server's meters.
        wait.until(
            b ->
                ((Number)
                            browser.executeScript(
                                "return document.querySelectorAll('#charts canvas').length"))
                        .intValue()
                    >= CHARTS);
        wait.until(b -> drawn(browser, "requests_tier") > 0 && drawn(browser, "moat_share") > 0);
        wait.until(b -> drawn(browser, "shaping") > 0); // the tiny tier's 429s
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

        // The free tier's watermark off, from the browser: the next request is not watermarked,
        // and the edit is in the audit view. Then on again: watermarked again.
        assertTrue(z(server, wm, complete(http, api, "sk-test-free-0001", 5)) > 4);
        browser.findElement(By.id("wm-free")).click();
        wait.until(b -> audited(browser, "tiers.free.watermark", "{\"enabled\":false}"));
        wait.until(
            b -> rows(browser, "#policy").stream().anyMatch(r -> r.startsWith("free\toff\t")));
        double off = z(server, wm, complete(http, api, "sk-test-free-0001", 5));
        assertTrue(off < 2, "watermark off, z = " + off);
        browser.findElement(By.id("wm-free")).click();
        wait.until(b -> audited(browser, "tiers.free.watermark", "{\"enabled\":true}"));
        double on = z(server, wm, complete(http, api, "sk-test-free-0001", 5));
        assertTrue(on > 4, "watermark on again, z = " + on);

        // A toggle: the suspect tier's escalation ladder off. It is in force for the next request
        // (served at level 0, not 2) and shows in the audit view.
        browser.findElement(By.id("esc-suspect")).click();
        wait.until(b -> audited(browser, "tiers.suspect.escalation", "{\"enabled\":false}"));
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

        // Enough history for a screenshot worth looking at, then the page's top (the charts) and
        // its policy sections.
        wait.until(b -> points(browser) >= 20);
        assertFalse(
            (Boolean)
                browser.executeScript(
                    "return document.getElementById('banner').className === 'shown'"),
            "no banner without --redis");
        browser.executeScript("window.scrollTo(0, 0)");
        screenshot(browser, "console.png");
        browser.executeScript(
            "document.getElementById('policyNote').scrollIntoView({block: 'start'});"
                + " window.scrollBy(0, -50)");
        screenshot(browser, "console-policy.png");
        assertNoSecrets(browser);
      } finally {
        stop.set(true);
        browser.quit();
        slow.cancel(true);
        load.join(10_000);
      }
    }
  }

  @Test
  void theBannerShowsWhileRedisIsDownAndGoesWhenItIsBack() throws Exception {
    assumeChromium();
    try (RedisServer redis = RedisServer.start();
        ModelServer server =
            ServerFixture.startIn(dir, null, "redis://127.0.0.1:" + redis.port())) {
      ChromeDriver browser = browser(1300, 700);
      try {
        WebDriverWait wait = connect(browser, server);
        wait.until(b -> drawn(browser, "fleet") >= 0 && points(browser) >= 2);
        assertEquals("", banner(browser));
        redis.stop();
        wait.until(b -> banner(browser).startsWith("Fleet degraded since "));
        String shown = banner(browser);
        assertTrue(shown.contains("fail-open") && shown.contains("Outages so far: 1."), shown);
        // Serving goes on while the banner shows.
        String api = "http://127.0.0.1:" + server.port() + "/v1/completions";
        complete(HttpClient.newHttpClient(), api, "sk-test-free-0001", 1);
        wait.until(b -> drawn(browser, "fleet") == 1);
        screenshot(browser, "console-fleet.png");
        redis.restart();
        wait.until(b -> banner(browser).isEmpty());
        assertNoSecrets(browser);
      } finally {
        browser.quit();
      }
    }
  }

  /**
   * An account pinned at flag from the browser: its next request is served at the flag level's
   * escalation, the account view and the audit view show the pin; unpinned from the browser, the
   * next request is served at level 0 again; cleared from the browser, the clearing is audited.
   */
  @Test
  void anAccountIsPinnedAndUnpinnedFromTheBrowser() throws Exception {
    assumeChromium();
    try (ServerFixture server = ServerFixture.start(dir, ServerPinTest.POLICY)) {
      assertEquals("0", server.level("sk-test-internal-1"));
      ChromeDriver browser = browser(1300, 1050);
      try {
        WebDriverWait wait = connect(browser, server.server);
        browser.findElement(By.id("q")).sendKeys("iva");
        browser.findElement(By.id("search")).click();
        wait.until(b -> rows(browser, "#accounts").stream().anyMatch(r -> r.startsWith("ivan\t")));
        browser.findElement(By.cssSelector("#accounts tbody button")).click();
        wait.until(b -> !b.findElements(By.id("pin")).isEmpty());
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("pinLevel")))
            .selectByValue("flag");
        browser.findElement(By.id("pinHours")).clear();
        browser.findElement(By.id("pinHours")).sendKeys("24");
        browser.findElement(By.id("reason")).sendKeys("resold access");
        browser.findElement(By.id("pin")).click();
        wait.until(
            b ->
                rows(browser, "#audit").stream()
                    .anyMatch(
                        r ->
                            r.contains("\tadmin\taccount.pin\tivan\t")
                                && r.contains("\"level\":\"flag\"")
                                && r.contains("resold access")));
        wait.until(b -> pinnedText(browser).startsWith("pinned at flag until "));
        assertEquals(
            "2",
            server.level("sk-test-internal-1"),
            "the next request, at the flag level's escalation");
        browser.findElement(By.id("reason")).sendKeys("refunded");
        browser.findElement(By.id("unpin")).click();
        wait.until(
            b ->
                rows(browser, "#audit").stream()
                    .anyMatch(r -> r.contains("\tadmin\taccount.unpin\tivan\t")));
        wait.until(b -> b.findElements(By.id("pinned")).isEmpty());
        assertEquals("0", server.level("sk-test-internal-1"));
        // Cleared from the browser (what an operator does for a wrong flag): audited as well.
        browser.findElement(By.id("reason")).sendKeys(" false positive");
        browser.findElement(By.id("clear")).click();
        wait.until(
            b ->
                rows(browser, "#audit").stream()
                    .anyMatch(r -> r.contains("\tadmin\taccount.clear\tivan\t")));
        assertNoSecrets(browser);
      } finally {
        browser.quit();
      }
    }
  }

  static String pinnedText(ChromeDriver browser) {
    Object t =
        browser.executeScript(
            "const p = document.getElementById('pinned'); return p ? p.textContent : ''");
    return String.valueOf(t);
  }

  /** Sends traffic until {@code stop}: free requests, suspect streams, the tiny tier's 429s. */
  static void traffic(HttpClient http, String api, AtomicBoolean stop) {
    String[][] mix = {
      {
        "sk-test-free-0001",
        "{\"model\": \"moat-tiny\", \"prompt\": \"Tell me about rivers\", \"max_tokens\": 24}"
      },
      {
        "sk-test-suspect-01",
        "{\"model\": \"moat-tiny\", \"prompt\": \"Hello\", \"max_tokens\": 4, \"stream\": true}"
      },
      {"sk-test-tiny-0001", "{\"model\": \"moat-tiny\", \"prompt\": \"Hi\", \"max_tokens\": 2}"},
    };
    for (int i = 0; i < 3000 && !stop.get(); i++) {
      String[] m = mix[i % mix.length];
      try {
        http.send(request(api, m[0], m[1]), HttpResponse.BodyHandlers.discarding());
        Thread.sleep(60);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (java.io.IOException e) {
        return; // the server is closing
      }
    }
  }

  /** A free-tier completion's text (120 tokens at {@code seed}). */
  static String complete(HttpClient http, String api, String key, int seed) throws Exception {
    HttpResponse<String> r =
        http.send(
            request(
                api,
                key,
                "{\"model\": \"moat-tiny\", \"prompt\": \"The history of\", \"max_tokens\": 120,"
                    + " \"seed\": "
                    + seed
                    + "}"),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return ModelServer.MAPPER.readTree(r.body()).get("choices").get(0).get("text").asText();
  }

  /** The watermark's z-score on {@code text}, with the key the server holds. */
  static double z(ModelServer server, WatermarkSpec wm, String text) {
    return wm.detector(ServerFixture.watermarkKeys().get(wm.keyId()).orElseThrow())
        .detect(server.text().encode(text), 0, true)
        .zScore();
  }

  /** Whether the audit view lists an edit of {@code target} whose "after" is {@code after}. */
  static boolean audited(ChromeDriver browser, String target, String after) {
    return rows(browser, "#audit").stream()
        .anyMatch(r -> r.contains("\tadmin\tpolicy.edit\t" + target + "\t") && r.endsWith(after));
  }

  /** The largest value drawn in a chart (-1 if none yet), from what uPlot was given. */
  public static double drawn(ChromeDriver browser, String chart) {
    Object v =
        browser.executeScript(
            "const c = window.moatCharts && window.moatCharts[arguments[0]];"
                + "if (!c) return -1;"
                + "return Math.max(-1, ...c.data.slice(1).flat().filter(x => x !== null));",
            chart);
    return ((Number) v).doubleValue();
  }

  /** Points in the charts' time axis. */
  public static int points(ChromeDriver browser) {
    Object v =
        browser.executeScript(
            "const c = window.moatCharts && window.moatCharts.queue;"
                + "return c ? c.data[0].length : 0;");
    return ((Number) v).intValue();
  }

  static String banner(ChromeDriver browser) {
    return ((String) browser.executeScript("return document.getElementById('banner').textContent"))
        .trim();
  }

  public static void screenshot(ChromeDriver browser, String name) throws Exception {
    Path shot = Path.of("..", "target", name); // examples/target/, as the serve README says
    Files.createDirectories(shot.getParent());
    Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    assertTrue(Files.size(shot) > 10_000);
  }

  /**
   * No key in the page, nor in what the page fetched with the admin key (status, charts, audit,
   * policy).
   */
  @SuppressWarnings("unchecked")
  static void assertNoSecrets(ChromeDriver browser) {
    Map<String, Object> fetched =
        (Map<String, Object>)
            browser.executeAsyncScript(
                "const done = arguments[arguments.length - 1]; const out = {};"
                    + "Promise.all(['/admin/status', '/admin/metrics/history', '/admin/audit',"
                    + " '/admin/policy', '/admin/policy/file', '/admin/sessions'].map(p =>"
                    + " get(p).then(b => { out[p] = JSON.stringify(b); })))"
                    + ".then(() => done(out), e => done({error: String(e)}));");
    assertFalse(fetched.containsKey("error"), String.valueOf(fetched));
    assertEquals(6, fetched.size(), fetched.keySet().toString());
    String page = browser.getPageSource();
    for (String secret : ServerFixture.SECRETS) {
      assertFalse(page.contains(secret), secret + " is in the page");
      for (var e : fetched.entrySet()) {
        assertFalse(String.valueOf(e.getValue()).contains(secret), secret + " in " + e.getKey());
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
