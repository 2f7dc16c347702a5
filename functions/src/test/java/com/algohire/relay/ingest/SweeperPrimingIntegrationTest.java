package com.algohire.relay.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.internal.StructuredLog;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import com.algohire.relay.testing.TestResources;
import com.algohire.relay.testing.WireCounter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SnapStart priming of the sweeper: one read on the wire (its UpdateItem and SendMessage are built, never sent),
 * nothing written or queued. RelayStackPermissionsTest checks that its role grants every call priming builds.
 */
@ExtendWith(SharedAwsBackend.class)
class SweeperPrimingIntegrationTest {

    @Test
    void prime_whenSweeper_sendsOneGetItemAndWritesNothing(AwsBackend backend) {
        TestResources aws = TestResources.create(backend);
        RelayConfig config = aws.config();
        WireCounter wire = new WireCounter();
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        SweeperHandler handler = new SweeperHandler(config, wire.dynamoDb(backend, backend.dynamoDbEndpoint()),
                wire.sqs(backend, backend.sqsEndpoint()), Clock.systemUTC(),
                new StructuredLog(new PrintStream(logs, true, StandardCharsets.UTF_8), Clock.systemUTC()));

        assertThat(handler.prime()).isEmpty();

        assertThat(wire.requests()).containsExactly("DynamoDb.GetItem");
        assertThat(aws.dynamoDb.scan(r -> r.tableName(config.eventsTable())).count()).isZero();
        assertThat(aws.drainQueue()).isEmpty();
        assertThat(logs.toString(StandardCharsets.UTF_8)).contains("snapstart priming done");
    }
}
