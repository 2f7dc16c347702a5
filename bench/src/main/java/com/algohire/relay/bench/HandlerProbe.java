package com.algohire.relay.bench;

import com.algohire.relay.api.IngestApiHandler;
import com.algohire.relay.api.ManagementApiHandler;
import com.algohire.relay.delivery.DeliveryHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntSupplier;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * One cold start of one function, in a fresh JVM started by {@link ColdStartBench}: the handler built as Lambda's
 * init builds it (the public no-arg constructor, configuration from the environment), primed or not as SnapStart's
 * beforeCheckpoint would, then a first request and {@link #WARM} more, each timed. Prints
 * {@code init=<ms since JVM start> first=<ms> warm=<median ms>}.
 *
 * <p>Kinds: {@code noop} (the JVM floor), {@code plain} (what the issue compares ingest with: Jackson parses the
 * body, one conditional PutItem, one SendMessage, on the clients the functions use), {@code ingest} (a valid POST),
 * {@code delivery} (an SQS batch of one DELIVER task to a local receiver), {@code management} (GET
 * /api/v1/subscriptions). The requests are built by hand, without the SDK or Jackson, so that building them loads
 * nothing the first request would; what Lambda's runtime itself does per invoke (decoding the event JSON) is not
 * measured. {@link BeforeFirst} and {@link AfterFirst} are loaded around the first request so that the
 * {@code -Xlog:class+load} output the bench reads shows which classes that request loaded.
 *
 * <p>Arguments: kind, primed (true|false), then per kind: delivery: eventId, the DELIVER task's JSON, queue ARN;
 * plain: DynamoDB endpoint, table, SQS endpoint, queue URL.
 */
public final class HandlerProbe {
    static final int WARM = 5;

    /** Loaded just before the first request: a marker in the class-load log. */
    static final class BeforeFirst {
    }

    /** Loaded just after the first request. */
    static final class AfterFirst {
    }

    private HandlerProbe() {
    }

    public static void main(String[] args) throws Exception {
        long entered = System.currentTimeMillis();
        String kind = args[0];
        boolean primed = Boolean.parseBoolean(args[1]);
        IntSupplier request = switch (kind) {
            case "noop" -> null;
            case "plain" -> plain(args);
            case "ingest" -> ingest(primed);
            case "delivery" -> delivery(primed, args);
            case "management" -> management(primed);
            default -> throw new IllegalArgumentException("unknown kind " + kind);
        };
        long ready = System.currentTimeMillis();
        if (primed) {
            // A restore comes long after the snapshot: the connections priming opened are gone (see HandlerBench).
            Thread.sleep(Long.getLong("bench.restoreGapMs", 0));
        }
        long first = 0;
        long warm = 0;
        if (request != null) {
            new BeforeFirst();
            long start = System.nanoTime();
            int status = request.getAsInt();
            first = (System.nanoTime() - start) / 1_000_000;
            new AfterFirst();
            check(kind, status);
            List<Long> warmTimes = new ArrayList<>();
            for (int i = 0; i < WARM; i++) {
                start = System.nanoTime();
                check(kind, request.getAsInt());
                warmTimes.add((System.nanoTime() - start) / 1_000_000);
            }
            Collections.sort(warmTimes);
            warm = warmTimes.get(warmTimes.size() / 2);
        }
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        System.out.println("RESULT main=" + (entered - jvmStart) + " init=" + (ready - jvmStart) + " first=" + first
                + " warm=" + warm);
        System.exit(0);
    }

    private static void check(String kind, int status) {
        if (status >= 300) {
            throw new IllegalStateException(kind + " request answered " + status);
        }
    }

    private static IntSupplier ingest(boolean primed) {
        IngestApiHandler handler = new IngestApiHandler();
        if (primed) {
            handler.prime();
        }
        return () -> {
            APIGatewayProxyRequestEvent post = new APIGatewayProxyRequestEvent().withHttpMethod("POST")
                    .withPath("/api/v1/events").withResource("/api/v1/events")
                    .withHeaders(Map.of("Content-Type", "application/json",
                            "x-idempotency-key", "cold-" + UUID.randomUUID()))
                    .withBody("{\"eventType\":\"job.created\",\"payload\":{\"jobId\":\"job-123\","
                            + "\"title\":\"Senior Engineer\",\"tags\":[\"java\",\"aws\"]}}")
                    .withIsBase64Encoded(false);
            APIGatewayProxyResponseEvent response = handler.handleRequest(post, null);
            return response.getStatusCode();
        };
    }

    private static IntSupplier management(boolean primed) {
        ManagementApiHandler handler = new ManagementApiHandler();
        if (primed) {
            handler.prime();
        }
        return () -> handler.handleRequest(new APIGatewayProxyRequestEvent().withHttpMethod("GET")
                .withPath("/api/v1/subscriptions").withResource("/api/v1/subscriptions")
                .withHeaders(Map.of("Accept", "application/json")), null).getStatusCode();
    }

    private static IntSupplier delivery(boolean primed, String[] args) {
        DeliveryHandler handler = new DeliveryHandler();
        if (primed) {
            handler.prime();
        }
        String taskJson = args[3];
        String queueArn = args[4];
        return () -> {
            SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
            String now = Long.toString(System.currentTimeMillis());
            message.setMessageId(UUID.randomUUID().toString());
            message.setReceiptHandle("cold-" + UUID.randomUUID());
            message.setBody(taskJson);
            message.setAttributes(Map.of("ApproximateReceiveCount", "1", "SentTimestamp", now,
                    "ApproximateFirstReceiveTimestamp", now));
            message.setEventSource("aws:sqs");
            message.setEventSourceArn(queueArn);
            message.setAwsRegion("us-east-1");
            SQSEvent event = new SQSEvent();
            event.setRecords(List.of(message));
            SQSBatchResponse response = handler.handleRequest(event, null);
            return response.getBatchItemFailures() == null || response.getBatchItemFailures().isEmpty() ? 200 : 500;
        };
    }

    /** The issue's baseline: parse the body with Jackson, one conditional put, one send. */
    private static IntSupplier plain(String[] args) {
        Region region = Region.US_EAST_1;
        var credentials = EnvironmentVariableCredentialsProvider.create();
        DynamoDbClient dynamoDb = DynamoDbClient.builder().region(region).credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)).build())
                .endpointOverride(URI.create(args[2])).build();
        SqsClient sqs = SqsClient.builder().region(region).credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)).build())
                .endpointOverride(URI.create(args[4])).build();
        ObjectMapper mapper = new ObjectMapper();
        String table = args[3];
        String queueUrl = args[5];
        return () -> {
            try {
                JsonNode body = mapper.readTree("{\"eventType\":\"job.created\",\"payload\":{\"jobId\":\"job-123\","
                        + "\"title\":\"Senior Engineer\",\"tags\":[\"java\",\"aws\"]}}");
                String id = UUID.randomUUID().toString();
                dynamoDb.putItem(r -> r.tableName(table).conditionExpression("attribute_not_exists(pk)")
                        .item(Map.of("pk", AttributeValue.fromS("PLAIN#" + id), "sk", AttributeValue.fromS("PLAIN"),
                                "payload", AttributeValue.fromS(body.get("payload").toString()))));
                sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody("{\"eventId\":\"" + id + "\"}"));
                return 200;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }
}
