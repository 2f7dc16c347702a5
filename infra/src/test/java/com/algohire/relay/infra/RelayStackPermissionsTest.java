package com.algohire.relay.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.internal.AwsClients;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.regions.Region;

/**
 * Each function role allows exactly what its handler's AWS SDK calls need, on exactly the resource they are made
 * on. Nothing here can be deployed, so a missing grant would only show up in production as AccessDenied: the tables
 * below are the contract, written from the code (the comment on each line names the call), and the synthesized
 * policies must equal them. An extra grant fails too (least privilege).
 *
 * <p>Resources are named by their construct id: {@code EventsTable}, {@code EventsTable/index/byTypeShard},
 * {@code PayloadBucket/payloads/*}, {@code DeliveryQueue}, {@code DeliverySlowQueue}, {@code DeliveryDlq},
 * {@code NotificationsTopic}, {@code NotificationsTopicKey}, {@code *}.
 *
 * <p>Issue 8's grants name the code paths of the design (held tasks, DRAIN, PROBE, RECOVER, pause/resume, the
 * relay's own dead-lettering): the classes that make those calls are written beside this stack, so these lines say
 * what each call is for rather than which method makes it.
 */
class RelayStackPermissionsTest {

    private static final String INGEST = "com.algohire.relay.api.IngestApiHandler";
    private static final String SWEEPER = "com.algohire.relay.ingest.SweeperHandler";
    private static final String DELIVERY = "com.algohire.relay.delivery.DeliveryHandler";
    private static final String MANAGEMENT = "com.algohire.relay.api.ManagementApiHandler";

    /**
     * Active tracing (-c xrayTracing=true, which these tests synthesize with so that the grants it adds are checked
     * too): X-Ray's write actions have no resource-level permissions. Every function then has them.
     */
    private static final List<String> TRACING = List.of(
            "* xray:PutTraceSegments",
            "* xray:PutTelemetryRecords");

    private static final List<String> INGEST_GRANTS = List.of(
            "EventsTable dynamodb:PutItem",              // EventIngestion.putIfAbsent: key item, then event item
            "EventsTable dynamodb:GetItem",              // EventIngestion.repeat; EventStore.find (GET /events/{id})
            "EventsTable dynamodb:UpdateItem",           // PendingEvents.claim / enqueue (mark QUEUED) / markFailed
            "EventsTable dynamodb:DeleteItem",           // EventIngestion.releaseKey
            "EventsTable dynamodb:Query",                // EventStore.deliveryLogs (base table, begins_with sk)
            "EventsTable dynamodb:BatchGetItem",         // DeliveryStates.findAll: a list page's delivery states
            "EventsTable dynamodb:DescribeTable",        // HealthCheck (GET /api/v1/health)
            "EventsTable/index/byTypeShard dynamodb:Query", // EventList with eventType (GET /events?eventType=)
            "EventsTable/index/byDayShard dynamodb:Query",  // EventList without eventType
            "PayloadBucket/payloads/* s3:PutObject",     // PayloadStore.put (payload over the inline limit)
            "PayloadBucket/payloads/* s3:GetObject",     // PayloadStore.get via EventStore.find
            "PayloadBucket/payloads/* s3:DeleteObject",  // EventIngestion.deleteOrphan
            "DeliveryQueue sqs:SendMessage",             // TaskQueue.send (FAN_OUT task)
            "DeliveryQueue sqs:GetQueueAttributes");     // HealthCheck (GET /api/v1/health)

    private static final List<String> SWEEPER_GRANTS = List.of(
            "EventsTable/index/pendingEnqueue dynamodb:Query", // Sweeper.run
            "EventsTable dynamodb:UpdateItem",                 // PendingEvents.claim / enqueue / markFailed;
                                                               // HoldStore.mark (the watchdog's one-time look)
            "EventsTable dynamodb:GetItem",                    // PendingEvents.claim read-back; Sweeper.namedByItsKey;
                                                               // HoldStore.cursor
            "EventsTable dynamodb:DeleteItem",                 // Sweeper.discard; HoldStore.release (quiet marker)
            "EventsTable dynamodb:Query",                      // HeldTaskWatchdog: HOLDING# markers, oldest HOLD#
            "EventsTable dynamodb:PutItem if ForAllValues:StringLike dynamodb:LeadingKeys=WATCHDOG#CURSOR",
                                                               // HoldStore.saveCursor
            "SubscriptionsTable dynamodb:GetItem",             // HeldTaskWatchdog: a holding subscription
            "SubscriptionsTable dynamodb:Scan",                // HeldTaskWatchdog: the one-time look for old holds
            "DeliveryQueue sqs:SendMessage");                  // TaskQueue.send; the watchdog's DRAIN / PROBE

    private static final List<String> DELIVERY_GRANTS = List.of(
            "EventsTable dynamodb:GetItem",              // EventStore.find (FanOut.run, WebhookDelivery.deliver)
            "EventsTable dynamodb:PutItem",              // DeliveryLog.record; a HOLD# item; RecoveryStore.commit
            "EventsTable dynamodb:Query",                // held tasks (HOLD#); RecoveryWorker.wasDelivered
            "EventsTable dynamodb:DeleteItem",           // a held task DRAIN has re-queued
            "EventsTable dynamodb:UpdateItem",           // RecoveryStore.claim (RECOVER step lease); DeliveryStates
                                                         // (fannedOut, record: an attempt's or a hold's state);
                                                         // a HOLDING# marker (HoldStore.hold)
            "EventsTable/index/byDayShard dynamodb:Query", // RecoveryWorker: events since the recovery's time
            "SubscriptionsTable dynamodb:Scan",          // SubscriptionStore.listForFanOut (FanOut.snapshot)
            "SubscriptionsTable dynamodb:GetItem",       // SubscriptionStore.find (WebhookDelivery.deliver)
            "SubscriptionsTable dynamodb:UpdateItem",    // disable (410, auto-disable); health writes; probe claim
            "PayloadBucket/payloads/* s3:GetObject",     // PayloadStore.get via EventStore.find
            "DeliveryQueue sqs:SendMessage",             // FanOut; a retry's new message; DRAIN / PROBE / RECOVER
            "DeliveryQueue sqs:ChangeMessageVisibility", // a task before its notBefore; unfinished at the deadline
            "DeliverySlowQueue sqs:SendMessage",         // the same for slow-lane subscriptions; forwarding there
            "DeliverySlowQueue sqs:ChangeMessageVisibility",
            "DeliveryDlq sqs:SendMessage",               // an exhausted task, dead-lettered by the relay itself
            "NotificationsTopic sns:Publish",            // Notifier: breaker, degraded, disabled changes
            "NotificationsTopicKey kms:GenerateDataKey", // SNS encrypts with the topic's key as the publisher
            "NotificationsTopicKey kms:Decrypt",
            // The SQS event source mappings poll as the function's role (SqsEventSource's grantConsumeMessages):
            "DeliveryQueue sqs:ReceiveMessage",
            "DeliveryQueue sqs:DeleteMessage",
            "DeliveryQueue sqs:GetQueueAttributes",
            "DeliveryQueue sqs:GetQueueUrl",
            "DeliverySlowQueue sqs:ReceiveMessage",
            "DeliverySlowQueue sqs:DeleteMessage",
            "DeliverySlowQueue sqs:GetQueueAttributes",
            "DeliverySlowQueue sqs:GetQueueUrl");

    private static final List<String> MANAGEMENT_GRANTS = List.of(
            "SubscriptionsTable dynamodb:PutItem",       // SubscriptionStore.create
            "SubscriptionsTable dynamodb:UpdateItem",    // SubscriptionStore.replace (PATCH, rotate, pause, resume,
                                                         // re-enable)
            "SubscriptionsTable dynamodb:GetItem",       // SubscriptionStore.find (GET, PATCH, rotate, replay)
            "SubscriptionsTable dynamodb:DeleteItem",    // SubscriptionStore.delete
            "SubscriptionsTable dynamodb:Scan",          // SubscriptionStore.list
            "EventsTable dynamodb:GetItem",              // replay: EventStore.find; RecoveryStore.find
            // Recovery and audit items (RecoveryStore.create, .commitFailed; AuditTrail.record, .list), and puts of a
            // test event's key, event and delivery-state items (TestEvents, conditional on absence): no update of an
            // event, no log.
            "EventsTable dynamodb:PutItem if ForAllValues:StringLike dynamodb:LeadingKeys=RECOVERY#*,AUDIT#*,EVENT#*,"
                    + "KEY#*",
            "EventsTable dynamodb:UpdateItem if ForAllValues:StringLike dynamodb:LeadingKeys=RECOVERY#*",
            "EventsTable dynamodb:Query if ForAllValues:StringLike dynamodb:LeadingKeys=AUDIT#*",
            "PayloadBucket/payloads/* s3:GetObject",     // replay: EventStore.find of a large event
            "NotificationsTopic sns:Publish",            // Notifier: paused / resumed / re-enabled by an operator
            "NotificationsTopicKey kms:GenerateDataKey", // SNS encrypts with the topic's key as the publisher
            "NotificationsTopicKey kms:Decrypt",
            "DeliveryQueue sqs:SendMessage",             // replay, test event, DRAIN, RECOVER; redrive's destination
            "DeliveryQueue sqs:GetQueueAttributes",      // DeadLetterQueue.arn(destination); QueueStatistics
            "DeliverySlowQueue sqs:GetQueueAttributes",  // QueueStatistics (GET /api/v1/queues)
            "DeliveryDlq sqs:GetQueueAttributes",        // DeadLetterQueue.describe, .arn; StartMessageMoveTask;
                                                         // QueueStatistics
            "DeliveryDlq sqs:ReceiveMessage",            // DeadLetterQueue.describe (peek); StartMessageMoveTask
            "DeliveryDlq sqs:DeleteMessage",             // StartMessageMoveTask (SQS requires it on the source)
            "DeliveryDlq sqs:ListMessageMoveTasks",      // DeadLetterQueue.redrive: one running?; .describe: progress
            "DeliveryDlq sqs:StartMessageMoveTask",      // DeadLetterQueue.redrive
            // GET /api/v1/stats and the queues' oldest-message age (GET /api/v1/queues); no resource-level
            // permissions exist for GetMetricData
            "* cloudwatch:GetMetricData");

    /** Never on a function role, whatever the resource. */
    private static final List<String> DANGEROUS = List.of(
            "dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:CreateTable", "dynamodb:BatchWriteItem",
            "dynamodb:RestoreTableFromBackup", "dynamodb:UpdateTimeToLive", "dynamodb:UpdateContinuousBackups",
            "sqs:PurgeQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:AddPermission", "sqs:CreateQueue",
            "sqs:CancelMessageMoveTask",
            "s3:DeleteBucket", "s3:PutBucketPolicy", "s3:PutLifecycleConfiguration", "s3:PutBucketAcl",
            "s3:PutObjectAcl", "s3:ListBucket",
            "iam:PassRole", "lambda:InvokeFunction", "lambda:UpdateFunctionCode",
            "kms:Encrypt", "kms:CreateGrant", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy");

    private static SynthesizedTemplate t;

    @BeforeAll
    static void synthesize() {
        t = SynthesizedTemplate.synthesize(Map.of(DeployOptions.XRAY_TRACING, "true"));
    }

    @Test
    void ingestRole_whenSynthesized_grantsExactlyItsSdkCalls() {
        assertThat(grants(INGEST)).containsExactlyInAnyOrderElementsOf(expected(INGEST_GRANTS));
    }

    @Test
    void sweeperRole_whenSynthesized_grantsExactlyItsSdkCalls() {
        assertThat(grants(SWEEPER)).containsExactlyInAnyOrderElementsOf(expected(SWEEPER_GRANTS));
    }

    @Test
    void deliveryRole_whenSynthesized_grantsExactlyItsSdkCalls() {
        assertThat(grants(DELIVERY)).containsExactlyInAnyOrderElementsOf(expected(DELIVERY_GRANTS));
    }

    @Test
    void managementRole_whenSynthesized_grantsExactlyItsSdkCalls() {
        assertThat(grants(MANAGEMENT)).containsExactlyInAnyOrderElementsOf(expected(MANAGEMENT_GRANTS));
    }

    @Test
    void roles_whenSynthesized_neverAllowDangerousActionsOrWildcards() {
        for (String handler : List.of(INGEST, SWEEPER, DELIVERY, MANAGEMENT)) {
            Set<String> actions = t.allowedActions(t.functionId(handler));
            assertThat(actions).as(handler).doesNotContainAnyElementsOf(DANGEROUS);
            assertThat(actions).as(handler).allSatisfy(action -> assertThat(action).doesNotContain("*"));
            for (JsonNode statement : t.roleStatements(t.functionId(handler))) {
                assertThat(statement.has("NotAction") || statement.has("NotResource")).as(handler).isFalse();
            }
        }
    }

    /** kms:Decrypt is there for SNS publishing only: never on a key but the notification topic's. */
    @Test
    void roles_whenSynthesized_useKmsOnlyOnTheNotificationTopicsKey() {
        for (String handler : List.of(INGEST, SWEEPER, DELIVERY, MANAGEMENT)) {
            assertThat(grants(handler)).as(handler).filteredOn(grant -> grant.contains(" kms:"))
                    .allSatisfy(grant -> assertThat(grant).startsWith("NotificationsTopicKey "));
        }
    }

    @Test
    void roles_whenSynthesized_carryOnlyTheBasicExecutionManagedPolicy() {
        for (String handler : List.of(INGEST, SWEEPER, DELIVERY, MANAGEMENT)) {
            String roleId = t.properties(t.functionId(handler)).path("Role").path("Fn::GetAtt").path(0).asText();
            JsonNode managed = t.properties(roleId).path("ManagedPolicyArns");
            assertThat(managed.size()).as(handler).isEqualTo(1);
            assertThat(managed.toString()).as(handler).contains("service-role/AWSLambdaBasicExecutionRole");
        }
    }

    /**
     * SnapStart priming runs in Lambda's init, under the function's role like any invocation: a call its role does
     * not grant fails with AccessDenied on every version publish (and primes nothing). Each handler is built from
     * its template environment with clients aimed at a closed port and primed; every request its priming builds
     * (sent or not) is recorded as the IAM action it needs and the resource it names, and must be granted.
     */
    @Test
    void priming_ofEveryFunction_makesOnlyCallsItsRoleGrantsOnTheResourcesItNames() throws Exception {
        for (String handler : List.of(INGEST, SWEEPER, DELIVERY, MANAGEMENT)) {
            Set<String> granted = grants(handler);
            Set<String> calls = primingCalls(handler);
            assertThat(calls).as(handler + " primes with AWS calls").isNotEmpty();
            for (String call : calls) {
                assertThat(granted).as(handler + " priming calls " + call + "; its role grants " + granted)
                        .anyMatch(grant -> grant.equals(call) || grant.startsWith(call + " if "));
            }
        }
    }

    // --- helpers ---

    /** "resource action" of every SDK request the handler's prime() builds, resources named as in the grants. */
    private static Set<String> primingCalls(String handler) throws Exception {
        // bounded priming steps run on threads of their own
        Set<String> calls = Collections.synchronizedSet(new TreeSet<>());
        ExecutionInterceptor recorder = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                SdkRequest request = context.request();
                String service = request.getClass().getPackageName()
                        .replaceAll("^software\\.amazon\\.awssdk\\.services\\.([a-z0-9]+)\\.model$", "$1");
                String action = service + ":" + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
                calls.add(primedResource(request) + " " + action);
            }
        };
        AwsClients clients = new AwsClients(Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("unused", "unused")),
                URI.create("http://127.0.0.1:9"), URI.create("http://127.0.0.1:9"), URI.create("http://127.0.0.1:9"))
                .withInterceptors(List.of(recorder));
        Object function = Class.forName(handler).getConstructor(RelayConfig.class, AwsClients.class)
                .newInstance(RelayConfig.fromEnvironment(environment(handler)), clients);
        function.getClass().getMethod("prime").invoke(function);
        synchronized (calls) {
            return new TreeSet<>(calls);
        }
    }

    /** The resource a request names: {@code ref:<logical id>} values of {@link #environment} as construct ids. */
    private static String primedResource(SdkRequest request) {
        for (String field : List.of("TableName", "QueueUrl", "Bucket", "TopicArn")) {
            Optional<String> value = request.getValueForField(field, String.class);
            if (value.isPresent()) {
                String resource = constructId(value.get().replaceFirst("^.*ref:", ""));
                Optional<String> index = request.getValueForField("IndexName", String.class);
                if (index.isPresent()) {
                    return resource + "/index/" + index.get();
                }
                return field.equals("Bucket") ? resource + "/" + RelaySchema.PAYLOAD_PREFIX + "*" : resource;
            }
        }
        return "*";
    }

    /** The function's template environment, each reference {@code {"Ref": X}} as the text {@code ref:X}. */
    private static Map<String, String> environment(String handler) {
        Map<String, String> env = new LinkedHashMap<>();
        t.properties(t.functionId(handler)).path("Environment").path("Variables").fields().forEachRemaining(e ->
                env.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText()
                        : e.getValue().has("Ref") ? "ref:" + e.getValue().path("Ref").asText()
                        : "resolved:" + e.getValue()));
        return env;
    }


    private static List<String> expected(List<String> grants) {
        List<String> all = new ArrayList<>(TRACING);
        all.addAll(grants);
        return all;
    }

    /** "resource action" for every action on every resource of every statement of the function's role. */
    private static Set<String> grants(String handler) {
        Set<String> grants = new TreeSet<>();
        for (JsonNode statement : t.roleStatements(t.functionId(handler))) {
            assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
            String condition = condition(statement.path("Condition"));
            for (JsonNode resource : each(statement.path("Resource"))) {
                for (JsonNode action : each(statement.path("Action"))) {
                    grants.add(resourceName(resource) + " " + action.asText() + condition);
                }
            }
        }
        return grants;
    }

    /** A statement's condition as {@code " if <operator> <key>=<value>,..."}, or "" for none. */
    private static String condition(JsonNode condition) {
        if (condition.isMissingNode()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        condition.fields().forEachRemaining(operator -> operator.getValue().fields().forEachRemaining(key -> {
            List<String> values = new ArrayList<>();
            each(key.getValue()).forEach(v -> values.add(v.asText()));
            parts.add(operator.getKey() + " " + key.getKey() + "=" + String.join(",", values));
        }));
        return " if " + String.join(" and ", parts);
    }

    private static List<JsonNode> each(JsonNode node) {
        List<JsonNode> nodes = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(nodes::add);
        } else {
            nodes.add(node);
        }
        return nodes;
    }

    /**
     * {@code *}, {@code Fn::GetAtt [Id, Arn]} or {@code Fn::Join ["", [Fn::GetAtt [Id, Arn], "/suffix"]]} as the
     * construct id (the logical id without CDK's hash) plus suffix; anything else verbatim, so it fails visibly.
     */
    private static String resourceName(JsonNode resource) {
        if (resource.isTextual()) {
            return resource.asText();
        }
        if (resource.has("Fn::GetAtt") && "Arn".equals(resource.path("Fn::GetAtt").path(1).asText())) {
            return constructId(resource.path("Fn::GetAtt").path(0).asText());
        }
        if (resource.has("Ref") && resource.path("Ref").asText().startsWith("Notifications")) {
            return constructId(resource.path("Ref").asText()); // an SNS topic's Ref is its ARN
        }
        JsonNode join = resource.path("Fn::Join");
        if (join.isArray() && join.path(0).asText().isEmpty() && join.path(1).size() == 2
                && join.path(1).path(1).isTextual()) {
            return resourceName(join.path(1).path(0)) + join.path(1).path(1).asText();
        }
        return resource.toString();
    }

    private static String constructId(String logicalId) {
        return logicalId.matches(".*[0-9A-F]{8}") ? logicalId.substring(0, logicalId.length() - 8) : logicalId;
    }
}
