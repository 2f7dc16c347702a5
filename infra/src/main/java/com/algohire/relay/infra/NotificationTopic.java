package com.algohire.relay.infra;

import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.constructs.Construct;

/**
 * The operators' notice board for subscription state changes (breaker opened / closed, disabled, re-enabled,
 * paused / resumed): the delivery and management functions publish one message per change (isolation.Notifier),
 * beside the structured log line. Separate from the alarm topic: alarms say the relay is unwell, these say a
 * partner's endpoint is, and an operator may route the two to different people.
 *
 * <p>Encrypted with a key of its own, like the alarm topic: the publishers are this stack's function roles, granted
 * kms:GenerateDataKey and kms:Decrypt on this key only (SNS encrypts as the publisher), so no one else's key policy
 * is involved and the key can be audited and rotated on its own. enforceSsl adds a topic policy denying every
 * request without TLS; publishing is allowed by the roles' own IAM policies (same account).
 */
final class NotificationTopic extends Construct {

    private final Key key;
    private final Topic topic;

    /** @param email an address to subscribe (SNS mails it a confirmation link first), or null */
    NotificationTopic(Construct scope, String id, String email) {
        super(scope, id);
        this.key = Key.Builder.create(this, "TopicKey")
                .description("Encrypts the webhook relay's subscription state-change topic")
                .enableKeyRotation(true)
                .build();
        this.topic = Topic.Builder.create(this, "Topic")
                .displayName("Webhook relay subscription state changes")
                .masterKey(key)
                .enforceSsl(true)
                .build();
        if (email != null) {
            topic.addSubscription(new EmailSubscription(email));
        }
    }

    Topic topic() {
        return topic;
    }

    Key key() {
        return key;
    }
}
