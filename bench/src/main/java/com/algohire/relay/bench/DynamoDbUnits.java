package com.algohire.relay.bench;

import com.algohire.relay.config.RelaySchema;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * DynamoDB's billing arithmetic, from item images: an item's size (attribute names plus values), the write units of
 * a write (1 KB units of the larger of the item before and after), what every global secondary index of the table
 * writes on top (an index entry is the table's keys, the index's keys and its projected attributes, plus 100 bytes;
 * an entry that changes key is a delete and a put), and the read units of reads (4 KB units, half for eventually
 * consistent reads). The indexes and projections come from {@link RelaySchema}, as the stack creates them.
 */
final class DynamoDbUnits {
    static final int WRITE_UNIT_BYTES = 1024;
    static final int READ_UNIT_BYTES = 4096;
    /** What DynamoDB adds to each index entry's size. */
    static final int INDEX_ENTRY_OVERHEAD = 100;

    private DynamoDbUnits() {
    }

    /** Write units of one write and of the index writes it causes. */
    record Write(int table, int indexes) {
    }

    /**
     * A write that turned {@code before} into {@code after} (null: no item), on {@code table}. A failed conditional
     * write passes the same image twice: it costs the table's units and no index write.
     */
    static Write write(RelaySchema.Table table, Map<String, AttributeValue> before, Map<String, AttributeValue> after) {
        int tableUnits = Math.max(1, Math.max(writeUnits(size(before)), writeUnits(size(after))));
        int indexUnits = 0;
        for (RelaySchema.Index index : table.indexes()) {
            Map<String, AttributeValue> old = entry(table, index, before);
            Map<String, AttributeValue> now = entry(table, index, after);
            if (old == null && now == null) {
                continue;
            }
            if (old == null) {
                indexUnits += writeUnits(size(now) + INDEX_ENTRY_OVERHEAD);
            } else if (now == null) {
                indexUnits += writeUnits(size(old) + INDEX_ENTRY_OVERHEAD);
            } else if (!sameKeys(index, old, now)) {
                indexUnits += writeUnits(size(old) + INDEX_ENTRY_OVERHEAD) + writeUnits(size(now)
                        + INDEX_ENTRY_OVERHEAD);
            } else if (!old.equals(now)) {
                indexUnits += writeUnits(size(now) + INDEX_ENTRY_OVERHEAD);
            }
        }
        return new Write(tableUnits, indexUnits);
    }

    /** Read units of items read in one request: together rounded up to 4 KB, halved unless strongly consistent. */
    static double read(long bytes, boolean consistent) {
        long units = Math.max(1, (bytes + READ_UNIT_BYTES - 1) / READ_UNIT_BYTES);
        return consistent ? units : units / 2.0;
    }

    static int writeUnits(long bytes) {
        return (int) ((bytes + WRITE_UNIT_BYTES - 1) / WRITE_UNIT_BYTES);
    }

    /** The index entry the item has in {@code index}, or null when it lacks the index's keys (a sparse index). */
    static Map<String, AttributeValue> entry(RelaySchema.Table table, RelaySchema.Index index,
                                             Map<String, AttributeValue> item) {
        if (item == null || !item.containsKey(index.partitionKey().name())
                || (index.sortKey() != null && !item.containsKey(index.sortKey().name()))) {
            return null;
        }
        List<String> names = new ArrayList<>();
        names.add(table.partitionKey().name());
        if (table.sortKey() != null) {
            names.add(table.sortKey().name());
        }
        names.add(index.partitionKey().name());
        if (index.sortKey() != null) {
            names.add(index.sortKey().name());
        }
        names.addAll(index.projected());
        Map<String, AttributeValue> entry = new java.util.HashMap<>();
        for (String name : names) {
            if (item.containsKey(name)) {
                entry.put(name, item.get(name));
            }
        }
        return entry;
    }

    private static boolean sameKeys(RelaySchema.Index index, Map<String, AttributeValue> a,
                                    Map<String, AttributeValue> b) {
        return Objects.equals(a.get(index.partitionKey().name()), b.get(index.partitionKey().name()))
                && (index.sortKey() == null
                || Objects.equals(a.get(index.sortKey().name()), b.get(index.sortKey().name())));
    }

    /** An item's size as DynamoDB counts it: each attribute's name in UTF-8 plus its value. 0 for no item. */
    static long size(Map<String, AttributeValue> item) {
        if (item == null) {
            return 0;
        }
        long bytes = 0;
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            bytes += utf8(e.getKey()) + valueSize(e.getValue());
        }
        return bytes;
    }

    static long valueSize(AttributeValue value) {
        if (value.s() != null) {
            return utf8(value.s());
        }
        if (value.n() != null) {
            return numberSize(value.n());
        }
        if (value.b() != null) {
            return value.b().asByteArray().length;
        }
        if (value.bool() != null || Boolean.TRUE.equals(value.nul())) {
            return 1;
        }
        long bytes = 3; // a list's or map's own overhead
        if (value.hasL()) {
            for (AttributeValue element : value.l()) {
                bytes += 1 + valueSize(element);
            }
            return bytes;
        }
        if (value.hasM()) {
            for (Map.Entry<String, AttributeValue> e : value.m().entrySet()) {
                bytes += 1 + utf8(e.getKey()) + valueSize(e.getValue());
            }
            return bytes;
        }
        long set = 0;
        if (value.hasSs()) {
            for (String s : value.ss()) {
                set += utf8(s);
            }
        } else if (value.hasNs()) {
            for (String n : value.ns()) {
                set += numberSize(n);
            }
        } else if (value.hasBs()) {
            for (var b : value.bs()) {
                set += b.asByteArray().length;
            }
        }
        return set;
    }

    /** About one byte per two significant digits, plus one. */
    private static long numberSize(String n) {
        long digits = n.chars().filter(Character::isDigit).count();
        return (digits + 1) / 2 + 1;
    }

    private static long utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
