package com.algohire.relay.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.algohire.relay.config.RelayConfig;
import com.algohire.relay.localaws.AwsBackend;
import com.algohire.relay.localaws.SharedAwsBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The harness the other tests build on provisions both delivery lanes and configures the relay as deployed. */
@ExtendWith(SharedAwsBackend.class)
class TestResourcesIntegrationTest {

    @Test
    void config_whenCreated_hasBothLanesAndOneDlq(AwsBackend backend) {
        TestResources resources = TestResources.create(backend);

        RelayConfig config = resources.config();

        assertThat(config.deliveryQueueUrl()).isEqualTo(resources.deliveryQueueUrl());
        assertThat(config.deliverySlowQueueUrl()).isEqualTo(resources.slowQueueUrl())
                .isNotEqualTo(config.deliveryQueueUrl());
        assertThat(resources.names.deliverySlowQueue().dlqUrl()).isEqualTo(config.deliveryDlqUrl());
        // what the slow lane's event source would put in eventSourceARN names the slow queue
        assertThat(resources.slowQueueArn()).endsWith(
                resources.slowQueueUrl().substring(resources.slowQueueUrl().lastIndexOf('/') + 1));
    }

    @Test
    void config_withoutSlowLane_hasNoSlowQueue(AwsBackend backend) {
        TestResources resources = TestResources.create(backend);

        RelayConfig config = resources.config(TestResources.WITHOUT_SLOW_LANE);

        assertThat(config.deliverySlowQueueUrl()).isEmpty();
        assertThat(config.deliveryQueueUrl()).isEqualTo(resources.deliveryQueueUrl());
    }

    @Test
    void drainSlowQueue_whenTasksWereSentToTheSlowLane_returnsThemAndLeavesTheMainQueueAlone(AwsBackend backend) {
        TestResources resources = TestResources.create(backend);
        resources.sqs.sendMessage(r -> r.queueUrl(resources.slowQueueUrl()).messageBody("slow"));
        resources.sqs.sendMessage(r -> r.queueUrl(resources.deliveryQueueUrl()).messageBody("main"));

        assertThat(resources.drainSlowQueue()).containsExactly("slow");
        assertThat(resources.drainQueue()).containsExactly("main");
    }
}
