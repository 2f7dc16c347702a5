package com.algohire.relay.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.internal.AwsClients;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * What the deployed functions will find at runtime, read from the synthesized template rather than from the
 * constants the stack was built from: the environment each one gets parses into a RelayConfig and builds its handler
 * (a missing variable fails the cold start, which no other test here would see), and the timeouts, retry budget
 * and queue settings in the template agree with each other.
 */
class RelayStackRuntimeContractTest {

    private static final String INGEST = "com.algohire.relay.api.IngestApiHandler";
    private static final String SWEEPER = "com.algohire.relay.ingest.SweeperHandler";
    private static final String DELIVERY = "com.algohire.relay.delivery.DeliveryHandler";
    private static final String MANAGEMENT = "com.algohire.relay.api.ManagementApiHandler";
    private static final List<String> HANDLERS = List.of(INGEST, SWEEPER, DELIVERY, MANAGEMENT);
    /** API Gateway's REST integration timeout when none is set. */
    private static final int DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;
    /** SQS's ceiling on one message's visibility timeout, the longest backoff a retry can wait. */
    private static final int SQS_MAX_VISIBILITY_SECONDS = 43_200;

    private static SynthesizedTemplate t;

    @BeforeAll
    static void synthesize() {
        t = SynthesizedTemplate.synthesize();
    }

    @Test
    void functions_withTheTemplateEnvironment_parseTheirConfigAndConstructTheirHandler() throws Exception {
        for (String handler : HANDLERS) {
            Map<String, String> env = environment(handler);
            RelayConfig config = RelayConfig.fromEnvironment(env);
            // Optional in RelayConfig, so a missing one would only fail at the first call: require them here.
            assertThat(config.subscriptionsTable()).as(handler).isNotBlank();
            assertThat(config.deliveryDlqUrl()).as(handler).isNotBlank();
            Class<?> type = Class.forName(handler);
            assertThat(RequestHandler.class.isAssignableFrom(type)).as(handler).isTrue();
            assertThat(type.getConstructors()).as(handler + " needs the public no-arg constructor Lambda calls")
                    .anyMatch(constructor -> constructor.getParameterCount() == 0);
            AwsClients clients = new AwsClients(Region.US_EAST_1,
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("unused", "unused")),
                    URI.create("http://127.0.0.1:9"), URI.create("http://127.0.0.1:9"), URI.create("http://127.0.0.1:9"));
            assertThatCode(() -> type.getConstructor(RelayConfig.class, AwsClients.class).newInstance(config, clients))
                    .as(handler).doesNotThrowAnyException();
        }
    }

    @Test
    void deliveryAndManagement_withTheTemplateEnvironment_haveTheSlowLaneAndTheNotificationTopic() {
        // Both are optional in RelayConfig (empty: one queue, log-only notices), so a missing variable would go
        // unnoticed on AWS: no bulkhead, and no operator hearing of a disabled subscription.
        RelayConfig delivery = RelayConfig.fromEnvironment(environment(DELIVERY));
        assertThat(delivery.deliverySlowQueueUrl()).isNotBlank().isNotEqualTo(delivery.deliveryQueueUrl());
        assertThat(delivery.notificationTopicArn()).isNotBlank();
        assertThat(delivery.deliveryDlqUrl()).isNotBlank();
        RelayConfig management = RelayConfig.fromEnvironment(environment(MANAGEMENT));
        assertThat(management.notificationTopicArn()).isNotBlank();
        assertThat(management.deliveryQueueUrl()).isNotBlank(); // where resume's DRAIN and recover's RECOVER go
    }

    @Test
    void functions_whenSynthesized_neverCarryLocalOnlySettings() {
        for (String handler : HANDLERS) {
            Map<String, String> env = environment(handler);
            // The SSRF allowlist is for the local runtime and tests; endpoint overrides would bypass AWS.
            assertThat(env).as(handler).doesNotContainKey(EnvVars.SSRF_ALLOWLIST);
            assertThat(env.keySet()).as(handler).noneMatch(name -> name.startsWith(EnvVars.AWS_ENDPOINT_URL));
        }
    }

    @Test
    void deliveryQueue_whenSynthesized_maxReceiveCountOutlastsEveryReceiveTheDeliveryFunctionsBudgetUses() {
        int maxRetryAttempts = Integer.parseInt(environment(DELIVERY).get(EnvVars.MAX_RETRY_ATTEMPTS));
        int maxReceiveCount = t.properties(deliveryQueueId()).path("RedrivePolicy").path("maxReceiveCount").asInt();
        // The function parks a spent task in the DLQ itself; SQS's redrive is the poison bound only, so it must
        // never come first: MAX_RETRY_ATTEMPTS + 1 attempts and a notBefore deferral per retry fit below it.
        assertThat(maxReceiveCount).isGreaterThan((maxRetryAttempts + 1) + maxRetryAttempts);
    }

    @Test
    void deliveryFunction_whenSynthesized_outlastsABatchOfConcurrentAttemptsAndTheQueueOutlastsIt() {
        Map<String, String> env = environment(DELIVERY);
        int functionTimeoutSeconds = t.properties(t.functionId(DELIVERY)).path("Timeout").asInt();
        Duration attemptTimeout = Duration.ofMillis(Long.parseLong(env.get(EnvVars.DELIVERY_TIMEOUT_MS)));
        // The deliveries of a batch run concurrently: the batch takes one attempt's timeout, plus the reads of the
        // subscription and event before it and the log write and visibility change after it (10 s covers them).
        assertThat(attemptTimeout.plusSeconds(10)).isLessThanOrEqualTo(Duration.ofSeconds(functionTimeoutSeconds));
        int visibility = t.properties(deliveryQueueId()).path("VisibilityTimeout").asInt();
        assertThat(visibility).isGreaterThanOrEqualTo(6 * functionTimeoutSeconds);
        for (String step : env.get(EnvVars.RETRY_SCHEDULE_SECONDS).split(",")) {
            assertThat(Integer.parseInt(step.trim())).as("retry delay " + step)
                    .isBetween(0, SQS_MAX_VISIBILITY_SECONDS);
        }
    }

    @Test
    void api_integrations_waitLongerThanTheFunctionTheyInvoke() {
        Map<String, Integer> timeoutByAlias = new LinkedHashMap<>();
        for (String handler : HANDLERS) {
            String fn = t.functionId(handler);
            timeoutByAlias.put(t.aliasId(fn), t.properties(fn).path("Timeout").asInt());
        }
        t.methodsByRoute().forEach((route, method) -> {
            JsonNode integration = method.path("Integration");
            if ("MOCK".equals(integration.path("Type").asText())) {
                // API Gateway's own answer (GET /health): no function to wait for
                assertThat(route).isEqualTo("GET /health");
                return;
            }
            int integrationTimeoutMs = integration.path("TimeoutInMillis").asInt(DEFAULT_INTEGRATION_TIMEOUT_MS);
            String uri = integration.path("Uri").toString();
            List<String> aliases = timeoutByAlias.keySet().stream().filter(uri::contains).toList();
            assertThat(aliases).as(route + " invokes one live alias").hasSize(1);
            int functionTimeoutMs = timeoutByAlias.get(aliases.get(0)) * 1000;
            // otherwise API Gateway answers 504 while the function is still working (and may still succeed)
            assertThat(functionTimeoutMs).as(route).isLessThan(integrationTimeoutMs);
        });
    }

    @Test
    void logGroups_whenSynthesized_keepFunctionLogsAMonthAndAccessLogsThreeMonths() {
        for (String handler : HANDLERS) {
            String logGroup = t.properties(t.functionId(handler)).path("LoggingConfig").path("LogGroup").path("Ref")
                    .asText();
            assertThat(t.properties(logGroup).path("RetentionInDays").asInt()).as(handler).isEqualTo(30);
            assertThat(t.resources().path(logGroup).path("DeletionPolicy").asText()).as(handler).isEqualTo("Retain");
        }
        List<String> stages = t.logicalIds("AWS::ApiGateway::Stage");
        String accessLogs = t.properties(stages.get(0)).path("AccessLogSetting").path("DestinationArn")
                .path("Fn::GetAtt").path(0).asText();
        assertThat(t.properties(accessLogs).path("RetentionInDays").asInt()).isEqualTo(90);
    }

    /**
     * The daily warm-up keeps SnapStart versions Active only if it costs nothing but an invocation: each target's
     * input, read with Lambda's own event deserializer into its handler's input type, is answered by the handler
     * built from the template environment without an AWS call. The clients point at a closed port, so any call
     * would fail: the API handlers would answer 500 instead of 404, the delivery handler would report failures.
     */
    @Test
    void warmUpEvents_whenDeliveredToTheirAliasesHandlers_areAnsweredWithoutAnAwsCall() throws Exception {
        Map<String, String> handlerByAlias = new LinkedHashMap<>();
        for (String handler : HANDLERS) {
            handlerByAlias.put(t.aliasId(t.functionId(handler)), handler);
        }
        String warmUpRule = t.logicalIds("AWS::Events::Rule").stream()
                .filter(id -> "rate(1 day)".equals(t.properties(id).path("ScheduleExpression").asText()))
                .findFirst().orElseThrow();
        List<String> warmed = new java.util.ArrayList<>();
        for (JsonNode target : t.properties(warmUpRule).path("Targets")) {
            String handler = handlerByAlias.get(target.path("Arn").path("Ref").asText());
            assertThat(handler).as("warm-up target " + target.path("Arn")).isNotNull();
            String input = target.path("Input").asText();
            Object response = invoke(handler, input);
            if (response instanceof APIGatewayProxyResponseEvent api) {
                assertThat(api.getStatusCode()).as(handler + " answering " + input).isEqualTo(404);
            } else {
                assertThat(response).as(handler + " answering " + input).isInstanceOf(SQSBatchResponse.class);
                assertThat(((SQSBatchResponse) response).getBatchItemFailures()).as(handler).isEmpty();
            }
            warmed.add(handler);
        }
        assertThat(warmed).containsExactlyInAnyOrder(INGEST, DELIVERY, MANAGEMENT);
    }

    // --- helpers ---

    /** Deserializes {@code input} as the Java runtime does for the handler's event type, then calls the handler. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object invoke(String handler, String input) throws Exception {
        Class<?> type = Class.forName(handler);
        Class<?> eventType = handler.equals(DELIVERY) ? SQSEvent.class : APIGatewayProxyRequestEvent.class;
        Object event = LambdaEventSerializers.serializerFor(eventType, RelayStackRuntimeContractTest.class
                .getClassLoader()).fromJson(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        AwsClients unreachable = new AwsClients(Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("unused", "unused")),
                URI.create("http://127.0.0.1:9"), URI.create("http://127.0.0.1:9"), URI.create("http://127.0.0.1:9"));
        RequestHandler function = (RequestHandler) type.getConstructor(RelayConfig.class, AwsClients.class)
                .newInstance(RelayConfig.fromEnvironment(environment(handler)), unreachable);
        return function.handleRequest(event, null);
    }

    /** The function's environment, CloudFormation references standing in as non-blank placeholders. */
    private static Map<String, String> environment(String handler) {
        Map<String, String> env = new LinkedHashMap<>();
        t.properties(t.functionId(handler)).path("Environment").path("Variables").fields().forEachRemaining(e ->
                env.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : "resolved:" + e.getValue()));
        return env;
    }

    private static String deliveryQueueId() {
        return t.logicalIds("AWS::SQS::Queue").stream()
                .filter(id -> t.properties(id).has("RedrivePolicy")).findFirst().orElseThrow();
    }
}
