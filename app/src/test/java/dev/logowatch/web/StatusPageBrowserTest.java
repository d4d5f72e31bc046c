package dev.logowatch.web;

import dev.logowatch.config.Secret;
import dev.logowatch.config.WebConfig;
import dev.logowatch.engine.Box;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.status.StreamHealth;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The status page in a real headless Chromium (Debian's chromium + chromium-driver). */
@Tag("integration")
class StatusPageBrowserTest {
    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File DRIVER = new File("/usr/bin/chromedriver");

    @TempDir
    Path profile;
    private StatusBoard board;
    private StatusServer server;
    private WebDriver browser;

    @BeforeEach
    void openBrowser() {
        assertThat(CHROMIUM).as("Chromium is installed by .ci/install-packages (apt: chromium)").exists();
        assertThat(DRIVER).as("ChromeDriver is installed by .ci/install-packages (apt: chromium-driver)").exists();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        // Keeps Chromium off the network (it would otherwise call home at start) and usable as root.
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER)
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void close() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    private void startServer(Optional<Secret> token) {
        board = StatusBoard.create("arena-north", "0.9.1");
        DeviceMeters meters = board.meters();
        StreamHealth east = board.stream("east", "East stand", "rtsp://10.0.0.5/s");
        meters.stream(east);
        east.state(StreamHealth.State.LIVE);
        server = StatusServer.start(new WebConfig("127.0.0.1", 0, token), board, meters);
    }

    private WebDriverWait waitUpTo(int seconds) {
        return new WebDriverWait(browser, Duration.ofSeconds(seconds), Duration.ofMillis(100));
    }

    private static dev.logowatch.track.Appearance appearance(String id, String brand, java.time.Instant start, int seconds) {
        return new dev.logowatch.track.Appearance(id, "east", brand, start, start.plusSeconds(seconds), seconds, 0.91,
                new Box(5, 5, 90, 60), dev.logowatch.track.Verification.NOT_NEEDED);
    }

    private void appearanceEnded(dev.logowatch.track.Appearance a) {
        board.appearance(new dev.logowatch.track.Appearance.Event(dev.logowatch.track.Appearance.EventType.NEW, a));
        board.appearance(new dev.logowatch.track.Appearance.Event(dev.logowatch.track.Appearance.EventType.END, a));
    }

    @Test
    void pageShowsTheDeviceStreamsExposureAndNewAppearancesWithoutReload() {
        startServer(Optional.empty());
        browser.get("http://127.0.0.1:" + server.port() + "/");
        waitUpTo(15).until(d -> d.findElement(By.id("device")).getText().equals("arena-north"));

        WebElement row = waitUpTo(10).until(d -> d.findElement(By.cssSelector("#streams tr[data-stream='east']")));
        assertThat(row.getText()).contains("East stand").contains("live");

        // Marks the document: if the page reloaded, the mark would be gone.
        ((ChromeDriver) browser).executeScript("window.__mark = 'same page';");
        appearanceEnded(appearance("east-1", "heineken", board.now().minusSeconds(30), 26));
        WebElement recent = waitUpTo(15).until(d -> d.findElements(By.cssSelector("#recent tr.appearance"))
                .stream().filter(r -> r.getText().contains("heineken")).findFirst().orElse(null));
        assertThat(recent.getText()).contains("east").contains("26");
        WebElement exposure = waitUpTo(15).until(d -> d.findElement(By.cssSelector("#exposure tr[data-brand='heineken']")));
        assertThat(exposure.getText()).contains("26s · 1×");
        assertThat(browser.findElement(By.id("mqtt")).getText()).isNotEmpty();
        assertThat(((ChromeDriver) browser).executeScript("return window.__mark;")).isEqualTo("same page");
    }

    @Test
    void onAPhoneTheLiveSnapshotComesFirstAndNothingScrollsSideways() throws Exception {
        startServer(Optional.empty());
        StreamHealth east = board.stream("east").orElseThrow();
        board.processed(new StatusBoard.Snapshot(WebFixtures.grayFrame("east", 1, 1280, 720),
                java.util.List.of(WebFixtures.detection("east", "heineken", 1, new Box(100, 100, 400, 300)))));
        appearanceEnded(appearance("east-2", "heineken", board.now().minusSeconds(90), 61));
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        browser.get("http://127.0.0.1:" + server.port() + "/");
        WebElement image = waitUpTo(15).until(d -> {
            WebElement img = d.findElement(By.cssSelector("#snapshots img"));
            Object loaded = ((ChromeDriver) d).executeScript("return arguments[0].naturalWidth;", img);
            return loaded instanceof Number n && n.intValue() > 0 ? img : null;
        });
        waitUpTo(10).until(d -> d.findElement(By.cssSelector("#exposure tr[data-brand='heineken']")));

        int viewport = ((Number) ((ChromeDriver) browser).executeScript("return window.innerHeight;")).intValue();
        assertThat(image.getLocation().getY()).as("snapshot near the top").isLessThan(200);
        assertThat(image.getLocation().getY() + image.getSize().getHeight()).as("snapshot above the fold")
                .isLessThan(viewport);
        assertThat(image.getSize().getWidth()).as("snapshot as wide as the phone").isGreaterThan(300);
        assertThat(image.getLocation().getY()).isLessThan(browser.findElement(By.id("exposure")).getLocation().getY());
        Object overflow = ((ChromeDriver) browser).executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertThat(((Number) overflow).intValue()).as("page wider than the phone").isLessThanOrEqualTo(0);
        Object streamsOverflow = ((ChromeDriver) browser).executeScript(
                "const box = document.getElementById('streams').parentElement; return box.scrollWidth - box.clientWidth;");
        assertThat(((Number) streamsOverflow).intValue()).as("streams table scrolls sideways on the phone")
                .isLessThanOrEqualTo(0);
        assertThat(browser.findElement(By.cssSelector("#exposure tr[data-brand='heineken']")).getText())
                .contains("1m 1s");

        Path shot = Path.of("target", "status-page-phone.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
        assertThat(shot).isNotEmptyFile();
    }

    @Test
    void pageAsksForTheTokenOnceAndThenShowsData() throws Exception {
        Path tokenFile = Files.writeString(profile.resolveSibling(profile.getFileName() + "-token"), "browser-t0ken");
        startServer(Optional.of(new Secret("web.auth-token-file", tokenFile, "browser-t0ken")));
        browser.get("http://127.0.0.1:" + server.port() + "/");
        WebElement input = waitUpTo(15).until(d -> {
            WebElement field = d.findElement(By.id("token"));
            return field.isDisplayed() ? field : null;
        });
        assertThat(browser.findElement(By.id("device")).getText()).isEmpty();
        input.sendKeys("browser-t0ken");
        browser.findElement(By.cssSelector("#login button")).click();
        waitUpTo(15).until(d -> d.findElement(By.id("device")).getText().equals("arena-north"));
        Files.deleteIfExists(tokenFile);
    }
}
