package com.algohire.relay.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.algohire.relay.config.ApiRoutes;
import com.algohire.relay.config.EnvVars;
import com.algohire.relay.config.RelaySchema;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Match;

/** Assertions on the synthesized template: every property the relay's correctness depends on. */
class RelayStackTest {

    private static final String INGEST = "com.algohire.relay.api.IngestApiHandler";
    private static final String SWEEPER = "com.algohire.relay.ingest.SweeperHandler";
    private static final String DELIVERY = "com.algohire.relay.delivery.DeliveryHandler";
    private static final String MANAGEMENT = "com.algohire.relay.api.ManagementApiHandler";
    private static final List<String> HANDLERS = List.of(INGEST, SWEEPER, DELIVERY, MANAGEMENT);

    private static final List<String> OPERATOR_ROUTES = List.of(
            "GET /api/v1/health",
            "GET /api/v1/events", "GET /api/v1/events/{eventId}", "POST /api/v1/events/{eventId}/replay",
            "GET /api/v1/subscriptions", "POST /api/v1/subscriptions", "GET /api/v1/subscriptions/{id}",
            "PATCH /api/v1/subscriptions/{id}", "DELETE /api/v1/subscriptions/{id}",
            "POST /api/v1/subscriptions/{id}/rotate-secret", "POST /api/v1/subscriptions/{id}/pause",
            "POST /api/v1/subscriptions/{id}/resume", "POST /api/v1/subscriptions/{id}/recover",
            "GET /api/v1/subscriptions/{id}/recoveries/{recoveryId}", "POST /api/v1/subscriptions/{id}/test",
            "GET /api/v1/dlq", "POST /api/v1/dlq/redrive", "GET /api/v1/queues",
            "GET /api/v1/audit", "GET /api/v1/stats");

    private static SynthesizedTemplate t;

    @BeforeAll
    static void synthesize() {
        t = SynthesizedTemplate.synthesize();
    }

    // --- Queue and DLQ ---

    @Test
    void deliveryQueue_whenSynthesized_redrivesToDlqAfterThePoisonBoundOfReceives() {
        String dlq = dlqId();
        JsonNode redrive = t.properties(deliveryQueueId()).path("RedrivePolicy");
        assertThat(redrive.path("deadLetterTargetArn").path("Fn::GetAtt").path(0).asText()).isEqualTo(dlq);
        assertThat(redrive.path("maxReceiveCount").asInt()).isEqualTo(RelaySchema.DELIVERY_MAX_RECEIVE_COUNT)
                // more than a task's attempts and notBefore deferrals, and at least AWS's advice for Lambda
                .isGreaterThan(2 * RelaySchema.DEFAULT_MAX_RETRY_ATTEMPTS + 1)
                .isGreaterThanOrEqualTo(RelayStack.MIN_LAMBDA_MAX_RECEIVE_COUNT);
    }

    @Test
    void deliveryQueue_whenSynthesized_visibilityIsAtLeastSixTimesTheDeliveryFunctionTimeout() {
        int functionTimeout = t.properties(t.functionId(DELIVERY)).path("Timeout").asInt();
        int visibility = t.properties(deliveryQueueId()).path("VisibilityTimeout").asInt();
        assertThat(functionTimeout).isEqualTo(RelaySchema.DELIVERY_FUNCTION_TIMEOUT_SECONDS);
        assertThat(visibility).isGreaterThanOrEqualTo(6 * functionTimeout);
        // one webhook attempt must give up before the function does
        assertThat(RelaySchema.DEFAULT_DELIVERY_TIMEOUT_SECONDS).isLessThan(functionTimeout);
    }

    @Test
    void slowQueue_whenSynthesized_hasTheMainQueuesTimingAndDeadLettersIntoTheSameDlq() {
        JsonNode slow = t.properties(slowQueueId());
        JsonNode main = t.properties(deliveryQueueId());
        assertThat(slow.path("RedrivePolicy").path("deadLetterTargetArn").path("Fn::GetAtt").path(0).asText())
                .isEqualTo(dlqId());
        assertThat(slow.path("RedrivePolicy").path("maxReceiveCount").asInt())
                .isEqualTo(RelaySchema.DELIVERY_SLOW.maxReceiveCount())
                .isEqualTo(main.path("RedrivePolicy").path("maxReceiveCount").asInt());
        assertThat(slow.path("VisibilityTimeout").asInt())
                .isEqualTo(RelaySchema.DELIVERY_SLOW.visibilityTimeoutSeconds())
                .isEqualTo(main.path("VisibilityTimeout").asInt());
        assertThat(slow.path("MessageRetentionPeriod").asInt())
                .isEqualTo(RelaySchema.DELIVERY_SLOW.retentionDays() * 24 * 3600);
        assertThat(slow.path("QueueName").toString()).contains("AWS::StackName")
                .contains("\"" + RelaySchema.DELIVERY_SLOW.logicalName() + "\"");
    }

    @Test
    void queues_whenSynthesized_areEncryptedAndRefuseInsecureTransport() {
        for (String queue : List.of(deliveryQueueId(), slowQueueId(), dlqId())) {
            assertThat(t.properties(queue).path("SqsManagedSseEnabled").asBoolean()).as(queue).isTrue();
            assertThat(denySecureTransportFalse("AWS::SQS::QueuePolicy", "Queues", queue)).as(queue).isTrue();
        }
    }

    @Test
    void deadLetterQueue_whenSynthesized_acceptsOnlyTheTwoDeliveryLanesAndKeepsTasksFourteenDays() {
        JsonNode dlq = t.properties(dlqId());
        assertThat(dlq.path("RedriveAllowPolicy").path("redrivePermission").asText()).isEqualTo("byQueue");
        // the source ARNs are built from the delivery queues' (stack-derived) names
        JsonNode sources = dlq.path("RedriveAllowPolicy").path("sourceQueueArns");
        assertThat(sources.size()).isEqualTo(2);
        assertThat(sources.toString())
                .contains(t.properties(deliveryQueueId()).path("QueueName").toString())
                .contains(t.properties(slowQueueId()).path("QueueName").toString());
        assertThat(dlq.path("MessageRetentionPeriod").asInt()).isEqualTo(14 * 24 * 3600);
    }

    @Test
    void relayStack_whenTheStackNameLeavesNoRoomForTheDeliveryQueueName_failsSynthNamingTheLimit() throws Exception {
        // <stack name>-DeliverySlow (the longer lane name) must fit SQS's 80 characters: 67 is the longest stack
        // name that does
        assertThat(RelayStack.longestQueueLogicalName()).isEqualTo(RelaySchema.DELIVERY_SLOW.logicalName());
        int longest = RelayStack.SQS_MAX_QUEUE_NAME_LENGTH - 1 - RelaySchema.DELIVERY_SLOW.logicalName().length();
        assertThat(longest).isEqualTo(67);
        App app = RelayApp.newApp(Files.createTempDirectory("relay-cdk-test"));
        String tooLong = "R".repeat(longest + 1);
        assertThatThrownBy(() -> new RelayStack(app, tooLong, StackProps.builder().build()))
                .hasMessageContaining(tooLong).hasMessageContaining("at most " + longest);
        new RelayStack(app, "R".repeat(longest), StackProps.builder().build());
    }

    @Test
    void deliveryEventSources_whenSynthesized_followRelaySchemaAndReportBatchItemFailuresOnTheLiveAlias() {
        t.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", Map.of(
                "BatchSize", RelaySchema.DELIVERY_SOURCE.batchSize(),
                "FunctionResponseTypes", List.of("ReportBatchItemFailures"),
                "ScalingConfig", Map.of("MaximumConcurrency", DeployOptions.DEFAULT_DELIVERY_MAX_CONCURRENCY),
                "MaximumBatchingWindowInSeconds", RelaySchema.DELIVERY_SOURCE.maxBatchingWindowSeconds(),
                "EventSourceArn", Map.of("Fn::GetAtt", List.of(deliveryQueueId(), "Arn"))));
        t.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", Map.of(
                "BatchSize", RelaySchema.DELIVERY_SLOW_SOURCE.batchSize(),
                "FunctionResponseTypes", List.of("ReportBatchItemFailures"),
                "ScalingConfig", Map.of("MaximumConcurrency", DeployOptions.DEFAULT_DELIVERY_SLOW_MAX_CONCURRENCY),
                "MaximumBatchingWindowInSeconds", RelaySchema.DELIVERY_SLOW_SOURCE.maxBatchingWindowSeconds(),
                "EventSourceArn", Map.of("Fn::GetAtt", List.of(slowQueueId(), "Arn"))));
        assertThat(DeployOptions.DEFAULT_DELIVERY_MAX_CONCURRENCY)
                .isEqualTo(RelaySchema.DELIVERY_SOURCE.defaultMaxConcurrency());
        assertThat(DeployOptions.DEFAULT_DELIVERY_SLOW_MAX_CONCURRENCY)
                .isEqualTo(RelaySchema.DELIVERY_SLOW_SOURCE.defaultMaxConcurrency())
                .isLessThan(DeployOptions.DEFAULT_DELIVERY_MAX_CONCURRENCY);
        List<String> mappings = t.logicalIds("AWS::Lambda::EventSourceMapping");
        assertThat(mappings).hasSize(2);
        for (String mapping : mappings) {
            String functionName = t.properties(mapping).path("FunctionName").toString();
            assertThat(functionName).contains(t.aliasId(t.functionId(DELIVERY))).contains(":live");
        }
    }

    // --- Functions ---

    @Test
    void functions_whenSynthesized_runJava21WithSnapStartAndTheirOwnLogGroup() {
        for (String handler : HANDLERS) {
            JsonNode fn = t.properties(t.functionId(handler));
            assertThat(fn.path("Runtime").asText()).as(handler).isEqualTo("java21");
            assertThat(fn.path("SnapStart").path("ApplyOn").asText()).as(handler).isEqualTo("PublishedVersions");
            assertThat(fn.path("LoggingConfig").path("LogGroup").path("Ref").asText()).as(handler).isNotEmpty();
        }
        assertThat(t.logicalIds("AWS::Lambda::Function")).hasSize(HANDLERS.size());
    }

    /**
     * X-Ray is off unless asked for: Lambda samples SQS- and schedule-triggered invocations at its fixed rate (the
     * first request each second and 5 % of the rest; sampling rules cannot lower it), which at the delivery's volume
     * is a bill of its own (README, "Cost").
     */
    @Test
    void tracing_byDefault_isOffOnEveryFunctionAndTheStageWithNoXrayGrant() {
        for (String handler : HANDLERS) {
            JsonNode fn = t.properties(t.functionId(handler));
            assertThat(fn.path("TracingConfig").isMissingNode()).as(handler).isTrue();
            assertThat(t.allowedActions(t.functionId(handler))).as(handler).noneMatch(a -> a.startsWith("xray:"));
        }
        JsonNode stage = t.properties(t.logicalIds("AWS::ApiGateway::Stage").get(0));
        assertThat(stage.path("TracingEnabled").asBoolean(false)).isFalse();
    }

    @Test
    void tracing_withXrayTracingContext_isActiveOnEveryFunctionAndTheStage() {
        SynthesizedTemplate traced = SynthesizedTemplate.synthesize(Map.of(DeployOptions.XRAY_TRACING, "true"));
        for (String handler : HANDLERS) {
            JsonNode fn = traced.properties(traced.functionId(handler));
            assertThat(fn.path("TracingConfig").path("Mode").asText()).as(handler).isEqualTo("Active");
            assertThat(traced.allowedActions(traced.functionId(handler))).as(handler)
                    .contains("xray:PutTraceSegments", "xray:PutTelemetryRecords");
        }
        JsonNode stage = traced.properties(traced.logicalIds("AWS::ApiGateway::Stage").get(0));
        assertThat(stage.path("TracingEnabled").asBoolean()).isTrue();
    }

    @Test
    void functions_whenSynthesized_eachHasALiveAliasOnAPublishedVersion() {
        for (String handler : HANDLERS) {
            String fn = t.functionId(handler);
            JsonNode alias = t.properties(t.aliasId(fn));
            assertThat(alias.path("Name").asText()).isEqualTo(RelayFunction.ALIAS_NAME);
            String version = alias.path("FunctionVersion").path("Fn::GetAtt").path(0).asText();
            assertThat(t.resources().path(version).path("Type").asText()).isEqualTo("AWS::Lambda::Version");
            assertThat(t.properties(version).path("FunctionName").path("Ref").asText()).isEqualTo(fn);
        }
    }

    @Test
    void functions_whenSynthesized_haveTheEnvironmentTheirConfigReads() {
        for (String handler : HANDLERS) {
            JsonNode env = t.properties(t.functionId(handler)).path("Environment").path("Variables");
            for (String name : List.of(EnvVars.EVENTS_TABLE, EnvVars.SUBSCRIPTIONS_TABLE, EnvVars.PAYLOAD_BUCKET,
                    EnvVars.DELIVERY_QUEUE_URL, EnvVars.DELIVERY_DLQ_URL, EnvVars.DELIVERY_SLOW_QUEUE_URL,
                    EnvVars.NOTIFICATION_TOPIC_ARN)) {
                assertThat(env.has(name)).as(handler + " " + name).isTrue();
            }
            assertThat(env.path(EnvVars.DELIVERY_QUEUE_URL).path("Ref").asText()).isEqualTo(deliveryQueueId());
            assertThat(env.path(EnvVars.DELIVERY_SLOW_QUEUE_URL).path("Ref").asText()).isEqualTo(slowQueueId());
            assertThat(env.path(EnvVars.DELIVERY_DLQ_URL).path("Ref").asText()).isEqualTo(dlqId());
            assertThat(env.path(EnvVars.NOTIFICATION_TOPIC_ARN).path("Ref").asText())
                    .isEqualTo(notificationTopicId());
            assertThat(env.path(EnvVars.EVENTS_TABLE).path("Ref").asText()).isEqualTo(eventsTableId());
            assertThat(env.path(EnvVars.MAX_RETRY_ATTEMPTS).asText())
                    .isEqualTo(String.valueOf(RelaySchema.DEFAULT_MAX_RETRY_ATTEMPTS));
            assertThat(env.path(EnvVars.EVENT_RETENTION_DAYS).asText())
                    .isEqualTo(String.valueOf(RelaySchema.DEFAULT_EVENT_RETENTION_DAYS));
        }
    }

    @Test
    void functions_whenSynthesized_leaveJvmFlagsToTheJavaRuntimesDefaults() {
        // java21 already stops tiered compilation at level 1; a JAVA_TOOL_OPTIONS copy of that would override the
        // runtime's own choice after an upgrade (java25 uses the JVM's default settings for SnapStart functions)
        for (String handler : HANDLERS) {
            JsonNode env = t.properties(t.functionId(handler)).path("Environment").path("Variables");
            assertThat(env.has("JAVA_TOOL_OPTIONS")).as(handler).isFalse();
        }
    }

    @Test
    void functions_whenSynthesized_timeoutsFitTheirTriggers() {
        // API Gateway gives up on an integration after 29 s; the sweeper must finish before its next run.
        assertThat(t.properties(t.functionId(INGEST)).path("Timeout").asInt()).isLessThan(29);
        assertThat(t.properties(t.functionId(MANAGEMENT)).path("Timeout").asInt()).isLessThan(29);
        assertThat(t.properties(t.functionId(SWEEPER)).path("Timeout").asInt()).isLessThan(60);
    }

    @Test
    void sweeper_whenSynthesized_runsEveryMinuteThroughItsLiveAlias() {
        JsonNode rule = t.properties(ruleWithSchedule("rate(1 minute)"));
        assertThat(rule.path("Targets")).hasSize(1);
        assertThat(rule.path("Targets").path(0).path("Arn").path("Ref").asText())
                .isEqualTo(t.aliasId(t.functionId(SWEEPER)));
    }

    @Test
    void warmUpSchedule_whenSynthesized_invokesEveryOtherLiveAliasDailyWithAnEvent() {
        // A SnapStart version not invoked for 14 days goes Inactive; the sweeper is invoked every minute anyway.
        String ruleId = ruleWithSchedule("rate(1 day)");
        Map<String, String> inputByAlias = new java.util.HashMap<>();
        for (JsonNode target : t.properties(ruleId).path("Targets")) {
            inputByAlias.put(target.path("Arn").path("Ref").asText(), target.path("Input").asText());
        }
        assertThat(inputByAlias).containsOnlyKeys(t.aliasId(t.functionId(INGEST)), t.aliasId(t.functionId(DELIVERY)),
                t.aliasId(t.functionId(MANAGEMENT)));
        assertThat(inputByAlias.values()).allSatisfy(input -> assertThat(input).isNotBlank());
        for (String alias : inputByAlias.keySet()) {
            t.template.hasResourceProperties("AWS::Lambda::Permission", Map.of(
                    "Action", "lambda:InvokeFunction",
                    "FunctionName", Map.of("Ref", alias),
                    "Principal", "events.amazonaws.com",
                    "SourceArn", Map.of("Fn::GetAtt", List.of(ruleId, "Arn"))));
        }
    }

    // --- Storage ---

    @Test
    void tables_whenSynthesized_matchRelaySchemaWithPitrTtlEncryptionAndRetain() {
        for (RelaySchema.Table spec : List.of(RelaySchema.EVENTS, RelaySchema.SUBSCRIPTIONS)) {
            String id = tableId(spec);
            JsonNode table = t.properties(id);
            assertThat(t.resources().path(id).path("DeletionPolicy").asText()).isEqualTo("Retain");
            assertThat(table.path("BillingMode").asText()).isEqualTo("PAY_PER_REQUEST");
            assertThat(table.path("PointInTimeRecoverySpecification").path("PointInTimeRecoveryEnabled").asBoolean())
                    .isTrue();
            assertThat(table.path("SSESpecification").path("SSEEnabled").asBoolean()).isTrue();
            assertThat(keySchema(table.path("KeySchema"))).isEqualTo(keys(spec.partitionKey(), spec.sortKey()));
            if (spec.ttlAttribute() != null) {
                assertThat(table.path("TimeToLiveSpecification").path("AttributeName").asText())
                        .isEqualTo(spec.ttlAttribute());
                assertThat(table.path("TimeToLiveSpecification").path("Enabled").asBoolean()).isTrue();
            }
            JsonNode gsis = table.path("GlobalSecondaryIndexes");
            assertThat(gsis.size()).isEqualTo(spec.indexes().size());
            for (RelaySchema.Index index : spec.indexes()) {
                JsonNode gsi = find(gsis, "IndexName", index.name());
                assertThat(keySchema(gsi.path("KeySchema"))).as(index.name())
                        .isEqualTo(keys(index.partitionKey(), index.sortKey()));
                // The projection RelaySchema names, as ResourceProvisioner creates it locally; never ALL, which
                // would copy inline payloads (up to the inline limit) into every index entry.
                assertThat(gsi.path("Projection").path("ProjectionType").asText()).as(index.name())
                        .isEqualTo(index.projected().isEmpty() ? "KEYS_ONLY" : "INCLUDE");
                List<String> projected = new ArrayList<>();
                gsi.path("Projection").path("NonKeyAttributes").forEach(a -> projected.add(a.asText()));
                assertThat(projected).as(index.name()).containsExactlyInAnyOrderElementsOf(index.projected());
            }
        }
    }

    @Test
    void payloadBucket_whenSynthesized_isEncryptedPrivateSslOnlyLoggedAndExpiresPayloads() {
        String bucket = payloadBucketId();
        JsonNode props = t.properties(bucket);
        assertThat(props.path("BucketEncryption").toString()).contains("AES256");
        JsonNode block = props.path("PublicAccessBlockConfiguration");
        for (String flag : List.of("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls",
                "RestrictPublicBuckets")) {
            assertThat(block.path(flag).asBoolean()).as(flag).isTrue();
        }
        assertThat(denySecureTransportFalse("AWS::S3::BucketPolicy", "Bucket", bucket)).isTrue();
        assertThat(props.path("LoggingConfiguration").path("DestinationBucketName").path("Ref").asText()).isNotEmpty();
        JsonNode rule = find(props.path("LifecycleConfiguration").path("Rules"), "Prefix", RelaySchema.PAYLOAD_PREFIX);
        assertThat(rule.path("Status").asText()).isEqualTo("Enabled");
        assertThat(rule.path("ExpirationInDays").asInt()).isEqualTo(RelaySchema.DEFAULT_EVENT_RETENTION_DAYS);
        assertThat(t.resources().path(bucket).path("DeletionPolicy").asText()).isEqualTo("Retain");
    }

    // --- API ---

    @Test
    void api_postEvents_requiresTheApiKeyAndInvokesTheIngestAlias() {
        JsonNode post = t.methodsByRoute().get("POST /api/v1/events");
        assertThat(post).isNotNull();
        assertThat(post.path("ApiKeyRequired").asBoolean()).isTrue();
        assertThat(post.path("Integration").path("Type").asText()).isEqualTo("AWS_PROXY");
        assertThat(post.path("Integration").path("Uri").toString()).contains(t.aliasId(t.functionId(INGEST)));
    }

    @Test
    void api_operatorRoutes_requireIamAuthorization() {
        Map<String, JsonNode> routes = t.methodsByRoute();
        for (String route : OPERATOR_ROUTES) {
            assertThat(routes).as(route).containsKey(route);
            assertThat(routes.get(route).path("AuthorizationType").asText()).as(route).isEqualTo("AWS_IAM");
        }
        String ingestAlias = t.aliasId(t.functionId(INGEST));
        String managementAlias = t.aliasId(t.functionId(MANAGEMENT));
        assertThat(routes.get("GET /api/v1/events/{eventId}").path("Integration").path("Uri").toString())
                .contains(ingestAlias);
        assertThat(routes.get("POST /api/v1/dlq/redrive").path("Integration").path("Uri").toString())
                .contains(managementAlias);
    }

    /** Anyone may call GET /health at its rate: it must cost no Lambda invocation and no AWS call. */
    @Test
    void api_health_isOpenAndAnsweredByApiGatewayItselfWithTheLivenessBody() {
        JsonNode health = t.methodsByRoute().get("GET /health");
        assertThat(health).isNotNull();
        assertThat(health.path("AuthorizationType").asText()).isEqualTo("NONE");
        assertThat(health.path("ApiKeyRequired").asBoolean(false)).isFalse();
        JsonNode integration = health.path("Integration");
        assertThat(integration.path("Type").asText()).isEqualTo("MOCK");
        assertThat(integration.has("Uri")).isFalse();
        assertThat(integration.path("RequestTemplates").path("application/json").asText())
                .isEqualTo("{\"statusCode\": 200}");
        JsonNode response = integration.path("IntegrationResponses").path(0);
        assertThat(response.path("StatusCode").asText()).isEqualTo("200");
        assertThat(response.path("ResponseTemplates").path("application/json").asText())
                .isEqualTo(ApiRoutes.LIVENESS_BODY);
        assertThat(response.path("ResponseParameters").path("method.response.header.Content-Type").asText())
                .isEqualTo("'application/json'");
        assertThat(health.path("MethodResponses").path(0).path("StatusCode").asText()).isEqualTo("200");
        // its own, low throttle: an open route's callers cannot run up the API's request charges at the stage rate
        JsonNode stage = t.properties(t.logicalIds("AWS::ApiGateway::Stage").get(0));
        JsonNode setting = find(stage.path("MethodSettings"), "ResourcePath", "/~1health");
        assertThat(setting.path("HttpMethod").asText()).isEqualTo("GET");
        assertThat(setting.path("ThrottlingRateLimit").asInt()).isEqualTo(RelayApi.HEALTH_RATE_LIMIT)
                .isLessThan(RelayApi.STAGE_RATE_LIMIT);
    }

    /** The deep check (the table and the queue answer) costs an invocation and two AWS calls: operators only. */
    @Test
    void api_deepHealth_requiresIamAndInvokesTheIngestAlias() {
        JsonNode deep = t.methodsByRoute().get("GET /api/v1/health");
        assertThat(deep).isNotNull();
        assertThat(deep.path("AuthorizationType").asText()).isEqualTo("AWS_IAM");
        assertThat(deep.path("Integration").path("Uri").toString()).contains(t.aliasId(t.functionId(INGEST)));
    }

    @Test
    void api_whenSynthesized_hasExactlyTheContractRoutes() {
        List<String> expected = new ArrayList<>(OPERATOR_ROUTES);
        expected.add("POST /api/v1/events");
        expected.add("GET /health");
        assertThat(t.methodsByRoute().keySet()).containsExactlyInAnyOrderElementsOf(expected);
        for (JsonNode method : t.methodsByRoute().values()) {
            assertThat(method.path("RequestValidatorId").path("Ref").asText()).isNotEmpty();
        }
    }

    @Test
    void api_usagePlan_throttlesTheIngestKeyAndTheIngestMethod() {
        List<String> plans = t.logicalIds("AWS::ApiGateway::UsagePlan");
        assertThat(plans).hasSize(1);
        JsonNode plan = t.properties(plans.get(0));
        // the stack's one key alone must carry the seed's 1,000+ events/s, with a burst of two seconds of it
        assertThat(plan.path("Throttle").path("RateLimit").asInt()).isEqualTo(1200);
        assertThat(plan.path("Throttle").path("BurstLimit").asInt()).isEqualTo(2400);
        JsonNode perMethod = plan.path("ApiStages").path(0).path("Throttle").path("/api/v1/events/POST");
        assertThat(perMethod.path("RateLimit").asInt()).isEqualTo(1200);
        assertThat(perMethod.path("BurstLimit").asInt()).isEqualTo(2400);
        t.template.resourceCountIs("AWS::ApiGateway::ApiKey", 1);
        t.template.hasResourceProperties("AWS::ApiGateway::UsagePlanKey", Map.of(
                "KeyType", "API_KEY",
                "UsagePlanId", Map.of("Ref", plans.get(0))));
    }

    @Test
    void api_stage_logsJsonAccessLinesAndThrottles() throws Exception {
        List<String> stages = t.logicalIds("AWS::ApiGateway::Stage");
        assertThat(stages).hasSize(1);
        JsonNode stage = t.properties(stages.get(0));
        assertThat(stage.path("AccessLogSetting").path("DestinationArn").toString()).contains("AccessLogs");
        JsonNode format = new ObjectMapper().readTree(stage.path("AccessLogSetting").path("Format").asText());
        assertThat(format.path("requestId").asText()).isEqualTo("$context.requestId");
        assertThat(format.path("status").asText()).isEqualTo("$context.status");
        JsonNode all = find(stage.path("MethodSettings"), "ResourcePath", "/*");
        assertThat(all.path("ThrottlingRateLimit").asInt()).isEqualTo(RelayApi.STAGE_RATE_LIMIT);
        assertThat(all.path("DataTraceEnabled").asBoolean()).isFalse();
        JsonNode ingest = find(stage.path("MethodSettings"), "ResourcePath", "/~1api~1v1~1events");
        // by default the seed's 1,000+ events/s with half again of headroom, and a burst of two seconds of it
        assertThat(ingest.path("ThrottlingRateLimit").asInt()).isEqualTo(DeployOptions.DEFAULT_INGEST_RATE_LIMIT)
                .isEqualTo(1500);
        assertThat(ingest.path("ThrottlingBurstLimit").asInt()).isEqualTo(3000);
    }

    /** Each method setting replaces the stage-wide one for its method, so each must repeat metrics and logging. */
    @Test
    void api_stage_everyMethodSettingKeepsDetailedMetricsAndErrorLogsWithoutDataTrace() {
        JsonNode stage = t.properties(t.logicalIds("AWS::ApiGateway::Stage").get(0));
        assertThat(stage.path("MethodSettings").size()).isGreaterThan(1);
        for (JsonNode setting : stage.path("MethodSettings")) {
            String method = setting.path("HttpMethod").asText() + " " + setting.path("ResourcePath").asText();
            assertThat(setting.path("MetricsEnabled").asBoolean()).as(method).isTrue();
            assertThat(setting.path("LoggingLevel").asText()).as(method).isEqualTo("ERROR");
            assertThat(setting.path("DataTraceEnabled").asBoolean(true)).as(method).isFalse();
        }
    }

    @Test
    void api_withIngestRateLimitContext_scalesTheMethodAndKeyThrottlesAndCapsBurstsAtTheAccountBurst() {
        SynthesizedTemplate wider = SynthesizedTemplate.synthesize(Map.of(DeployOptions.INGEST_RATE_LIMIT, "4000"));

        JsonNode stage = wider.properties(wider.logicalIds("AWS::ApiGateway::Stage").get(0));
        JsonNode ingest = find(stage.path("MethodSettings"), "ResourcePath", "/~1api~1v1~1events");
        assertThat(ingest.path("ThrottlingRateLimit").asInt()).isEqualTo(4000);
        assertThat(ingest.path("ThrottlingBurstLimit").asInt()).isEqualTo(5000);
        JsonNode plan = wider.properties(wider.logicalIds("AWS::ApiGateway::UsagePlan").get(0));
        assertThat(plan.path("Throttle").path("RateLimit").asInt()).isEqualTo(3200);
        assertThat(plan.path("Throttle").path("BurstLimit").asInt()).isEqualTo(5000);
    }

    @Test
    void api_withIngestRateLimitAboveTheAccountQuota_failsSynthNamingTheKey() {
        assertThatThrownBy(() -> SynthesizedTemplate.synthesize(Map.of(DeployOptions.INGEST_RATE_LIMIT, "20000")))
                .hasStackTraceContaining(DeployOptions.INGEST_RATE_LIMIT)
                .hasStackTraceContaining("20000");
    }

    @Test
    void api_byDefault_leavesTheAccountsApiGatewayCloudWatchRoleAlone() {
        // API Gateway's CloudWatch role is one setting per account and region: creating it would take it over
        t.template.resourceCountIs("AWS::ApiGateway::Account", 0);
        assertThat(rolesWithManagedPolicy("AmazonAPIGatewayPushToCloudWatchLogs", t)).isEmpty();
    }

    @Test
    void api_withApiGatewayCloudWatchRoleContext_createsTheRoleSetsItOnTheAccountAndRetainsBoth() {
        SynthesizedTemplate withRole = SynthesizedTemplate.synthesize(
                Map.of(DeployOptions.API_GATEWAY_CLOUDWATCH_ROLE, "true"));
        List<String> accounts = withRole.logicalIds("AWS::ApiGateway::Account");
        assertThat(accounts).hasSize(1);
        List<String> roles = rolesWithManagedPolicy("AmazonAPIGatewayPushToCloudWatchLogs", withRole);
        assertThat(roles).hasSize(1);
        assertThat(withRole.properties(accounts.get(0)).path("CloudWatchRoleArn").path("Fn::GetAtt").path(0).asText())
                .isEqualTo(roles.get(0));
        assertThat(withRole.properties(roles.get(0)).path("AssumeRolePolicyDocument").toString())
                .contains("apigateway.amazonaws.com");
        // other APIs of the account may log through the role by the time this stack is deleted
        assertThat(withRole.resources().path(accounts.get(0)).path("DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(withRole.resources().path(roles.get(0)).path("DeletionPolicy").asText()).isEqualTo("Retain");
    }

    @Test
    void apiGatewayCloudWatchRole_whenNotABoolean_failsSynthNamingTheContextKey() {
        assertThatThrownBy(() -> SynthesizedTemplate.synthesize(
                Map.of(DeployOptions.API_GATEWAY_CLOUDWATCH_ROLE, "yes")))
                .hasMessageContaining("apiGatewayCloudWatchRole").hasMessageContaining("yes");
    }

    @Test
    void api_gatewayErrors_useTheRelayErrorEnvelope() {
        for (String type : List.of("DEFAULT_4XX", "DEFAULT_5XX")) {
            t.template.hasResourceProperties("AWS::ApiGateway::GatewayResponse", Map.of(
                    "ResponseType", type,
                    "ResponseTemplates", Map.of("application/json",
                            Match.stringLikeRegexp(".*\"success\":false,\"error\":\\{\"code\".*"))));
        }
    }

    // --- Least privilege ---

    @Test
    void ingestRole_whenSynthesized_canWriteEventsAndSendButNeverConsumeTheQueue() {
        String fn = t.functionId(INGEST);
        assertThat(t.allowedActionsOn(fn, eventsTableId()))
                .contains("dynamodb:PutItem", "dynamodb:Query", "dynamodb:DescribeTable");
        assertThat(t.allowedActionsOn(fn, deliveryQueueId())).contains("sqs:SendMessage");
        assertThat(t.allowedActionsOn(fn, payloadBucketId())).containsExactlyInAnyOrder("s3:PutObject", "s3:GetObject",
                "s3:DeleteObject");
        assertThat(t.allowedActions(fn)).doesNotContain("sqs:ReceiveMessage", "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility", "sqs:StartMessageMoveTask");
        assertThat(t.allowedActionsOn(fn, subscriptionsTableId())).isEmpty();
        assertThat(t.allowedActionsOn(fn, dlqId())).isEmpty();
    }

    @Test
    void sweeperRole_whenSynthesized_writesOnlyTheEventsTableReadsSubscriptionsAndSendsToTheQueue() {
        String fn = t.functionId(SWEEPER);
        assertThat(t.allowedActionsOn(fn, eventsTableId())).contains("dynamodb:Query", "dynamodb:UpdateItem");
        assertThat(t.allowedActionsOn(fn, deliveryQueueId())).contains("sqs:SendMessage")
                .doesNotContain("sqs:ReceiveMessage", "sqs:DeleteMessage");
        assertThat(t.allowedActionsOn(fn, payloadBucketId())).isEmpty();
        // HeldTaskWatchdog reads holding subscriptions (and once looks through all); the sweeper never writes them
        assertThat(t.allowedActionsOn(fn, subscriptionsTableId()))
                .containsExactlyInAnyOrder("dynamodb:GetItem", "dynamodb:Scan");
    }

    @Test
    void deliveryRole_whenSynthesized_consumesBothLanesSendsToTheDlqAndOnlyReadsPayloads() {
        String fn = t.functionId(DELIVERY);
        for (String lane : List.of(deliveryQueueId(), slowQueueId())) {
            assertThat(t.allowedActionsOn(fn, lane)).as(lane).contains("sqs:ReceiveMessage", "sqs:DeleteMessage",
                    "sqs:ChangeMessageVisibility", "sqs:SendMessage");
        }
        assertThat(t.allowedActionsOn(fn, payloadBucketId())).containsExactly("s3:GetObject");
        assertThat(t.allowedActionsOn(fn, subscriptionsTableId())).contains("dynamodb:UpdateItem");
        assertThat(t.allowedActionsOn(fn, eventsTableId())).contains("dynamodb:PutItem");
        // the relay dead-letters an exhausted task itself; it never reads or redrives the DLQ
        assertThat(t.allowedActionsOn(fn, dlqId())).containsExactly("sqs:SendMessage");
        assertThat(t.allowedActionsOn(fn, notificationTopicId())).containsExactly("sns:Publish");
    }

    @Test
    void notificationPublishers_whenSynthesized_areDeliveryAndManagementOnlyWithTheTopicsOwnKey() {
        String key = notificationKeyId();
        for (String handler : List.of(DELIVERY, MANAGEMENT)) {
            String fn = t.functionId(handler);
            assertThat(t.allowedActionsOn(fn, notificationTopicId())).as(handler).containsExactly("sns:Publish");
            // SNS encrypts with the topic's key as the publisher
            assertThat(t.allowedActionsOn(fn, key)).as(handler)
                    .containsExactlyInAnyOrder("kms:GenerateDataKey", "kms:Decrypt");
        }
        for (String handler : List.of(INGEST, SWEEPER)) {
            assertThat(t.allowedActions(t.functionId(handler))).as(handler)
                    .doesNotContain("sns:Publish", "kms:GenerateDataKey", "kms:Decrypt");
        }
        // no function may use the alarm topic's key, nor publish to the alarm topic
        for (String handler : HANDLERS) {
            assertThat(t.allowedActionsOn(t.functionId(handler), alarmTopicId())).as(handler).isEmpty();
        }
    }

    @Test
    void managementRole_whenSynthesized_canRedriveTheDlqButNotUpdateEventsOrDropTables() {
        String fn = t.functionId(MANAGEMENT);
        assertThat(t.allowedActionsOn(fn, dlqId())).contains("sqs:StartMessageMoveTask", "sqs:ListMessageMoveTasks",
                "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes");
        // replay, and the DRAIN / RECOVER tasks of resume and recover, go to the main lane
        assertThat(t.allowedActionsOn(fn, deliveryQueueId())).contains("sqs:SendMessage")
                .doesNotContain("sqs:ReceiveMessage", "sqs:DeleteMessage");
        // the slow lane only for its counts (GET /api/v1/queues): nothing is sent to it, received or deleted
        assertThat(t.allowedActionsOn(fn, slowQueueId())).containsExactly("sqs:GetQueueAttributes");
        assertThat(t.allowedActionsOn(fn, subscriptionsTableId())).contains("dynamodb:PutItem", "dynamodb:DeleteItem");
        // replay reads the event (EventStore.find); the only writes and queries are to recovery items (RECOVERY#...)
        // and audit records (AUDIT#...), and the puts of a test event's items (EVENT#..., KEY#...): PutItem only
        for (JsonNode statement : t.roleStatements(fn)) {
            if (statement.path("Resource").toString().contains("\"" + eventsTableId() + "\"")
                    && !statement.path("Action").toString().equals("\"dynamodb:GetItem\"")) {
                JsonNode keys = statement.at("/Condition/ForAllValues:StringLike/dynamodb:LeadingKeys");
                List<String> prefixes = new ArrayList<>();
                if (keys.isArray()) {
                    keys.forEach(k -> prefixes.add(k.asText()));
                } else if (!keys.isMissingNode()) {
                    prefixes.add(keys.asText());
                }
                assertThat(prefixes).as(statement.toString()).isNotEmpty();
                if (statement.path("Action").toString().equals("\"dynamodb:PutItem\"")) {
                    assertThat(prefixes).as(statement.toString()).isSubsetOf(RelaySchema.RECOVERY_PK_PREFIX + "*",
                            RelaySchema.AUDIT_PK_PREFIX + "*", "EVENT#*", "KEY#*");
                } else {
                    assertThat(prefixes).as(statement.toString())
                            .isSubsetOf(RelaySchema.RECOVERY_PK_PREFIX + "*", RelaySchema.AUDIT_PK_PREFIX + "*");
                }
            }
        }
        assertThat(t.allowedActionsOn(fn, eventsTableId())).containsExactlyInAnyOrder("dynamodb:GetItem",
                "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query");
        assertThat(t.allowedActionsOn(fn, payloadBucketId())).containsExactly("s3:GetObject");
        assertThat(t.allowedActions(fn)).doesNotContain("dynamodb:DeleteTable", "dynamodb:*", "sqs:*", "s3:*");
    }

    @Test
    void roles_whenSynthesized_neverGrantServiceWideWildcards() {
        for (String handler : HANDLERS) {
            for (String action : t.allowedActions(t.functionId(handler))) {
                assertThat(action).as(handler).doesNotEndWith(":*").isNotEqualTo("*");
            }
        }
    }

    // --- Alarms and outputs ---

    @Test
    void alarms_whenSynthesized_watchDlqDepthAndNotifyTheTopic() {
        String topic = alarmTopicId();
        t.template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of(
                "MetricName", "ApproximateNumberOfMessagesVisible",
                "Namespace", "AWS/SQS",
                "Threshold", 0,
                "ComparisonOperator", "GreaterThanThreshold",
                "Dimensions", List.of(Map.of("Name", "QueueName",
                        "Value", Map.of("Fn::GetAtt", List.of(dlqId(), "QueueName")))),
                "AlarmActions", List.of(Map.of("Ref", topic)),
                "OKActions", List.of(Map.of("Ref", topic))));
        assertThat(t.properties(topic).path("KmsMasterKeyId").isMissingNode()).isFalse();
        assertThat(denySecureTransportFalse("AWS::SNS::TopicPolicy", "Topics", topic)).isTrue();
    }

    @Test
    void alarmTopic_whenSynthesized_letsCloudWatchAlarmsOfThisAccountPublishAndUseItsKey() {
        String topic = alarmTopicId();
        // enforceSsl replaces SNS's default topic policy: without an Allow for CloudWatch every alarm action fails
        JsonNode allow = topicPolicyStatements(topic).stream()
                .filter(st -> "Allow".equals(st.path("Effect").asText()))
                .filter(st -> "cloudwatch.amazonaws.com".equals(st.path("Principal").path("Service").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Allow for cloudwatch.amazonaws.com on the topic"));
        assertThat(allow.path("Action").asText()).isEqualTo("sns:Publish");
        assertThat(allow.path("Resource").path("Ref").asText()).isEqualTo(topic);
        assertThat(allow.path("Condition").path("StringEquals").path("aws:SourceAccount").path("Ref").asText())
                .isEqualTo("AWS::AccountId");
        assertThat(allow.path("Condition").path("ArnLike").path("aws:SourceArn").toString())
                .contains(":cloudwatch:", "AWS::Region", "AWS::AccountId", ":alarm:*");
        // the topic's own key (not alias/aws/sns, whose policy CloudWatch cannot be granted), usable by CloudWatch
        String key = t.properties(topic).path("KmsMasterKeyId").path("Fn::GetAtt").path(0).asText();
        assertThat(t.resources().path(key).path("Type").asText()).isEqualTo("AWS::KMS::Key");
        JsonNode keyGrant = null;
        for (JsonNode st : t.properties(key).path("KeyPolicy").path("Statement")) {
            if ("cloudwatch.amazonaws.com".equals(st.path("Principal").path("Service").asText())) {
                keyGrant = st;
            }
        }
        assertThat(keyGrant).as("key policy statement for cloudwatch.amazonaws.com").isNotNull();
        assertThat(keyGrant.path("Action").toString()).contains("kms:Decrypt", "kms:GenerateDataKey*");
    }

    @Test
    void alarmTopic_withoutAlarmEmail_hasNoSubscription() {
        t.template.resourceCountIs("AWS::SNS::Subscription", 0);
    }

    @Test
    void alarmTopic_withAlarmEmailContext_subscribesTheAddressToItAndToTheNotificationTopic() {
        SynthesizedTemplate withEmail = SynthesizedTemplate.synthesize(
                Map.of(DeployOptions.ALARM_EMAIL, "ops@example.com"));
        withEmail.template.resourceCountIs("AWS::SNS::Subscription", 2);
        for (String topic : withEmail.logicalIds("AWS::SNS::Topic")) {
            withEmail.template.hasResourceProperties("AWS::SNS::Subscription", Map.of(
                    "Protocol", "email",
                    "Endpoint", "ops@example.com",
                    "TopicArn", Map.of("Ref", topic)));
        }
    }

    @Test
    void notificationTopic_whenSynthesized_isEncryptedWithItsOwnRotatedKeyAndRefusesInsecureTransport() {
        String topic = notificationTopicId();
        assertThat(topic).isNotEqualTo(alarmTopicId());
        String key = t.properties(topic).path("KmsMasterKeyId").path("Fn::GetAtt").path(0).asText();
        assertThat(key).isEqualTo(notificationKeyId());
        assertThat(t.resources().path(key).path("Type").asText()).isEqualTo("AWS::KMS::Key");
        assertThat(t.properties(key).path("EnableKeyRotation").asBoolean()).isTrue();
        assertThat(key).isNotEqualTo(t.properties(alarmTopicId()).path("KmsMasterKeyId").path("Fn::GetAtt").path(0)
                .asText());
        assertThat(denySecureTransportFalse("AWS::SNS::TopicPolicy", "Topics", topic)).isTrue();
        // no service principal may publish: only the functions' roles, through IAM
        assertThat(topicPolicyStatements(topic)).noneMatch(st -> "Allow".equals(st.path("Effect").asText()));
        assertThat(t.json.path("Outputs").path("NotificationTopicArn").path("Value").path("Ref").asText())
                .isEqualTo(topic);
    }

    @Test
    void deliveryEventSource_withDeliveryMaxConcurrencyContext_usesIt() {
        SynthesizedTemplate wider = SynthesizedTemplate.synthesize(
                Map.of(DeployOptions.DELIVERY_MAX_CONCURRENCY, "50"));

        wider.template.hasResourceProperties("AWS::Lambda::EventSourceMapping",
                Map.of("ScalingConfig", Map.of("MaximumConcurrency", 50)));
        wider.template.hasResourceProperties("AWS::Lambda::EventSourceMapping",
                Map.of("ScalingConfig", Map.of("MaximumConcurrency",
                        DeployOptions.DEFAULT_DELIVERY_SLOW_MAX_CONCURRENCY)));
    }

    @Test
    void slowEventSource_withDeliverySlowMaxConcurrencyContext_usesItOnTheSlowLaneOnly() {
        SynthesizedTemplate wider = SynthesizedTemplate.synthesize(
                Map.of(DeployOptions.DELIVERY_SLOW_MAX_CONCURRENCY, "8"));

        Map<String, Integer> concurrencyByQueue = new java.util.HashMap<>();
        for (String mapping : wider.logicalIds("AWS::Lambda::EventSourceMapping")) {
            JsonNode props = wider.properties(mapping);
            concurrencyByQueue.put(props.path("EventSourceArn").path("Fn::GetAtt").path(0).asText(),
                    props.path("ScalingConfig").path("MaximumConcurrency").asInt());
        }
        assertThat(concurrencyByQueue).containsEntry(slowQueueId(), 8)
                .containsEntry(deliveryQueueId(), DeployOptions.DEFAULT_DELIVERY_MAX_CONCURRENCY);
    }

    @Test
    void deliveryMaxConcurrency_whenOutsideWhatLambdaAllows_failsSynthNamingTheContextKey() {
        for (String key : List.of(DeployOptions.DELIVERY_MAX_CONCURRENCY,
                DeployOptions.DELIVERY_SLOW_MAX_CONCURRENCY)) {
            for (String bad : java.util.List.of("1", "1001", "many", "2.5")) {
                assertThatThrownBy(() -> SynthesizedTemplate.synthesize(Map.of(key, bad)))
                        .as(key + "=" + bad).hasMessageContaining(key).hasMessageContaining(bad);
            }
        }
    }

    @Test
    void alarmEmail_whenNotAnAddress_failsSynthNamingTheContextKey() {
        assertThatThrownBy(() -> SynthesizedTemplate.synthesize(Map.of(DeployOptions.ALARM_EMAIL, "ops-at-example")))
                .hasMessageContaining("alarmEmail").hasMessageContaining("ops-at-example");
    }

    @Test
    void outputs_whenSynthesized_includeTheApiUrlKeyQueuesAndTables() {
        Set<String> outputs = new java.util.HashSet<>();
        t.json.path("Outputs").fieldNames().forEachRemaining(outputs::add);
        assertThat(outputs).contains("ApiUrl", "IngestApiKeyId", "DeliveryQueueUrl", "DeliveryDlqUrl",
                "DeliverySlowQueueUrl", "EventsTableName", "SubscriptionsTableName", "PayloadBucketName",
                "AlarmTopicArn", "NotificationTopicArn", "OperatorPolicyArn", "DashboardUrl",
                "FailedAttemptsInsightRule");
        assertThat(t.json.path("Outputs").path("ApiUrl").path("Value").toString()).contains("execute-api");
    }

    // --- helpers ---

    /** The main lane: the queue named {@code <stack name>-Delivery}. */
    private static String deliveryQueueId() {
        return queueNamed(RelaySchema.DELIVERY.logicalName());
    }

    /** The slow lane: the queue named {@code <stack name>-DeliverySlow}. */
    private static String slowQueueId() {
        return queueNamed(RelaySchema.DELIVERY_SLOW.logicalName());
    }

    private static String queueNamed(String logicalName) {
        List<String> queues = t.logicalIds("AWS::SQS::Queue").stream()
                .filter(id -> t.properties(id).path("QueueName").toString().contains("\"" + logicalName + "\""))
                .toList();
        assertThat(queues).as("queues named <stack>-" + logicalName).hasSize(1);
        return queues.get(0);
    }

    private static String alarmTopicId() {
        return topicWithDisplayName("Webhook relay alarms");
    }

    private static String notificationTopicId() {
        return topicWithDisplayName("Webhook relay subscription state changes");
    }

    private static String notificationKeyId() {
        return t.properties(notificationTopicId()).path("KmsMasterKeyId").path("Fn::GetAtt").path(0).asText();
    }

    private static String topicWithDisplayName(String displayName) {
        List<String> topics = t.logicalIds("AWS::SNS::Topic").stream()
                .filter(id -> displayName.equals(t.properties(id).path("DisplayName").asText())).toList();
        assertThat(topics).as("topics named " + displayName).hasSize(1);
        return topics.get(0);
    }

    private static String dlqId() {
        return t.logicalIds("AWS::SQS::Queue").stream()
                .filter(id -> !t.properties(id).has("RedrivePolicy")).findFirst().orElseThrow();
    }

    private static String tableId(RelaySchema.Table spec) {
        return t.logicalIds("AWS::DynamoDB::Table").stream()
                .filter(id -> id.startsWith(spec.logicalName() + "Table")).findFirst().orElseThrow();
    }

    private static String eventsTableId() {
        return tableId(RelaySchema.EVENTS);
    }

    private static String subscriptionsTableId() {
        return tableId(RelaySchema.SUBSCRIPTIONS);
    }

    private static String payloadBucketId() {
        return t.logicalIds("AWS::S3::Bucket").stream()
                .filter(id -> id.startsWith("PayloadBucket")).findFirst().orElseThrow();
    }

    private static String ruleWithSchedule(String expression) {
        List<String> rules = t.logicalIds("AWS::Events::Rule").stream()
                .filter(id -> expression.equals(t.properties(id).path("ScheduleExpression").asText()))
                .toList();
        assertThat(rules).as("rules with " + expression).hasSize(1);
        return rules.get(0);
    }

    private static List<String> rolesWithManagedPolicy(String policyName, SynthesizedTemplate template) {
        return template.logicalIds("AWS::IAM::Role").stream()
                .filter(id -> template.properties(id).path("ManagedPolicyArns").toString().contains(policyName))
                .toList();
    }

    private static List<JsonNode> topicPolicyStatements(String topicId) {
        List<JsonNode> statements = new ArrayList<>();
        for (String policyId : t.logicalIds("AWS::SNS::TopicPolicy")) {
            JsonNode props = t.properties(policyId);
            if (props.path("Topics").toString().contains("\"" + topicId + "\"")) {
                props.path("PolicyDocument").path("Statement").forEach(statements::add);
            }
        }
        return statements;
    }

    /** Whether a policy of {@code type} on the resource denies every request made without TLS. */
    private static boolean denySecureTransportFalse(String type, String targetProperty, String resourceId) {
        for (String policyId : t.logicalIds(type)) {
            JsonNode props = t.properties(policyId);
            if (!props.path(targetProperty).toString().contains("\"" + resourceId + "\"")) {
                continue;
            }
            for (JsonNode statement : props.path("PolicyDocument").path("Statement")) {
                if ("Deny".equals(statement.path("Effect").asText())
                        && "false".equals(statement.path("Condition").path("Bool").path("aws:SecureTransport")
                                .asText())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode element : array) {
            if (value.equals(element.path(field).asText())) {
                return element;
            }
        }
        throw new AssertionError("no element with " + field + "=" + value + " in " + array);
    }

    private static List<String> keySchema(JsonNode keySchema) {
        List<String> keys = new ArrayList<>();
        keySchema.forEach(k -> keys.add(k.path("AttributeName").asText() + ":" + k.path("KeyType").asText()));
        return keys;
    }

    private static List<String> keys(RelaySchema.Key partition, RelaySchema.Key sort) {
        List<String> keys = new ArrayList<>();
        keys.add(partition.name() + ":HASH");
        if (sort != null) {
            keys.add(sort.name() + ":RANGE");
        }
        return keys;
    }
}
