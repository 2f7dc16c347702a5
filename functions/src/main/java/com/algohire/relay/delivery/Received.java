package com.algohire.relay.delivery;

import java.time.Instant;

/**
 * A message as its batch received it: what the delivery needs to settle it besides the task it carries.
 *
 * @param queueUrl       the queue it came from (main or slow lane), where its visibility is changed
 * @param receiptHandle  its receipt, for ChangeMessageVisibility (null when there is none, e.g. a test's event)
 * @param receivedAt     when SQS handed it out, at the latest: its visibility can reach 12 h from then
 * @param deadline       when its HTTP attempt must be over, so that the bookkeeping after it fits in the invocation
 * @param messageId      its SQS message id: who claims its attempt (a redelivery of this message may repeat it)
 */
record Received(String queueUrl, String receiptHandle, Instant receivedAt, Deadline deadline, String messageId) {
}
