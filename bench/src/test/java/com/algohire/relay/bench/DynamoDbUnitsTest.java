package com.algohire.relay.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelaySchema;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbUnitsTest {

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    /** An event item as ingest stores it: in both list indexes and, until queued, the sparse pending index. */
    private static Map<String, AttributeValue> event(int payloadChars, boolean pending) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(RelaySchema.PK, s("EVENT#evt_1"));
        item.put(RelaySchema.SK, s("EVENT"));
        item.put(RelaySchema.EVENT_ID, s("evt_1"));
        item.put(RelaySchema.EVENT_TYPE, s("job.created"));
        item.put(RelaySchema.IDEMPOTENCY_KEY, s("key-1"));
        item.put(RelaySchema.RECEIVED_AT, s("2026-11-28T13:00:00Z"));
        item.put(RelaySchema.EXPIRES_AT, AttributeValue.fromN("1798000000"));
        item.put(RelaySchema.TYPE_SHARD, s("job.created#3"));
        item.put(RelaySchema.DAY_SHARD, s("2026-11-28#3"));
        item.put(RelaySchema.RECEIVED_SORT, s("2026-11-28T13:00:00Z#evt_1"));
        if (pending) {
            item.put(RelaySchema.PENDING_SHARD, s("3"));
        }
        item.put("payload", s("x".repeat(payloadChars)));
        return item;
    }

    @Test
    void size_ofStringsAndNumbers_countsNamesAndValuesInUtf8() {
        assertThat(DynamoDbUnits.size(Map.of("ab", s("héllo")))).isEqualTo(2 + 6);
        // 10 digits: 5 bytes, plus 1
        assertThat(DynamoDbUnits.size(Map.of("n", AttributeValue.fromN("1798000000")))).isEqualTo(1 + 6);
        assertThat(DynamoDbUnits.size(null)).isZero();
    }

    @Test
    void write_whenANewEventIsPutPending_billsTheItemInKbAndOneUnitPerIndexEntry() {
        DynamoDbUnits.Write write = DynamoDbUnits.write(RelaySchema.EVENTS, null, event(2000, true));

        // about 2.2 KB of item: 3 units; three small index entries: 1 unit each
        assertThat(write.table()).isEqualTo(3);
        assertThat(write.indexes()).isEqualTo(3);
    }

    @Test
    void write_whenThePendingMarkIsRemoved_writesOnlyThePendingIndex() {
        DynamoDbUnits.Write write = DynamoDbUnits.write(RelaySchema.EVENTS, event(10, true), event(10, false));

        assertThat(write.table()).isEqualTo(1);
        assertThat(write.indexes()).isEqualTo(1); // the entry's delete from the sparse index; list entries unchanged
    }

    @Test
    void write_whenAnIndexKeyChanges_isADeleteAndAPutInThatIndex() {
        Map<String, AttributeValue> moved = event(10, false);
        moved.put(RelaySchema.TYPE_SHARD, s("job.created#4"));

        assertThat(DynamoDbUnits.write(RelaySchema.EVENTS, event(10, false), moved).indexes()).isEqualTo(2);
    }

    @Test
    void write_whenOnlyAnUnprojectedAttributeChanges_writesNoIndex() {
        Map<String, AttributeValue> after = event(10, true);
        after.put("payload", s("changed"));

        assertThat(DynamoDbUnits.write(RelaySchema.EVENTS, event(10, true), after).indexes()).isZero();
    }

    @Test
    void write_ofATableWithoutIndexes_billsTheLargerImageAndAtLeastOneUnit() {
        Map<String, AttributeValue> small = Map.of(RelaySchema.SUBSCRIPTION_ID, s("sub_1"));
        Map<String, AttributeValue> large = Map.of(RelaySchema.SUBSCRIPTION_ID, s("sub_1"), "d", s("x".repeat(1500)));

        assertThat(DynamoDbUnits.write(RelaySchema.SUBSCRIPTIONS, large, small))
                .isEqualTo(new DynamoDbUnits.Write(2, 0));
        assertThat(DynamoDbUnits.write(RelaySchema.SUBSCRIPTIONS, null, null).table()).isEqualTo(1);
    }

    @Test
    void read_roundsUpTo4KbAndHalvesEventuallyConsistentReads() {
        assertThat(DynamoDbUnits.read(0, false)).isEqualTo(0.5);
        assertThat(DynamoDbUnits.read(4097, false)).isEqualTo(1.0);
        assertThat(DynamoDbUnits.read(4097, true)).isEqualTo(2.0);
    }
}
