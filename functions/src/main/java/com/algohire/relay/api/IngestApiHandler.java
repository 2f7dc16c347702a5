package com.algohire.relay.api;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.event.DeliveryStates;
import com.algohire.relay.event.EventList;
import com.algohire.relay.event.EventStore;
import com.algohire.relay.event.PayloadStore;
import com.algohire.relay.health.HealthCheck;
import com.algohire.relay.ingest.EventIngestion;
import com.algohire.relay.ingest.EventValidator;
import com.algohire.relay.internal.AwsClients;
import com.algohire.relay.internal.StructuredLog;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import java.time.Clock;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The ingest function: POST and GET /api/v1/events, GET /api/v1/events/{eventId} and GET /health. */
public final class IngestApiHandler implements RequestHandler<APIGatewayProxyRequestEvent,
        APIGatewayProxyResponseEvent> {
    private final IngestApi api;

    public IngestApiHandler() {
        this(RelayConfig.fromEnvironment(), AwsClients.fromEnvironment());
    }

    public IngestApiHandler(RelayConfig config, AwsClients clients) {
        this(config, clients.dynamoDb(), clients.sqs(), clients.s3(), Clock.systemUTC(), StructuredLog.stdout());
    }

    IngestApiHandler(RelayConfig config, DynamoDbClient dynamoDb, SqsClient sqs, S3Client s3, Clock clock,
                     StructuredLog log) {
        this.api = new IngestApi(
                new EventValidator(config.knownDomains()),
                EventIngestion.create(dynamoDb, sqs, s3, config, clock, log),
                new EventStore(dynamoDb, new PayloadStore(s3, config.payloadBucket()), config.eventsTable(), clock),
                new EventList(dynamoDb, config.eventsTable(), config.retention(), clock),
                new DeliveryStates(dynamoDb, config.eventsTable(), config.retention(), log),
                new HealthCheck(dynamoDb, sqs, config.eventsTable(), config.deliveryQueueUrl()),
                config.retention(), clock, log);
    }

    @Override
    public APIGatewayProxyResponseEvent handleRequest(APIGatewayProxyRequestEvent request, Context context) {
        return api.handle(request, context);
    }
}
