package com.algohire.relay.event;

import com.algohire.relay.config.RelaySchema;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Lists events newest first from the sharded list indexes: byTypeShard with an eventType filter, byDayShard
 * (walked from {@code to}'s day back to {@code from}'s) without; never a table scan, and never more than
 * {@link #MAX_QUERIES} queries per call, whatever the range or the cursor.
 *
 * <p>Why shards. Every event lands in its day's partition of byDayShard and its type's partition of byTypeShard,
 * and one index partition takes at most 1,000 write units a second; a GSI that cannot keep up throttles the writes
 * to the table itself, i.e. ingestion. An index entry is its keys and the four summary attributes plus 100 bytes of
 * overhead: at most about 790 bytes (a 255-character idempotency key and a 100-character type), so 1 write unit
 * per event. The status and lease updates after the put touch neither these keys nor these attributes, so they
 * write nothing to these indexes. (Projecting ALL, as before, made an entry as large as the item: then up to 350 KB
 * of inline payload, 350 write units for one event.) The API admits 500 events a second with bursts of 1,000
 * (RelayApi), all of which may share one day and, for a busy producer, one type: up to 1,000 units a second on a
 * single partition, its whole limit, and split-for-heat cannot help an ever-increasing sort key. Hence
 * {@link EventItems#LIST_SHARDS} = 8 shards per day and per type (by a hash of the event id): 63 units a second per
 * partition at the steady rate, 125 at a burst, room for the ingest limit to grow about fourfold before a shard
 * reaches half its limit. More shards would cost every list page more queries (one per shard), and the count cannot
 * be changed lightly once events are stored, so it is sized for growth now.
 *
 * <p>Reading. A page is a k-way merge of the shards of one day (or one type): each shard is queried newest first
 * for at most the events the page still lacks, the newest head is taken until the page is full, and the cursor
 * records for each shard the sort key of the last event taken from it (events read but not taken are read again by
 * the next page). So one page of one day costs one query per shard, and an empty day costs as much.
 *
 * <p>Bounded work. The day walk covers only [from, to] cut to the retention period, a cursor's positions are cut
 * to the requested range, and one call issues at most {@link #MAX_QUERIES} queries: when they run out before the
 * page is full, the page is returned short (possibly empty) with a nextCursor, and the client's next call goes on
 * from there. A cursor is only accepted if signed ({@link ListCursorCodec}), but even a signed one cannot make a
 * call do more than this.
 */
public final class EventList {
    /**
     * Queries one list call may issue: eight empty days of shards, a few hundred milliseconds of DynamoDB round
     * trips; an empty 30-day window takes four or five calls. It must be at least one query per shard, so that
     * every call makes progress.
     */
    static final int MAX_QUERIES = 8 * EventItems.LIST_SHARDS;

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Duration retention;
    private final ListCursorCodec cursors;
    private final Clock clock;

    public EventList(DynamoDbClient dynamoDb, String table, Duration retention) {
        this(dynamoDb, table, retention, Clock.systemUTC());
    }

    public EventList(DynamoDbClient dynamoDb, String table, Duration retention, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.retention = retention;
        this.clock = clock;
        this.cursors = ListCursorCodec.forTable(table);
    }

    /**
     * @param eventType null for all types
     * @param cursor    a previous page's nextCursor, or null
     * @throws com.algohire.relay.error.RelayException INVALID_CURSOR for a cursor this list did not issue for the
     *                                                 same eventType filter
     */
    public EventPage list(String eventType, Instant from, Instant to, int limit, String cursor) {
        ListCursor position = cursor == null ? null : cursors.decode(cursor, eventType);
        SortRange range = SortRange.of(from, to);
        return eventType != null
                ? listType(eventType, range, limit, position)
                : listDays(from, to, range, limit, position);
    }

    /** The sort keys of [from, to], both ends included. */
    private record SortRange(String low, String high) {
        static SortRange of(Instant from, Instant to) {
            // '~' sorts after every character of "#<uuid>", so events at exactly `to` are included.
            return new SortRange(EventItems.timestamp(from), EventItems.timestamp(to) + "#~");
        }
    }

    /** One event type: a single merge of the type's shards, on from the cursor's positions. */
    private EventPage listType(String eventType, SortRange range, int limit, ListCursor position) {
        Merge merge = new Merge(RelaySchema.INDEX_BY_TYPE, RelaySchema.TYPE_SHARD,
                shard -> EventItems.typeShard(eventType, shard), range,
                position == null ? null : position.positions());
        List<EventSummary> events = new ArrayList<>();
        boolean exhausted = merge.take(limit, events, new Budget());
        return page(events, exhausted ? null : new ListCursor(eventType, null, merge.positions()));
    }

    /** Every type: the days from the cursor's (or {@code to}'s) back to the first day kept, one merge each. */
    private EventPage listDays(Instant from, Instant to, SortRange range, int limit, ListCursor position) {
        LocalDate lastDay = LocalDate.parse(EventItems.day(to));
        LocalDate firstDay = firstDay(from, to);
        if (position == null) {
            return walkDays(lastDay, null, firstDay, range, limit);
        }
        if (position.day().isBefore(firstDay)) {
            // Everything after the cursor is older than `from` (or than the retention period).
            return page(new ArrayList<>(), null);
        }
        // A cursor past the range's last day (say, a range moved earlier) starts at the range's newest event.
        return position.day().isAfter(lastDay)
                ? walkDays(lastDay, null, firstDay, range, limit)
                : walkDays(position.day(), position.positions(), firstDay, range, limit);
    }

    /** {@code from}'s day, but no earlier than the day before the day of {@code to} minus the retention period. */
    private LocalDate firstDay(Instant from, Instant to) {
        LocalDate firstDay = LocalDate.parse(EventItems.day(from));
        // Nothing older than the retention period survives, so the walk never goes further back than that.
        LocalDate oldestKept = LocalDate.parse(EventItems.day(to.minus(retention))).minusDays(1);
        return firstDay.isBefore(oldestKept) ? oldestKept : firstDay;
    }

    /**
     * Fills a page walking back a day at a time from {@code day} (at {@code positions}, or its top when null) to
     * {@code firstDay}, until the page is full, the days run out, or the call's queries are spent.
     */
    private EventPage walkDays(LocalDate day, List<String> positions, LocalDate firstDay, SortRange range,
                               int limit) {
        Budget budget = new Budget();
        List<EventSummary> events = new ArrayList<>();
        while (true) {
            LocalDate walked = day;
            Merge merge = new Merge(RelaySchema.INDEX_BY_DAY, RelaySchema.DAY_SHARD,
                    shard -> EventItems.dayShard(walked.toString(), shard), range, positions);
            if (!merge.take(limit - events.size(), events, budget)) {
                return page(events, new ListCursor(null, day, merge.positions()));
            }
            if (!day.isAfter(firstDay)) {
                return page(events, null);
            }
            day = day.minusDays(1);
            positions = null;
            if (events.size() == limit) {
                return page(events, new ListCursor(null, day, fresh()));
            }
        }
    }

    private EventPage page(List<EventSummary> events, ListCursor next) {
        return new EventPage(events, next == null ? null : cursors.encode(next));
    }

    private static List<String> fresh() {
        return Collections.nCopies(EventItems.LIST_SHARDS, null);
    }

    /** The k-way merge of the shards of one partition group (a day, or an event type), newest first. */
    private final class Merge {
        private final String index;
        private final String partitionName;
        private final IntFunction<String> partition;
        private final String low;
        private final String high;
        /** Per shard, as in {@link ListCursor#positions()}. */
        private final String[] positions = new String[EventItems.LIST_SHARDS];
        /** Per shard, events read and not yet taken, newest first. */
        private final List<ArrayDeque<Map<String, AttributeValue>>> read = new ArrayList<>();
        /** Per shard, whether the last query reached the bottom of the range (no more beyond what was read). */
        private final boolean[] complete = new boolean[EventItems.LIST_SHARDS];

        Merge(String index, String partitionName, IntFunction<String> partition, SortRange range,
              List<String> start) {
            this.index = index;
            this.partitionName = partitionName;
            this.partition = partition;
            this.low = range.low();
            this.high = range.high();
            for (int shard = 0; shard < positions.length; shard++) {
                read.add(new ArrayDeque<>());
                String position = start == null ? null : start.get(shard);
                if (position != null && !position.equals(ListCursor.DONE)) {
                    if (position.compareTo(low) < 0) {
                        // Newest first: everything below this position is older than `from`.
                        position = ListCursor.DONE;
                    } else if (position.compareTo(high) > 0) {
                        // Everything in the range is older than this position: start at the range's top.
                        position = null;
                    }
                }
                positions[shard] = position;
            }
        }

        List<String> positions() {
            return Arrays.asList(positions.clone());
        }

        /**
         * Moves up to {@code wanted} events, newest first, into {@code out}, spending queries from the budget.
         *
         * @return true when every shard is exhausted; false when it stopped for the page being full or the budget
         * being spent, {@link #positions()} being where to go on
         */
        boolean take(int wanted, List<EventSummary> out, Budget budget) {
            int taken = 0;
            while (taken < wanted) {
                // The newest event is only known once every live shard shows its newest one.
                int needed = 0;
                for (int shard = 0; shard < positions.length; shard++) {
                    if (live(shard) && read.get(shard).isEmpty()) {
                        needed++;
                    }
                }
                if (needed > budget.left) {
                    // Not enough left to know the next event: what this call would read now is read next call.
                    return false;
                }
                for (int shard = 0; shard < positions.length; shard++) {
                    while (live(shard) && read.get(shard).isEmpty()) {
                        if (budget.left == 0) {
                            return false;
                        }
                        budget.left--;
                        fetch(shard, wanted - taken);
                    }
                }
                int newest = -1;
                for (int shard = 0; shard < positions.length; shard++) {
                    if (!read.get(shard).isEmpty() && (newest < 0
                            || sort(read.get(shard).peek()).compareTo(sort(read.get(newest).peek())) > 0)) {
                        newest = shard;
                    }
                }
                if (newest < 0) {
                    return true;
                }
                Map<String, AttributeValue> item = read.get(newest).poll();
                out.add(summary(item));
                taken++;
                positions[newest] = read.get(newest).isEmpty() && complete[newest] ? ListCursor.DONE : sort(item);
            }
            for (String position : positions) {
                if (!ListCursor.DONE.equals(position)) {
                    return false;
                }
            }
            return true;
        }

        private boolean live(int shard) {
            return !ListCursor.DONE.equals(positions[shard]);
        }

        /** Reads up to {@code wanted} events of a shard below its position. */
        private void fetch(int shard, int wanted) {
            String after = positions[shard];
            // BETWEEN is inclusive: the event at the position (already taken) comes back first and is dropped.
            QueryResponse page = dynamoDb.query(QueryRequest.builder().tableName(table).indexName(index)
                    .keyConditionExpression("#p = :p AND #sort BETWEEN :low AND :high")
                    // Only event items belong in a list, whatever else someday carries these attributes, and
                    // only live ones: an event past its expiresAt is gone even before TTL deletes it (EventStore).
                    .filterExpression("#sk = :eventSk AND (attribute_not_exists(#exp) OR #exp > :now)")
                    .expressionAttributeNames(Map.of("#p", partitionName, "#sort", RelaySchema.RECEIVED_SORT,
                            "#sk", RelaySchema.SK, "#exp", RelaySchema.EXPIRES_AT))
                    .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(partition.apply(shard)),
                            ":low", AttributeValue.fromS(low),
                            ":high", AttributeValue.fromS(after == null ? high : after),
                            ":eventSk", AttributeValue.fromS(EventItems.EVENT_SK),
                            ":now", AttributeValue.fromN(Long.toString(clock.instant().getEpochSecond()))))
                    .scanIndexForward(false)
                    .limit(after == null ? wanted : wanted + 1)
                    .build());
            for (Map<String, AttributeValue> item : page.items()) {
                if (!sort(item).equals(after)) {
                    read.get(shard).add(item);
                }
            }
            boolean more = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty();
            complete[shard] = !more;
            if (read.get(shard).isEmpty()) {
                // Nothing usable in this page: the shard is done, or the filter dropped all it read, and the
                // next query starts below what was read.
                positions[shard] = more ? page.lastEvaluatedKey().get(RelaySchema.RECEIVED_SORT).s() : ListCursor.DONE;
            }
        }
    }

    /** The queries one call has left. */
    private static final class Budget {
        int left = MAX_QUERIES;
    }

    private static String sort(Map<String, AttributeValue> item) {
        return item.get(RelaySchema.RECEIVED_SORT).s();
    }

    private static EventSummary summary(Map<String, AttributeValue> item) {
        return new EventSummary(item.get(EventItems.EVENT_ID).s(), item.get(RelaySchema.EVENT_TYPE).s(),
                item.get(EventItems.IDEMPOTENCY_KEY).s(), item.get(EventItems.RECEIVED_AT).s());
    }
}
