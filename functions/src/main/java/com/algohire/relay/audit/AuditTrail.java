package com.algohire.relay.audit;

import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.internal.StructuredLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Records every successful operator mutation in the events table and lists the records newest first.
 *
 * <p>One item per record: pk {@code AUDIT#<yyyy-mm-dd>} (the day it was written), sk {@code <time>#<requestId>},
 * kept for the retention period (TTL). The key makes the write idempotent: the time is taken once, before the put,
 * so when the reply of a put that committed is lost and the SDK retries, the retry carries the same key and its
 * {@code attribute_not_exists} condition fails on our own record, which is then already there. A failed write never
 * fails the operator's request (the action has happened): the error line, carrying every field of the record,
 * stands in for it.
 *
 * <p>The list walks days from {@code to}'s back to {@code from}'s (cut to the retention period), one query per day
 * newest first, and issues at most {@link #MAX_QUERIES} queries per call; when they run out the page comes back
 * short with a nextCursor, so no call's work depends on the range. Never a scan.
 */
public final class AuditTrail {
    /** An empty month of days per call at most; a longer empty range takes several calls. */
    static final int MAX_QUERIES = 31;
    /** The actor of a request without an IAM identity (locally there is no IAM in front). */
    public static final String LOCAL_ACTOR = "local-admin";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final String ACTOR = "actor";
    private static final String ACTION = "action";
    private static final String TARGET = "target";
    private static final String AT = "at";
    private static final String REQUEST_ID = "requestId";
    private static final String STATUS = "status";

    /** A page of records, newest first, and where the next starts (null when the range is exhausted). */
    public record Page(List<AuditEntry> entries, String nextCursor) {
    }

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Duration retention;
    private final Clock clock;
    private final StructuredLog log;
    private final AuditCursorCodec cursors;

    public AuditTrail(DynamoDbClient dynamoDb, String table, Duration retention, Clock clock, StructuredLog log) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.retention = retention;
        this.clock = clock;
        this.log = log;
        this.cursors = AuditCursorCodec.forTable(table);
    }

    /** Writes one record now; never throws (a failure is logged with the record's fields). */
    public void record(String actor, String action, String target, String requestId, int status) {
        AuditEntry entry = new AuditEntry(actor, action, target, clock.instant(), requestId, status);
        try {
            Map<String, AttributeValue> item = toItem(entry);
            dynamoDb.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(#pk)")
                    .expressionAttributeNames(Map.of("#pk", RelaySchema.PK)));
        } catch (ConditionalCheckFailedException e) {
            // Our own key: this put committed already and lost its reply; the SDK's retry found it.
            return;
        } catch (RuntimeException e) {
            Map<String, Object> fields = fields(entry);
            fields.put("exception", e.getClass().getName());
            log.error("audit write failed", fields);
            return;
        }
        log.info("audit", fields(entry));
    }

    /**
     * @param from     earliest record time (inclusive)
     * @param to       latest record time (inclusive)
     * @param fromText the request's from parameter as sent, null for none (a cursor is bound to it); toText alike
     * @param cursor   a previous page's nextCursor, or null
     * @throws com.algohire.relay.error.RelayException INVALID_CURSOR for a cursor not issued for the same from/to
     */
    public Page list(Instant from, Instant to, String fromText, String toText, int limit, String cursor) {
        Instant oldest = clock.instant().minus(retention);
        Instant low = from.isBefore(oldest) ? oldest : from;
        LocalDate lowDay = day(low);
        LocalDate highDay = day(to);
        LocalDate day = highDay;
        String afterSk = null;
        if (cursor != null) {
            AuditCursorCodec.Position position = cursors.decode(cursor, fromText, toText);
            if (!position.day().isAfter(highDay)) {
                day = position.day();
                afterSk = position.afterSk();
            }
        }
        String lowSk = TIME.format(low);
        String highSk = TIME.format(to) + "#\uffff";
        List<AuditEntry> entries = new ArrayList<>();
        int queries = 0;
        while (entries.size() < limit && !low.isAfter(to) && !day.isBefore(lowDay) && queries < MAX_QUERIES) {
            queries++;
            String pk = RelaySchema.AUDIT_PK_PREFIX + day;
            Map<String, AttributeValue> start = afterSk == null ? null
                    : Map.of(RelaySchema.PK, s(pk), RelaySchema.SK, s(afterSk));
            int want = limit - entries.size();
            QueryResponse page = dynamoDb.query(q -> q.tableName(table).consistentRead(true)
                    .keyConditionExpression("#pk = :pk AND #sk BETWEEN :lo AND :hi")
                    .expressionAttributeNames(Map.of("#pk", RelaySchema.PK, "#sk", RelaySchema.SK))
                    .expressionAttributeValues(Map.of(":pk", s(pk), ":lo", s(lowSk), ":hi", s(highSk)))
                    .scanIndexForward(false).limit(want).exclusiveStartKey(start));
            page.items().forEach(item -> entries.add(fromItem(item)));
            if (page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()) {
                afterSk = page.lastEvaluatedKey().get(RelaySchema.SK).s();
            } else {
                day = day.minusDays(1);
                afterSk = null;
            }
        }
        boolean exhausted = low.isAfter(to) || day.isBefore(lowDay);
        return new Page(List.copyOf(entries), exhausted ? null
                : cursors.encode(new AuditCursorCodec.Position(day, afterSk), fromText, toText));
    }

    /** The record's fields for a log line; an audit line never holds a body, a URL or a secret. */
    private static Map<String, Object> fields(AuditEntry entry) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put(ACTOR, entry.actor());
        fields.put(ACTION, entry.action());
        fields.put(TARGET, entry.target());
        fields.put(AT, TIME.format(entry.at()));
        fields.put(REQUEST_ID, entry.requestId());
        fields.put(STATUS, entry.status());
        return fields;
    }

    private Map<String, AttributeValue> toItem(AuditEntry entry) {
        String time = TIME.format(entry.at());
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(RelaySchema.PK, s(RelaySchema.AUDIT_PK_PREFIX + day(entry.at())));
        item.put(RelaySchema.SK, s(time + "#" + entry.requestId()));
        item.put(ACTOR, s(entry.actor()));
        item.put(ACTION, s(entry.action()));
        item.put(TARGET, s(entry.target()));
        item.put(AT, s(time));
        item.put(REQUEST_ID, s(entry.requestId()));
        item.put(STATUS, AttributeValue.fromN(Integer.toString(entry.status())));
        item.put(RelaySchema.EXPIRES_AT, AttributeValue.fromN(Long.toString(
                entry.at().plus(retention).getEpochSecond())));
        return item;
    }

    private static AuditEntry fromItem(Map<String, AttributeValue> item) {
        return new AuditEntry(item.get(ACTOR).s(), item.get(ACTION).s(), item.get(TARGET).s(),
                Instant.parse(item.get(AT).s()), item.get(REQUEST_ID).s(), Integer.parseInt(item.get(STATUS).n()));
    }

    private static LocalDate day(Instant instant) {
        return LocalDate.ofInstant(instant, ZoneOffset.UTC);
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }
}
