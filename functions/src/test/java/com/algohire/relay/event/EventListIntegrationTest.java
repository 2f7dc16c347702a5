package com.algohire.relay.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.mockingDetails;
import static org.mockito.Mockito.spy;

import com.algohire.relay.api.ApiErrors;
import com.algohire.relay.error.RelayException;
import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.config.RelaySchema;
import com.algohire.relay.ingest.EventIngestion;
import com.algohire.relay.ingest.IngestRequest;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.MutableClock;
import com.algohire.relay.testing.TestResources;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/** The event list over the sharded list indexes on a real DynamoDB-protocol server, events stored by ingestion. */
@ExtendWith(SharedAwsBackend.class)
class EventListIntegrationTest {
    private static final Instant NOW = Instant.parse("2024-01-12T10:00:00Z");

    private TestResources aws;
    private RelayConfig config;
    private MutableClock clock;
    private EventIngestion ingestion;
    /** The real client, spied on only to count the queries a list call makes. */
    private DynamoDbClient dynamoDb;
    private EventList list;
    /** What was stored, for computing the expected pages. */
    private final List<Stored> stored = new ArrayList<>();

    private record Stored(String id, String eventType, Instant receivedAt) {
        String sort() {
            return EventItems.receivedSort(receivedAt, id);
        }
    }

    @BeforeEach
    void setUp(AwsBackend backend) {
        aws = TestResources.create(backend);
        config = aws.config();
        clock = new MutableClock(NOW);
        ingestion = EventIngestion.create(aws.dynamoDb, aws.sqs, aws.s3, config, clock,
                new StructuredLog(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), clock));
        dynamoDb = spy(aws.dynamoDb);
        // The list reads at NOW: events stored before it are live (inside their retention period).
        list = new EventList(dynamoDb, config.eventsTable(), config.retention(),
                java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC));
    }

    private void store(String eventType, Instant at) {
        clock.set(at);
        String key = "k-" + stored.size();
        String id = ingestion.accept(new IngestRequest(key, eventType, "{\"n\":" + stored.size() + "}", "hash-" + key))
                .eventId();
        stored.add(new Stored(id, eventType, at));
    }

    /** 30 events over three days, pairs of them sharing a millisecond, two types; spread over the shards. */
    private void storeSpread() {
        for (int i = 0; i < 30; i++) {
            // Back from NOW in steps of 2.5 hours; events 3k and 3k+1 are received in the very same millisecond.
            Instant at = NOW.minus(Duration.ofMinutes(150L * (i / 3 * 2 + (i % 3 == 2 ? 1 : 0))));
            store(i % 2 == 0 ? "job.created" : "candidate.applied", at);
        }
        clock.set(NOW.plusSeconds(60));
        Set<String> days = new HashSet<>();
        Set<Integer> shards = new HashSet<>();
        stored.forEach(e -> {
            days.add(EventItems.day(e.receivedAt()));
            shards.add(EventItems.listShard(e.id()));
        });
        // Random ids: 30 events miss one of 8 shards with a chance of about 0.2%; the point is that they spread.
        assertThat(days).hasSize(3);
        assertThat(shards).hasSizeGreaterThanOrEqualTo(EventItems.LIST_SHARDS - 1);
    }

    private List<String> expected(Predicate<Stored> filter) {
        return stored.stream().filter(filter).sorted(Comparator.comparing(Stored::sort).reversed())
                .map(Stored::id).toList();
    }

    /** Every page of a list, following nextCursor; fails if it does not end. */
    private List<EventPage> walk(String eventType, Instant from, Instant to, int limit) {
        List<EventPage> pages = new ArrayList<>();
        String cursor = null;
        do {
            EventPage page = list.list(eventType, from, to, limit, cursor);
            assertThat(page.events().size()).isLessThanOrEqualTo(limit);
            pages.add(page);
            cursor = page.nextCursor();
        } while (cursor != null && pages.size() < 200);
        assertThat(cursor).as("pagination ends").isNull();
        return pages;
    }

    private static List<String> ids(List<EventPage> pages) {
        return pages.stream().flatMap(p -> p.events().stream()).map(EventSummary::id).toList();
    }

    private long queriesSinceLastCheck() {
        long queries = mockingDetails(dynamoDb).getInvocations().stream()
                .filter(i -> i.getMethod().getName().equals("query") && i.getArguments().length == 1
                        && i.getArguments()[0] instanceof QueryRequest)
                .count();
        clearInvocations(dynamoDb);
        return queries;
    }

    @Test
    void list_whenEventsSpreadOverShardsAndDays_pagesEveryEventOnceNewestFirst() {
        storeSpread();
        // The three days of events (the walk through an empty rest of the retention period has its own test).
        Instant from = NOW.minus(Duration.ofDays(2));

        for (int limit : List.of(1, 2, 7, 100)) {
            List<EventPage> pages = walk(null, from, NOW.plusSeconds(60), limit);
            assertThat(ids(pages)).as("limit " + limit).containsExactlyElementsOf(expected(e -> true));
            // Merging the shards never cuts a page short by itself: only the last one may be (even empty, when
            // the previous page could not know that its last event was the last one).
            assertThat(pages.subList(0, pages.size() - 1)).as("limit " + limit)
                    .allSatisfy(p -> assertThat(p.events()).hasSize(limit));
        }
        EventSummary newest = list.list(null, from, NOW.plusSeconds(60), 1, null).events().get(0);
        String newestId = expected(e -> true).get(0);
        Stored first = stored.stream().filter(e -> e.id().equals(newestId)).findFirst().orElseThrow();
        assertThat(newest).isEqualTo(new EventSummary(first.id(), first.eventType(), "k-" + stored.indexOf(first),
                EventItems.timestamp(first.receivedAt())));
    }

    @Test
    void list_whenFilteredByTypeOrTimeRange_pagesOnlyMatchingEventsNewestFirst() {
        storeSpread();
        Instant retained = NOW.minus(config.retention());
        Instant from = NOW.minus(Duration.ofHours(30));
        Instant to = NOW.minus(Duration.ofHours(5));
        Predicate<Stored> inRange = e -> !e.receivedAt().isBefore(from) && !e.receivedAt().isAfter(to);

        for (int limit : List.of(1, 2, 7)) {
            assertThat(ids(walk("job.created", retained, NOW, limit))).as("type, limit " + limit)
                    .containsExactlyElementsOf(expected(e -> e.eventType().equals("job.created")));
            assertThat(ids(walk(null, from, to, limit))).as("range, limit " + limit)
                    .containsExactlyElementsOf(expected(inRange));
            assertThat(ids(walk("candidate.applied", from, to, limit))).as("type and range, limit " + limit)
                    .containsExactlyElementsOf(expected(inRange.and(e -> e.eventType().equals("candidate.applied"))));
        }
        assertThat(ids(walk("assessment.completed", retained, NOW, 5))).isEmpty();
    }

    @Test
    void listIndexes_whenEventStored_holdItsKeysAndSummaryButNeverThePayload() {
        store("job.created", NOW);
        String id = stored.get(0).id();
        Map<String, AttributeValue> keys = EventItems.listKeys(id, "job.created", NOW);
        // The event is queued by now, so it has left the sparse pending index: put it back there to look.
        aws.dynamoDb.updateItem(r -> r.tableName(config.eventsTable())
                .key(Map.of(RelaySchema.PK, AttributeValue.fromS(EventItems.eventPk(id)),
                        RelaySchema.SK, AttributeValue.fromS(EventItems.EVENT_SK)))
                .updateExpression("SET #shard = :shard")
                .expressionAttributeNames(Map.of("#shard", RelaySchema.PENDING_SHARD))
                .expressionAttributeValues(Map.of(":shard", AttributeValue.fromS(EventItems.pendingShard(id)))));
        Map<String, String> partitions = Map.of(
                RelaySchema.INDEX_BY_DAY, keys.get(RelaySchema.DAY_SHARD).s(),
                RelaySchema.INDEX_BY_TYPE, keys.get(RelaySchema.TYPE_SHARD).s(),
                RelaySchema.INDEX_PENDING, EventItems.pendingShard(id));

        for (RelaySchema.Index index : RelaySchema.EVENTS.indexes()) {
            List<Map<String, AttributeValue>> entries = aws.dynamoDb.query(r -> r.tableName(config.eventsTable())
                    .indexName(index.name())
                    .keyConditionExpression("#p = :p")
                    .expressionAttributeNames(Map.of("#p", index.partitionKey().name()))
                    .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(partitions.get(index.name())))))
                    .items();
            assertThat(entries).as(index.name()).hasSize(1);
            Set<String> expected = new HashSet<>(List.of(RelaySchema.PK, RelaySchema.SK,
                    index.partitionKey().name(), index.sortKey().name()));
            expected.addAll(index.projected());
            assertThat(entries.get(0).keySet()).as(index.name()).containsExactlyInAnyOrderElementsOf(expected)
                    .doesNotContain(EventItems.PAYLOAD);
        }
    }

    @Test
    void list_whenCursorForgedTamperedOrFromAnotherFilter_throwsInvalidCursorWithoutQuerying() {
        store("job.created", NOW);
        store("job.created", NOW.minusSeconds(1));
        Instant from = NOW.minus(config.retention());
        String byDay = list.list(null, from, NOW, 1, null).nextCursor();
        String byType = list.list("job.created", from, NOW, 1, null).nextCursor();
        queriesSinceLastCheck();
        String payload = byDay.substring(0, byDay.indexOf('.'));
        String tag = byDay.substring(byDay.indexOf('.') + 1);
        String json = new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8);
        String farFuture = Base64.getUrlEncoder().withoutPadding().encodeToString(
                json.replaceFirst("\"d\":\"[0-9-]+\"", "\"d\":\"9999-12-31\"").getBytes(StandardCharsets.UTF_8));
        ListCursor signedElsewhere = new ListCursor(null, LocalDate.parse("9999-12-31"),
                Collections.nCopies(EventItems.LIST_SHARDS, null));

        Map<String, String> forged = Map.of(
                "day moved, old tag", farFuture + "." + tag,
                "tag flipped", payload + "." + (tag.charAt(0) == 'A' ? 'B' : 'A') + tag.substring(1),
                "no tag", payload,
                "signed for another table", ListCursorCodec.forTable("other-table").encode(signedElsewhere),
                "the old unsigned format", Base64.getUrlEncoder().withoutPadding().encodeToString(
                        "{\"i\":\"byDay\",\"d\":\"9999-12-31\"}".getBytes(StandardCharsets.UTF_8)),
                "garbage", "not-a-cursor",
                "oversized", payload + "." + "A".repeat(ListCursorCodec.MAX_LENGTH));
        forged.forEach((what, cursor) -> {
            RelayException e = catchThrowableOfType(RelayException.class, () -> list.list(null, from, NOW, 1, cursor));
            assertThat(e).as(what).isNotNull();
            assertThat(ApiErrors.status(e.code())).as(what).isEqualTo(400);
            assertThat(e.code().name()).as(what).isEqualTo("INVALID_CURSOR");
        });
        for (String[] swapped : List.of(new String[] {"job.created", byDay}, new String[] {null, byType},
                new String[] {"candidate.applied", byType})) {
            RelayException e = catchThrowableOfType(RelayException.class,
                    () -> list.list(swapped[0], from, NOW, 1, swapped[1]));
            assertThat(e).as(swapped[0]).isNotNull();
            assertThat(e.code().name()).isEqualTo("INVALID_CURSOR");
        }
        assertThat(queriesSinceLastCheck()).isZero();
    }

    @Test
    void list_whenSignedCursorPointsFarOutsideTheRange_answersQuicklyFromTheRange() {
        store("job.created", NOW);
        store("job.created", NOW.minus(Duration.ofDays(1)));
        List<String> all = expected(e -> true);
        ListCursorCodec codec = ListCursorCodec.forTable(config.eventsTable());
        Instant from = NOW.minus(Duration.ofDays(2));
        queriesSinceLastCheck();

        // Day 9999-12-31 made one call walk about 2.9 million days, one query each, before the walk was cut to
        // the range: the page now starts at the range's newest event.
        String future = codec.encode(new ListCursor(null, LocalDate.parse("9999-12-31"),
                Collections.nCopies(EventItems.LIST_SHARDS, "9999-12-31T23:59:59.999Z#~")));
        EventPage page = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> list.list(null, from, NOW, 10, future));
        assertThat(page.events()).extracting(EventSummary::id).containsExactlyElementsOf(all);
        assertThat(page.nextCursor()).isNull();
        assertThat(queriesSinceLastCheck()).as("three days of shards").isLessThanOrEqualTo(3 * EventItems.LIST_SHARDS);

        String past = codec.encode(new ListCursor(null, LocalDate.parse("1970-01-01"),
                Collections.nCopies(EventItems.LIST_SHARDS, null)));
        EventPage none = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> list.list(null, from, NOW, 10, past));
        assertThat(none.events()).isEmpty();
        assertThat(none.nextCursor()).isNull();
        assertThat(queriesSinceLastCheck()).isZero();
    }

    @Test
    void list_whenRangeIsLongAndMostlyEmpty_queriesAtMostTheBudgetPerCallAndStillPagesEveryEvent() {
        store("job.created", NOW);
        store("candidate.applied", NOW.minus(Duration.ofDays(15)));
        store("job.created", NOW.minus(Duration.ofDays(29)));
        Instant from = NOW.minus(config.retention());
        queriesSinceLastCheck();

        List<String> ids = new ArrayList<>();
        List<Long> queries = new ArrayList<>();
        String cursor = null;
        int calls = 0;
        do {
            EventPage page = list.list(null, from, NOW, 10, cursor);
            queries.add(queriesSinceLastCheck());
            page.events().forEach(e -> ids.add(e.id()));
            cursor = page.nextCursor();
        } while (cursor != null && ++calls < 50);

        assertThat(cursor).isNull();
        assertThat(ids).containsExactlyElementsOf(expected(e -> true));
        // About 32 days of 8 shards: more than one call may do, so the walk is split, none over the budget.
        assertThat(queries).allSatisfy(q -> assertThat(q).isLessThanOrEqualTo(EventList.MAX_QUERIES));
        assertThat(queries.size()).isGreaterThanOrEqualTo(4);
        assertThat(queries.stream().mapToLong(Long::longValue).sum())
                .isGreaterThan(EventList.MAX_QUERIES * 3L);
    }
}
