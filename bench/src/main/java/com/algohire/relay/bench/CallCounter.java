package com.algohire.relay.bench;

import com.algohire.relay.config.RelaySchema;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * The cost bench's SDK interceptor (never on a function's clients on AWS): counts every call by origin, service and
 * operation with its request and response bytes, and what each is billed in: DynamoDB write units (table and every
 * index, {@link DynamoDbUnits}) and read units, SQS requests in 64 KB chunks.
 *
 * <p>DynamoDB write units need the item before and after the write: this reads them, strongly consistent, with
 * {@code sideReads}, a client of its own that nothing counts, around each PutItem, UpdateItem and DeleteItem.
 */
final class CallCounter implements ExecutionInterceptor {
    static final int SQS_CHUNK_BYTES = 64 * 1024;
    private static final ExecutionAttribute<Map<String, AttributeValue>> BEFORE =
            new ExecutionAttribute<>("cost-bench.item-before");
    private static final ExecutionAttribute<Long> REQUEST_BYTES = new ExecutionAttribute<>("cost-bench.request-bytes");

    /** One operation's totals. */
    static final class Totals {
        final LongAdder calls = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder requestBytes = new LongAdder();
        final LongAdder responseBytes = new LongAdder();
        final LongAdder tableWriteUnits = new LongAdder();
        final LongAdder indexWriteUnits = new LongAdder();
        final DoubleAdder readUnits = new DoubleAdder();
        final LongAdder sqsRequests = new LongAdder();
    }

    private final String origin;
    private final DynamoDbClient sideReads;
    private final Map<String, RelaySchema.Table> tablesByName;
    private final Map<String, Totals> totals;
    /** Off in a scenario's timing pass: the side reads would lengthen the handlers it times. */
    private volatile boolean itemImages = true;

    /**
     * @param origin       "function" or "event source" (Lambda's SQS pollers)
     * @param tablesByName the provisioned tables' names to their schema
     * @param totals       shared by the counters of one run, keyed {@code origin|service|operation}
     */
    CallCounter(String origin, DynamoDbClient sideReads, Map<String, RelaySchema.Table> tablesByName,
                Map<String, Totals> totals) {
        this.origin = origin;
        this.sideReads = sideReads;
        this.tablesByName = tablesByName;
        this.totals = totals;
    }

    void itemImages(boolean on) {
        itemImages = on;
    }

    static Map<String, Totals> newTotals() {
        return new ConcurrentHashMap<>();
    }

    /** A sorted copy of the sums so far, for the report. */
    static Map<String, Totals> sorted(Map<String, Totals> totals) {
        Map<String, Totals> copy = new TreeMap<>();
        totals.forEach((key, t) -> {
            Totals c = new Totals();
            c.calls.add(t.calls.sum());
            c.failed.add(t.failed.sum());
            c.requestBytes.add(t.requestBytes.sum());
            c.responseBytes.add(t.responseBytes.sum());
            c.tableWriteUnits.add(t.tableWriteUnits.sum());
            c.indexWriteUnits.add(t.indexWriteUnits.sum());
            c.readUnits.add(t.readUnits.sum());
            c.sqsRequests.add(t.sqsRequests.sum());
            copy.put(key, c);
        });
        return copy;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        SdkRequest request = context.request();
        String table = tableOf(request);
        if (itemImages && table != null && tablesByName.containsKey(table)) {
            attributes.putAttribute(BEFORE, current(table, keyOf(tablesByName.get(table), request)));
        }
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        long bytes = context.requestBody().map(b -> b.contentLength()).orElse(0L);
        attributes.putAttribute(REQUEST_BYTES, bytes);
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        Totals t = totalsFor(attributes, context.request());
        t.calls.increment();
        Long sent = attributes.getAttribute(REQUEST_BYTES);
        t.requestBytes.add(sent == null ? 0 : sent);
        t.responseBytes.add(length(context.httpResponse().firstMatchingHeader("Content-Length").orElse(null)));
        SdkRequest request = context.request();
        SdkResponse response = context.response();
        String table = tableOf(request);
        if (itemImages && table != null && tablesByName.containsKey(table)) {
            RelaySchema.Table schema = tablesByName.get(table);
            Map<String, AttributeValue> after = request instanceof PutItemRequest put ? put.item()
                    : request instanceof DeleteItemRequest ? null : current(table, keyOf(schema, request));
            DynamoDbUnits.Write write = DynamoDbUnits.write(schema, attributes.getAttribute(BEFORE), after);
            t.tableWriteUnits.add(write.table());
            t.indexWriteUnits.add(write.indexes());
        }
        t.readUnits.add(readUnits(request, response));
        t.sqsRequests.add(sqsRequests(request, response));
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        Totals t = totalsFor(attributes, context.request());
        t.calls.increment();
        t.failed.increment();
        String table = tableOf(context.request());
        if (itemImages && table != null && tablesByName.containsKey(table)) {
            // A failed conditional write still costs the item's write units, and writes no index.
            Map<String, AttributeValue> before = attributes.getAttribute(BEFORE);
            t.tableWriteUnits.add(DynamoDbUnits.write(tablesByName.get(table), before, before).table());
        }
        if ("Sqs".equals(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME))) {
            t.sqsRequests.increment();
        }
    }

    private Totals totalsFor(ExecutionAttributes attributes, SdkRequest request) {
        String key = origin + "|" + attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + "|"
                + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME) + detail(request);
        return totals.computeIfAbsent(key, k -> new Totals());
    }

    /** Which item kind a DynamoDB call touches: the table, and the key's prefixes ({@code EVENT#/DELIVERY}). */
    private String detail(SdkRequest request) {
        String table = request.getValueForField("TableName", String.class).orElse(null);
        if (table == null) {
            return "";
        }
        RelaySchema.Table schema = tablesByName.get(table);
        String name = schema == null ? table : schema.logicalName();
        String index = request.getValueForField("IndexName", String.class).map(i -> " " + i).orElse("");
        @SuppressWarnings("unchecked")
        Map<String, AttributeValue> key = request instanceof PutItemRequest put ? put.item()
                : (Map<String, AttributeValue>) request.getValueForField("Key", Map.class).orElse(null);
        if (schema == null || key == null || schema == RelaySchema.SUBSCRIPTIONS) {
            return " " + name + index;
        }
        return " " + name + " " + prefix(key.get(schema.partitionKey().name())) + "/"
                + prefix(schema.sortKey() == null ? null : key.get(schema.sortKey().name()));
    }

    private static String prefix(AttributeValue value) {
        if (value == null || value.s() == null) {
            return "";
        }
        String s = value.s();
        int hash = s.indexOf('#');
        return hash >= 0 ? s.substring(0, hash + 1) : s.length() > 12 ? "(id)" : s;
    }

    private static String tableOf(SdkRequest request) {
        if (request instanceof PutItemRequest r) {
            return r.tableName();
        }
        if (request instanceof UpdateItemRequest r) {
            return r.tableName();
        }
        if (request instanceof DeleteItemRequest r) {
            return r.tableName();
        }
        return null;
    }

    private static Map<String, AttributeValue> keyOf(RelaySchema.Table table, SdkRequest request) {
        if (request instanceof UpdateItemRequest r) {
            return r.key();
        }
        if (request instanceof DeleteItemRequest r) {
            return r.key();
        }
        Map<String, AttributeValue> item = ((PutItemRequest) request).item();
        Map<String, AttributeValue> key = new java.util.HashMap<>();
        key.put(table.partitionKey().name(), item.get(table.partitionKey().name()));
        if (table.sortKey() != null) {
            key.put(table.sortKey().name(), item.get(table.sortKey().name()));
        }
        return key;
    }

    private Map<String, AttributeValue> current(String table, Map<String, AttributeValue> key) {
        GetItemResponse item = sideReads.getItem(r -> r.tableName(table).key(key).consistentRead(true));
        return item.hasItem() ? item.item() : null;
    }

    private static double readUnits(SdkRequest request, SdkResponse response) {
        if (response instanceof GetItemResponse r) {
            boolean consistent = Boolean.TRUE.equals(((GetItemRequest) request).consistentRead());
            return DynamoDbUnits.read(r.hasItem() ? DynamoDbUnits.size(r.item()) : 0, consistent);
        }
        if (response instanceof QueryResponse r) {
            boolean consistent = Boolean.TRUE.equals(((QueryRequest) request).consistentRead());
            long bytes = r.items().stream().mapToLong(DynamoDbUnits::size).sum();
            return DynamoDbUnits.read(bytes, consistent);
        }
        if (response instanceof ScanResponse r) {
            return DynamoDbUnits.read(r.items().stream().mapToLong(DynamoDbUnits::size).sum(), false);
        }
        if (response instanceof BatchGetItemResponse r) {
            // each item read is rounded up on its own; BatchGetItem's reads are eventually consistent here
            double units = 0;
            for (var items : r.responses().values()) {
                for (var item : items) {
                    units += DynamoDbUnits.read(DynamoDbUnits.size(item), false);
                }
            }
            return units;
        }
        return 0;
    }

    /** SQS bills each 64 KB chunk of a request's payload as one request. */
    private static long sqsRequests(SdkRequest request, SdkResponse response) {
        if (request instanceof SendMessageRequest r) {
            return chunks(utf8(r.messageBody()) + attributes(r.messageAttributes()));
        }
        if (request instanceof SendMessageBatchRequest r) {
            long bytes = 0;
            for (SendMessageBatchRequestEntry e : r.entries()) {
                bytes += utf8(e.messageBody()) + attributes(e.messageAttributes());
            }
            return chunks(bytes);
        }
        if (response instanceof ReceiveMessageResponse r) {
            long bytes = 0;
            for (Message m : r.messages()) {
                bytes += utf8(m.body()) + attributes(m.messageAttributes());
            }
            return chunks(bytes);
        }
        return request.getClass().getPackageName().endsWith("sqs.model") ? 1 : 0;
    }

    private static long chunks(long bytes) {
        return Math.max(1, (bytes + SQS_CHUNK_BYTES - 1) / SQS_CHUNK_BYTES);
    }

    private static long attributes(Map<String, MessageAttributeValue> attributes) {
        long bytes = 0;
        for (var e : attributes.entrySet()) {
            MessageAttributeValue v = e.getValue();
            bytes += utf8(e.getKey()) + utf8(v.dataType()) + (v.stringValue() == null ? 0 : utf8(v.stringValue()))
                    + (v.binaryValue() == null ? 0 : v.binaryValue().asByteArray().length);
        }
        return bytes;
    }

    private static long utf8(String s) {
        return s == null ? 0 : s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    private static long length(String header) {
        try {
            return header == null ? 0 : Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
