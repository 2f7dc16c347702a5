package com.algohire.relay.bench;

/**
 * Published us-east-1 list prices (on-demand, first tier, no free tier), as looked up on 2026-11-28; sources in
 * bench/RESULTS.md. Memory sizes are the stack's ({@code RelayStack.INGEST}, {@code DELIVERY}, {@code SWEEPER}).
 */
final class Prices {
    /** API Gateway REST API, per request (first 333 million a month: $3.50 per million). */
    static final double REST_API_REQUEST = 3.50 / 1e6;
    /** API Gateway HTTP API, per request of up to 512 KB (first 300 million a month: $1.00 per million). */
    static final double HTTP_API_REQUEST = 1.00 / 1e6;
    static final int HTTP_API_METERING_BYTES = 512 * 1024;
    /** Lambda, per request: $0.20 per million. */
    static final double LAMBDA_REQUEST = 0.20 / 1e6;
    /** Lambda on Arm (the stack's ARM_64), per GB-second, first 7.5 billion GB-s a month. */
    static final double LAMBDA_ARM_GB_SECOND = 0.0000133334;
    static final int INGEST_MEMORY_MB = 1024;
    static final int DELIVERY_MEMORY_MB = 1024;
    static final int SWEEPER_MEMORY_MB = 512;
    static final int MANAGEMENT_MEMORY_MB = 1024;
    /** DynamoDB on-demand (since the November 2024 cut): $0.625 per million write, $0.125 per million read units. */
    static final double DYNAMODB_WRITE_UNIT = 0.625 / 1e6;
    static final double DYNAMODB_READ_UNIT = 0.125 / 1e6;
    /** SQS standard queue, per request (64 KB chunk): $0.40 per million. */
    static final double SQS_REQUEST = 0.40 / 1e6;
    /** S3 Standard: PUT, COPY, POST, LIST $0.005 per 1,000; GET $0.0004 per 1,000. */
    static final double S3_PUT = 0.005 / 1e3;
    static final double S3_GET = 0.0004 / 1e3;
    /** CloudWatch Logs standard ingestion, per GB: $0.50. */
    static final double LOGS_INGESTED_GB = 0.50;

    private Prices() {
    }

    static int memoryMb(String function) {
        return switch (function) {
            case "ingest" -> INGEST_MEMORY_MB;
            case "delivery" -> DELIVERY_MEMORY_MB;
            case "sweeper" -> SWEEPER_MEMORY_MB;
            default -> MANAGEMENT_MEMORY_MB;
        };
    }
}
