package com.algohire.relay.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** The cost bench's tables: units per event, dollars per million events, calls per event by operation. */
final class Report {
    private Report() {
    }

    /** One scenario's per-event quantities and their price. */
    record PerEvent(double calls, double tableWriteUnits, double indexWriteUnits, double readUnits,
                    double sqsRequests, double s3Puts, double s3Gets, double ingestInvocations,
                    double deliveryInvocations, double otherInvocations, double gbSeconds, double ingestMeanMs,
                    double deliveryMeanMs, double logBytes, double emfBytes, int httpApiRequests) {

        static PerEvent of(CostBench.Result r) {
            double n = r.events();
            double calls = 0;
            double wt = 0;
            double wi = 0;
            double rru = 0;
            double sqs = 0;
            double puts = 0;
            double gets = 0;
            for (var e : r.calls().entrySet()) {
                CallCounter.Totals t = e.getValue();
                calls += t.calls.sum();
                wt += t.tableWriteUnits.sum();
                wi += t.indexWriteUnits.sum();
                rru += t.readUnits.sum();
                if (!e.getKey().startsWith("event source|Sqs|ReceiveMessage")) {
                    // The local pollers' receives are not Lambda's: priced below as one per delivery invocation.
                    sqs += t.sqsRequests.sum();
                }
                String op = e.getKey().substring(e.getKey().lastIndexOf('|') + 1);
                if (e.getKey().contains("|S3|")) {
                    if (op.equals("GetObject") || op.equals("HeadObject")) {
                        gets += t.calls.sum();
                    } else if (!op.equals("DeleteObject")) { // DELETE requests are free
                        puts += t.calls.sum();
                    }
                }
            }
            double gbSeconds = 0;
            for (var e : r.invocations().entrySet()) {
                for (long nanos : e.getValue()) {
                    // billed in whole milliseconds, rounded up
                    gbSeconds += Math.ceil(nanos / 1e6) / 1000.0 * Prices.memoryMb(e.getKey()) / 1024.0;
                }
            }
            double other = 0;
            for (var e : r.invocations().entrySet()) {
                if (!e.getKey().equals("ingest") && !e.getKey().equals("delivery")) {
                    other += e.getValue().size();
                }
            }
            sqs += count(r, "delivery"); // the receive that returned each invoked batch
            int body = r.scenario().payloadBytes() + 100;
            return new PerEvent(calls / n, wt / n, wi / n, rru / n, sqs / n, puts / n, gets / n,
                    count(r, "ingest") / n, count(r, "delivery") / n, other / n, gbSeconds / n,
                    mean(r, "ingest"), mean(r, "delivery"), r.logBytes() / n, r.emfBytes() / n,
                    (body + Prices.HTTP_API_METERING_BYTES - 1) / Prices.HTTP_API_METERING_BYTES);
        }

        double api(boolean http) {
            return http ? httpApiRequests * Prices.HTTP_API_REQUEST : Prices.REST_API_REQUEST;
        }

        double lambda() {
            return (ingestInvocations + deliveryInvocations + otherInvocations) * Prices.LAMBDA_REQUEST
                    + gbSeconds * Prices.LAMBDA_ARM_GB_SECOND;
        }

        double dynamoDb() {
            return (tableWriteUnits + indexWriteUnits) * Prices.DYNAMODB_WRITE_UNIT
                    + readUnits * Prices.DYNAMODB_READ_UNIT;
        }

        double sqs() {
            return sqsRequests * Prices.SQS_REQUEST;
        }

        double s3() {
            return s3Puts * Prices.S3_PUT + s3Gets * Prices.S3_GET;
        }

        double logs() {
            return logBytes / (1024.0 * 1024 * 1024) * Prices.LOGS_INGESTED_GB;
        }

        double total(boolean http) {
            return api(http) + lambda() + dynamoDb() + sqs() + s3() + logs();
        }
    }

    static void print(PrintStream out, List<CostBench.Result> results) {
        out.println();
        out.println("Per event (the functions' and Lambda's SQS pollers' calls, counted; units as billed; SQS: "
                + "the functions' requests, the pollers' deletions, and one receive per delivery invocation; handler "
                + "ms from a second pass of the same events without the counter's side reads):");
        out.println();
        out.println("| scenario | AWS calls | DynamoDB WRU table + indexes | RRU | SQS requests (64 KB) "
                + "| S3 PUT / GET | Lambda invocations ingest / delivery | handler ms ingest / delivery (mean) "
                + "| log bytes (of which EMF) |");
        out.println("|---|---|---|---|---|---|---|---|---|");
        for (CostBench.Result r : results) {
            PerEvent p = PerEvent.of(r);
            out.printf("| %s | %.2f | %.2f + %.2f | %.2f | %.2f | %.2f / %.2f | %.2f / %.2f | %.1f / %.1f "
                            + "| %.0f (%.0f) |%n", r.scenario().name(), p.calls(), p.tableWriteUnits(),
                    p.indexWriteUnits(), p.readUnits(), p.sqsRequests(), p.s3Puts(), p.s3Gets(),
                    p.ingestInvocations(), p.deliveryInvocations(), p.ingestMeanMs(), p.deliveryMeanMs(),
                    p.logBytes(), p.emfBytes());
        }
        out.println();
        out.println("$ per million events, us-east-1 list prices (bench/src/main/java/com/algohire/relay/bench/"
                + "Prices.java):");
        out.println();
        out.println("| scenario | API Gateway REST | Lambda | DynamoDB | SQS | S3 | CloudWatch Logs | total, REST API "
                + "| API Gateway HTTP API | total, HTTP API |");
        out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (CostBench.Result r : results) {
            PerEvent p = PerEvent.of(r);
            double m = 1e6;
            out.printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | **%.2f** | %.2f | %.2f |%n",
                    r.scenario().name(), m * p.api(false), m * p.lambda(), m * p.dynamoDb(), m * p.sqs(),
                    m * p.s3(), m * p.logs(), m * p.total(false), m * p.api(true), m * p.total(true));
        }
        out.println();
        out.println("Calls per event by operation and item kind (columns: the scenarios above, in order; the "
                + "event source's ReceiveMessage is the local pollers' batch-filling loop, not priced):");
        out.println();
        TreeSet<String> ops = new TreeSet<>();
        results.forEach(r -> ops.addAll(r.calls().keySet()));
        StringBuilder header = new StringBuilder("| caller, operation |");
        StringBuilder rule = new StringBuilder("|---|");
        for (int i = 0; i < results.size(); i++) {
            header.append(' ').append(i + 1).append(" |");
            rule.append("---|");
        }
        out.println(header);
        out.println(rule);
        for (String op : ops) {
            StringBuilder row = new StringBuilder("| " + op.replace('|', ' ').replace("#", "\\#") + " |");
            for (CostBench.Result r : results) {
                CallCounter.Totals t = r.calls().get(op);
                row.append(String.format(" %.2f |", t == null ? 0 : t.calls.sum() / (double) r.events()));
            }
            out.println(row);
        }
        out.println();
        for (int i = 0; i < results.size(); i++) {
            out.println((i + 1) + ": " + results.get(i).scenario().name() + ", " + results.get(i).events()
                    + " events");
        }
    }

    private static double count(CostBench.Result r, String function) {
        List<Long> list = r.invocations().get(function);
        return list == null ? 0 : list.size();
    }

    private static double mean(CostBench.Result r, String function) {
        List<Long> list = r.invocations().get(function);
        if (list == null || list.isEmpty()) {
            return 0;
        }
        return new ArrayList<>(list).stream().mapToLong(Long::longValue).average().orElse(0) / 1e6;
    }
}
