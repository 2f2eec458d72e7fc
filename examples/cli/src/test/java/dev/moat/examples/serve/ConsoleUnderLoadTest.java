package dev.moat.examples.serve;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moat.server.ConsoleBrowserTest;
import dev.moat.server.ModelServer;
import dev.moat.watermark.WatermarkKeys;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console under {@code ./moat serve --load SECONDS} (the demo policy, its benign users and its
 * extraction campaign, {@link LoadDemo}): every chart shows live data, and a screenshot of them is
 * left in {@code examples/target/console-load.png}. Opt-in, as it takes the load's length (at least
 * 45 s):
 *
 * <pre>
 * ./mvnw -B -pl examples/cli -am test -Dtest=ConsoleUnderLoadTest -Dmoat.load=45 \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@EnabledIfSystemProperty(named = "moat.load", matches = "[0-9]+")
class ConsoleUnderLoadTest {
  /** Every chart the console draws without {@code --redis}. */
  static final List<String> CHARTS =
      List.of(
          "requests_tier",
          "requests_level",
          "tokens_tier",
          "tokens_level",
          "detection",
          "shaping",
          "moat_share",
          "per_token",
          "queue");

  @TempDir Path dir;

  @Test
  void everyChartShowsLiveDataUnderTheMixedLoad() throws Exception {
    ConsoleBrowserTest.assumeChromium();
    int seconds = Math.max(45, Integer.parseInt(System.getProperty("moat.load", "45")));
    WatermarkKeys wm;
    try (InputStream in =
        LoadDemo.class.getResourceAsStream("/dev/moat/examples/demo-keys.properties")) {
      assertTrue(in != null, "demo-keys.properties");
      wm =
          WatermarkKeys.parse(
              new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo-keys.properties");
    }
    Path policy = ServeCommand.copy("policy.yaml", dir);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    Thread load =
        new Thread(
            () -> {
              try {
                LoadDemo.run(dir, policy, wm, 2, seconds, out);
              } catch (Exception e) {
                e.printStackTrace(out);
              }
            },
            "load-demo");
    load.start();
    Pattern console = Pattern.compile("Console: http://127\\.0\\.0\\.1:(\\d+)/");
    int port = -1;
    for (int i = 0; i < 300 && port < 0; i++) {
      Matcher m = console.matcher(printed.toString(StandardCharsets.UTF_8));
      if (m.find()) {
        port = Integer.parseInt(m.group(1));
      } else {
        Thread.sleep(100);
      }
    }
    assertTrue(port > 0, printed.toString(StandardCharsets.UTF_8));
    ChromeDriver browser = ConsoleBrowserTest.browser(1300, 1050);
    try {
      browser.get("http://127.0.0.1:" + port + "/");
      browser.findElement(org.openqa.selenium.By.id("key")).sendKeys(ModelServer.DEMO_ADMIN_KEY);
      browser.findElement(org.openqa.selenium.By.id("connect")).click();
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(seconds));
      for (String chart : CHARTS) {
        wait.until(b -> ConsoleBrowserTest.drawn(browser, chart) > 0);
      }
      // Most of the load on the charts, then the picture.
      wait.until(b -> ConsoleBrowserTest.points(browser) >= seconds - 5);
      ConsoleBrowserTest.screenshot(browser, "console-load.png");
      for (String chart : CHARTS) {
        System.out.printf("%s: max %.1f%n", chart, ConsoleBrowserTest.drawn(browser, chart));
      }
    } finally {
      browser.quit();
      load.join(Duration.ofMinutes(3).toMillis());
    }
    System.out.print(printed.toString(StandardCharsets.UTF_8));
    assertFalse(load.isAlive(), "the load demo ended");
  }
}
