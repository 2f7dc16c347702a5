package com.algohire.relay.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.localaws.WebhookReceiver;
import com.algohire.relay.verifier.WebhookVerifier;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The operator console in a real headless Chromium against a real local relay (Debian's {@code chromium} and
 * {@code chromium-driver}; a missing browser fails, never skips): each test does what an operator would, through
 * the page, and checks what the page then shows. Every screen is saved under
 * {@code target/console-screenshots/}; after each test the browser's log must hold no Content-Security-Policy
 * violation and no uncaught script error.
 */
@ExtendWith(SharedAwsBackend.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserIntegrationTest {
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM_BIN", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("CHROMEDRIVER_BIN",
            "/usr/bin/chromedriver"));
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper json = new ObjectMapper();
    private final AtomicInteger receiverStatus = new AtomicInteger(204);
    private LocalRelay relay;
    private WebhookReceiver receiver;
    private ChromeDriver driver;

    @BeforeAll
    void start(AwsBackend backend) throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("The console's browser tests need Chromium and its driver at " + CHROMIUM + " and " + CHROMEDRIVER
                    + " (Debian: apt-get install -y chromium chromium-driver; or set CHROMIUM_BIN/CHROMEDRIVER_BIN)");
        }
        // Two attempts a second apart, then the DLQ: retries and dead letters within seconds.
        relay = LocalRelay.start(LocalRelay.Options.defaults().withPort(0).withDeliveryConcurrency(2, 1)
                        .withResourcePrefix("relay-ui-" + UUID.randomUUID().toString().substring(0, 8)), backend,
                Map.of(EnvVars.RETRY_SCHEDULE_SECONDS, "1", EnvVars.MAX_RETRY_ATTEMPTS, "1"));
        receiver = new WebhookReceiver(n -> WebhookReceiver.Answer.status(receiverStatus.get()));
        Files.createDirectories(SCREENSHOTS);
        try (var old = Files.list(SCREENSHOTS)) { // this run's screens only
            for (Path png : old.filter(p -> p.toString().endsWith(".png")).toList()) {
                Files.delete(png);
            }
        }

        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1366,900", "--lang=en-US");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        driver = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build(), options);
    }

    @AfterAll
    void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (receiver != null) {
            receiver.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    @AfterEach
    void browserLogIsClean() {
        List<String> problems = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(LogEntry::getMessage)
                .filter(m -> m.contains("Content Security Policy") || m.contains("Uncaught"))
                .toList();
        assertThat(problems).as("CSP violations or script errors in the browser log").isEmpty();
    }

    @Test
    void newSubscription_whenCreated_showsTheSecretOnceAndNeverAfterAReload() {
        open("#/subscriptions/new");
        type(By.name("url"), receiver.url());
        type(By.name("eventTypes"), "candidate.*");
        type(By.name("description"), "secret once " + UUID.randomUUID().toString().substring(0, 6));
        driver.findElement(By.cssSelector("form button[type=submit]")).click();

        String secret = awaitElement(By.cssSelector(".secret-value")).getText();
        assertThat(secret).startsWith("whsec_");
        assertThat(driver.findElement(By.cssSelector(".secret")).getText()).contains("only time");
        assertThat(driver.findElements(By.xpath("//button[text()='Copy secret']"))).hasSize(1);
        screenshot("subscription-created-secret");
        String subscriptionId = driver.findElement(By.cssSelector(".secret + p a")).getText();

        driver.navigate().refresh();
        awaitElement(By.name("url"));
        assertThat(driver.getPageSource()).doesNotContain(secret);
        open("#/subscriptions/" + subscriptionId);
        awaitText(By.cssSelector("dl.facts"), subscriptionId);
        assertThat(driver.getPageSource()).doesNotContain(secret);
        assertThat(script("return localStorage.length + sessionStorage.length + document.cookie.length"))
                .isEqualTo(0L);
        screenshot("subscription-detail");

        awaitElement(By.xpath("//button[text()='Rotate secret']")).click();
        String rotated = awaitElement(By.cssSelector(".secret-value")).getText();
        assertThat(rotated).startsWith("whsec_").isNotEqualTo(secret);
        assertThat(driver.findElement(By.cssSelector(".secret")).getText()).contains("previous secret keeps signing");
        screenshot("subscription-rotated-secret");

        driver.findElement(By.xpath("//button[text()='Delete…']")).click();
        awaitElement(By.xpath("//button[starts-with(text(), 'Yes, delete')]")).click();
        awaitCondition("the list without it", () -> driver.getCurrentUrl().endsWith("#/subscriptions")
                && !driver.findElements(By.cssSelector("main h2")).isEmpty()
                && !driver.findElement(By.id("main")).getText().contains(subscriptionId)
                && driver.findElement(By.id("notices")).getText().contains("Deleted"));
        assertThat(http(() -> http.send(HttpRequest.newBuilder(uri("/api/v1/subscriptions/" + subscriptionId))
                .header("x-admin-key", relay.keys().adminKey()).GET().build(), BodyHandlers.ofString()).statusCode()))
                .isEqualTo(404);
    }

    @Test
    void eventDetail_whenEventSent_showsTheAttemptAndReplaysToTheSubscription() throws Exception {
        String[] created = subscribeWithSecret("job.*", "replay receiver");
        String subscriptionId = created[0];
        String eventId = ingest("job.created", "key-" + UUID.randomUUID(), "{\"jobId\":\"job-42\",\"title\":\"SRE\"}");

        open("#/events/" + eventId);
        WebElement group = awaitDeliveryGroup(subscriptionId);
        awaitCondition("the first attempt's 204 in the timeline", () -> reload(() ->
                attemptRows(subscriptionId).stream().anyMatch(r -> r.getText().contains("204"))));
        assertThat(driver.findElement(By.cssSelector("details.payload pre")).getText())
                .contains("\"jobId\": \"job-42\"");
        screenshot("event-detail");
        open("#/events?type=job.created");
        awaitCondition("the row's delivery state", () -> reload(() -> driver.findElements(
                By.cssSelector("table.events tbody tr")).stream()
                .anyMatch(r -> r.getText().contains(eventId)
                        && r.getText().matches("(?s).*delivered (\\d+)/\\1.*"))));
        open("#/events/" + eventId);

        group = awaitDeliveryGroup(subscriptionId);
        group.findElement(By.xpath(".//button[text()='Replay to this subscription']")).click();
        awaitText(By.id("notices"), "Replay queued");
        awaitCondition("the replay's attempt beside the first", () -> reload(() ->
                attemptRows(subscriptionId).size() >= 2));

        // Each attempt row shows the signing headers exactly as the receiver got them.
        WebElement headers = attemptRows(subscriptionId).get(0).findElement(By.cssSelector("details.headers"));
        headers.findElement(By.tagName("summary")).click();
        String shown = headers.findElement(By.tagName("pre")).getDomProperty("textContent");
        List<String> sentHeaders = receiver.requests().stream().filter(r -> r.body().contains(eventId))
                .map(r -> "webhook-id: " + r.headers().get("webhook-id") + "\nwebhook-timestamp: "
                        + r.headers().get("webhook-timestamp") + "\nwebhook-signature: "
                        + r.headers().get("webhook-signature")).toList();
        assertThat(sentHeaders).contains(shown);

        WebElement curl = awaitDeliveryGroup(subscriptionId).findElement(By.cssSelector("details.curl"));
        curl.findElement(By.tagName("summary")).click();
        String curlText = curl.findElement(By.tagName("pre")).getDomProperty("textContent");
        List<String> sentIds = receiver.requests().stream().filter(r -> r.body().contains(eventId))
                .map(r -> r.headers().get("webhook-id")).toList();
        assertThat(sentIds).hasSizeGreaterThanOrEqualTo(2);
        assertThat(curlText).contains(receiver.url()).contains(eventId).contains("subscription secret")
                .containsAnyOf(sentIds.stream().map(id -> "ID='" + id + "'").toArray(String[]::new));
        screenshot("event-detail-replayed-curl");

        // The script as copied, run with the subscription's secret, delivers a webhook the receiver's verifier accepts.
        int received = receiver.requests().size();
        ProcessBuilder withoutSecret = new ProcessBuilder("bash", "-c", curlText).redirectErrorStream(true);
        withoutSecret.environment().remove("SECRET");
        Process run = withoutSecret.start();
        run.getOutputStream().close();
        String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.waitFor()).as(output).isNotZero(); // without SECRET the script refuses to run
        ProcessBuilder withSecret = new ProcessBuilder("bash", "-c", curlText).redirectErrorStream(true);
        withSecret.environment().put("SECRET", created[1]);
        Process signed = withSecret.start();
        signed.getOutputStream().close();
        output = new String(signed.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(signed.waitFor()).as(output).isZero();
        WebhookReceiver.Received resent = receiver.awaitRequest(received + 1, Duration.ofSeconds(10));
        assertThat(resent).as(output).isNotNull();
        assertThat(resent.body()).contains(eventId).contains("job-42");
        assertThat(sentIds).contains(resent.headers().get("webhook-id"));
        new WebhookVerifier(created[1]).verify(resent.body(), resent.headers());
    }

    @Test
    void events_whenSearchedByIdempotencyKey_showOnlyThatEventAndTheUrlLinksToIt() throws Exception {
        String key = "order-" + UUID.randomUUID();
        String eventId = ingest("job.updated", key, "{\"jobId\":\"job-7\"}");
        ingest("job.updated", "other-" + UUID.randomUUID(), "{\"jobId\":\"job-8\"}");

        open("#/events");
        awaitElement(By.cssSelector("table.events"));
        screenshot("events");
        type(By.name("key"), key);
        driver.findElement(By.cssSelector("form[aria-label='Find an event by idempotency key'] button")).click();

        awaitCondition("the one event of that key", () -> {
            List<WebElement> rows = driver.findElements(By.cssSelector("table.events tbody tr"));
            return rows.size() == 1 && rows.get(0).getText().contains(eventId);
        });
        assertThat(driver.getCurrentUrl()).contains("#/events?key=" + key);
        screenshot("events-by-idempotency-key");

        open("#/events?key=no-such-key-" + UUID.randomUUID());
        awaitText(By.cssSelector(".empty"), "No event has the idempotency key");
    }

    @Test
    void subscription_whenPausedThenResumed_holdsItsDeliveryThenDeliversItAndAuditsBoth() throws Exception {
        String subscriptionId = subscribe("assessment.*", "pause and resume");
        open("#/subscriptions/" + subscriptionId);
        awaitElement(By.xpath("//button[text()='Pause']")).click();
        awaitText(By.cssSelector(".heading .badge"), "paused");
        int before = receiver.requests().size();
        String eventId = ingest("assessment.completed", "k-" + UUID.randomUUID(), "{\"assessmentId\":\"a-9\"}");
        Thread.sleep(3000);
        assertThat(receiver.requests().subList(before, receiver.requests().size()))
                .noneMatch(r -> r.body().contains(eventId));
        screenshot("subscription-paused");

        open("#/subscriptions/" + subscriptionId);
        awaitElement(By.xpath("//button[text()='Resume']")).click();
        awaitText(By.id("notices"), "Resumed");
        awaitCondition("the held delivery after resume", () ->
                receiver.requests().stream().anyMatch(r -> r.body().contains(eventId)));

        open("#/subscriptions/" + subscriptionId);
        type(By.name("testEventType"), "assessment.started");
        driver.findElement(By.xpath("//button[text()='Send test event']")).click();
        awaitCondition("the test event's page", () -> driver.getCurrentUrl().contains("#/events/"));
        String testEventId = driver.getCurrentUrl().substring(driver.getCurrentUrl().indexOf("#/events/") + 9);
        awaitCondition("the test event delivered", () -> reload(() -> attemptRows(subscriptionId).stream()
                .anyMatch(r -> r.getText().contains("204"))));
        assertThat(driver.findElement(By.cssSelector("details.payload pre")).getText()).contains("\"test\": true");
        assertThat(receiver.requests()).anyMatch(r -> r.body().contains(testEventId));
        screenshot("event-detail-test-event");

        open("#/audit");
        awaitCondition("pause and resume in the audit trail", () -> reload(() -> {
            String text = driver.findElement(By.id("main")).getText();
            return text.contains("subscription.pause") && text.contains("subscription.resume")
                    && text.contains("subscription.test")
                    && text.contains(subscriptionId) && text.contains("local-admin");
        }));
        screenshot("audit");
        open("#/audit?action=subscription.pause");
        awaitCondition("only pauses", () -> {
            List<WebElement> rows = driver.findElements(By.cssSelector("table.audit tbody tr"));
            return !rows.isEmpty() && rows.stream().allMatch(r -> r.getText().contains("subscription.pause"));
        });
    }

    @Test
    void deadLetters_whenTheReceiverFails_showRetriesThenTheParkedTaskThenARedriveThatDelivers() throws Exception {
        String subscriptionId = subscribe("interview.*", "failing receiver");
        receiverStatus.set(500);
        try {
            String eventId = ingest("interview.scheduled", "k-" + UUID.randomUUID(), "{\"interviewId\":\"i-1\"}");
            open("#/events/" + eventId);
            awaitDeliveryGroup(subscriptionId);
            awaitCondition("two failed attempts (the first and its retry)", () -> reload(() ->
                    attemptRows(subscriptionId).stream().filter(r -> r.getText().contains("500")).count() >= 2));
            screenshot("event-detail-retries");

            open("#/dlq");
            awaitCondition("the parked task in the DLQ peek", () -> reload(() ->
                    driver.findElements(By.cssSelector("table.dlq tbody tr")).stream()
                            .anyMatch(r -> r.getText().contains(eventId) && r.getText().contains("HTTP 500"))));
            screenshot("dead-letters");

            receiverStatus.set(204);
            driver.findElement(By.xpath("//button[text()='Redrive all to the delivery queue']")).click();
            awaitText(By.id("notices"), "Redrive started");
            awaitCondition("the redriven delivery answered 204", () -> receiver.requests().stream()
                    .anyMatch(r -> r.body().contains(eventId) && r.headers().containsKey("webhook-id"))
                    && reloadEventHas(eventId, subscriptionId, "204"));
            open("#/dlq");
            awaitText(By.cssSelector("table"), "completed");
            assertThat(driver.findElement(By.cssSelector(".tiles")).getText()).contains("redrive");
            screenshot("dead-letters-after-redrive");
            open("#/events/" + eventId);
            awaitDeliveryGroup(subscriptionId);
            screenshot("event-detail-after-redrive");
        } finally {
            receiverStatus.set(204);
        }
    }

    @Test
    void overviewAndLists_whenOpened_showQueuesAndSubscriptionsAndTheRelaysErrorCodes() throws Exception {
        subscribe("job.*", "overview");
        ingest("job.created", "overview-" + UUID.randomUUID(), "{\"jobId\":\"job-overview\"}");
        open("#/");
        awaitCondition("the queue table", () -> driver.findElement(By.id("main")).getText().contains("main lane"));
        assertThat(driver.findElement(By.id("main")).getText()).contains("dead letters");
        // The counts come from GET /api/v1/stats (CloudWatch GetMetricData; locally moto's, fed with the EMF lines):
        // the event just accepted is among them, so the tile holds a real number, not the "no stats" notice.
        WebElement accepted = awaitElement(By.xpath(
                "//div[contains(@class,'tile')][div[@class='label' and text()='accepted']]/div[@class='value']"));
        assertThat(Integer.parseInt(accepted.getText())).isGreaterThanOrEqualTo(1);
        assertThat(driver.findElement(By.id("main")).getText()).contains("delivery success rate");
        screenshot("overview");

        open("#/subscriptions");
        awaitElement(By.cssSelector("table.subscriptions"));
        screenshot("subscriptions");
        open("#/subscriptions?state=disabled");
        awaitText(By.cssSelector(".empty"), "No subscription on this page is disabled");

        open("#/events/" + UUID.randomUUID());
        awaitElement(By.cssSelector(".error .code"));
        assertThat(driver.findElement(By.cssSelector(".error .code")).getText())
                .isEqualTo("EVENT_NOT_FOUND");
        screenshot("error-unknown-event");

        open("#/audit?from=yesterday");
        awaitText(By.cssSelector(".error .code"), "INVALID_FROM");
        screenshot("error-bad-audit-range");

        open("#/subscriptions/new");
        type(By.name("url"), "ftp://example.com/hook");
        type(By.name("eventTypes"), "job.*");
        // the browser's own check would stop an ftp URL before the relay sees it; the relay's answer is the point
        script("document.querySelector('form').noValidate = true");
        driver.findElement(By.cssSelector("form button[type=submit]")).click();
        awaitText(By.cssSelector(".error"), "INVALID_URL");
        screenshot("error-invalid-url");
    }

    @Test
    void keyboard_whenGThenAKeyIsPressed_opensThatSection() {
        open("#/");
        awaitElement(By.cssSelector("main h2"));
        driver.findElement(By.tagName("body")).sendKeys("g", "d");
        awaitCondition("the dead letters page", () -> driver.getCurrentUrl().endsWith("#/dlq")
                && driver.findElement(By.cssSelector("main h2")).getText().equals("Dead letters"));
        driver.findElement(By.tagName("body")).sendKeys("g", "a");
        awaitCondition("the audit page", () -> driver.getCurrentUrl().endsWith("#/audit"));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private void open(String hash) {
        driver.get(relay.baseUri() + "/console/" + hash);
        awaitCondition("the page to render " + hash, () -> !"true".equals(driver.findElement(By.id("main"))
                .getAttribute("aria-busy")) && !driver.findElements(By.cssSelector("main h2")).isEmpty());
    }

    /** Re-renders the current route (as the operator's Refresh does) and evaluates {@code check}. */
    private boolean reload(Supplier<Boolean> check) {
        if (check.get()) {
            return true;
        }
        driver.navigate().refresh();
        awaitCondition("the page after a reload", () -> !driver.findElements(By.cssSelector("main h2")).isEmpty()
                && !"true".equals(driver.findElement(By.id("main")).getAttribute("aria-busy")));
        return check.get();
    }

    private boolean reloadEventHas(String eventId, String subscriptionId, String status) {
        return http(() -> {
            JsonNode event = json.readTree(get("/api/v1/events/" + eventId)).get("event");
            for (JsonNode log : event.get("deliveryLogs")) {
                if (log.get("subscriptionId").asText().equals(subscriptionId)
                        && log.path("statusCode").asText().equals(status)) {
                    return true;
                }
            }
            return false;
        });
    }

    private WebElement awaitDeliveryGroup(String subscriptionId) {
        By group = By.cssSelector("section.delivery[data-subscription='" + subscriptionId + "']");
        awaitCondition("the delivery section of " + subscriptionId, () -> reload(() ->
                !driver.findElements(group).isEmpty()));
        return driver.findElement(group);
    }

    private List<WebElement> attemptRows(String subscriptionId) {
        return driver.findElements(By.cssSelector("section.delivery[data-subscription='" + subscriptionId
                + "'] table.attempts tbody tr"));
    }

    private void type(By field, String text) {
        WebElement element = awaitElement(field);
        element.clear();
        element.sendKeys(text);
    }

    private Object script(String code) {
        return ((JavascriptExecutor) driver).executeScript(code);
    }

    private WebElement awaitElement(By by) {
        awaitCondition(by.toString(), () -> !driver.findElements(by).isEmpty() && driver.findElement(by).isDisplayed());
        return driver.findElement(by);
    }

    private void awaitText(By by, String text) {
        awaitCondition("'" + text + "' in " + by, () -> driver.findElements(by).stream()
                .anyMatch(e -> e.getText().contains(text)));
    }

    private void awaitCondition(String what, Supplier<Boolean> condition) {
        Instant deadline = Instant.now().plus(WAIT);
        WebDriverException last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                if (Boolean.TRUE.equals(condition.get())) {
                    return;
                }
            } catch (WebDriverException e) {
                last = e; // an element replaced by a re-render: look again
            }
            sleep(250);
        }
        screenshot("timeout-" + what.replaceAll("[^a-zA-Z0-9]+", "-").toLowerCase());
        fail("Waited " + WAIT.toSeconds() + " s for " + what + " at " + driver.getCurrentUrl() + "; page shows:\n"
                + driver.findElement(By.tagName("body")).getText(), last);
    }

    /** A PNG of the whole page (the window grown to its height) under target/console-screenshots/. */
    private void screenshot(String name) {
        Dimension laptop = new Dimension(1366, 900);
        Object height = script("return document.documentElement.scrollHeight");
        driver.manage().window().setSize(new Dimension(1366, Math.min(4000, Math.max(900,
                ((Number) height).intValue() + 140))));
        try {
            Files.write(SCREENSHOTS.resolve(name.replaceAll("[^a-z0-9.-]", "-") + ".png"),
                    driver.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            driver.manage().window().setSize(laptop);
        }
    }

    private String subscribe(String eventTypes, String description) {
        return subscribeWithSecret(eventTypes, description)[0];
    }

    /** {subscriptionId, secret}. */
    private String[] subscribeWithSecret(String eventTypes, String description) {
        return http(() -> {
            var response = http.send(HttpRequest.newBuilder(uri("/api/v1/subscriptions"))
                    .header("x-admin-key", relay.keys().adminKey()).header("Content-Type", "application/json")
                    .POST(BodyPublishers.ofString(json.writeValueAsString(Map.of("url", receiver.url(),
                            "eventTypes", List.of(eventTypes), "description", description)))).build(),
                    BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
            JsonNode created = json.readTree(response.body());
            return new String[] {created.findValue("subscriptionId").asText(), created.findValue("secret").asText()};
        });
    }

    private String ingest(String eventType, String key, String payload) {
        return http(() -> {
            var response = http.send(HttpRequest.newBuilder(uri("/api/v1/events"))
                    .header("x-api-key", relay.keys().apiKey()).header("x-idempotency-key", key)
                    .header("Content-Type", "application/json")
                    .POST(BodyPublishers.ofString("{\"eventType\":\"" + eventType + "\",\"payload\":" + payload + "}"))
                    .build(), BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
            return json.readTree(response.body()).get("eventId").asText();
        });
    }

    private String get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).header("x-admin-key", relay.keys().adminKey()).GET()
                .build(), BodyHandlers.ofString()).body();
    }

    private URI uri(String path) {
        return relay.baseUri().resolve(path);
    }

    private interface Call<T> {
        T call() throws IOException, InterruptedException;
    }

    private static <T> T http(Call<T> call) {
        try {
            return call.call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
