package com.algohire.relay.localaws;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * Turns messages from an SQS ReceiveMessage call into the {@link SQSEvent} Lambda's SQS event source mapping hands
 * a function: the one mapping used by the local runtime's poller and by the tests that feed the delivery handler
 * batches of their own.
 */
public final class SqsEventRecords {
    private SqsEventRecords() {
    }

    /**
     * @param queueArn the queue's ARN, as Lambda puts it in each record's {@code eventSourceARN}; may be null
     * @param region   the queue's region, each record's {@code awsRegion}; may be null
     */
    public static SQSEvent batch(List<Message> messages, String queueArn, String region) {
        SQSEvent event = new SQSEvent();
        event.setRecords(messages.stream().map(m -> record(m, queueArn, region)).toList());
        return event;
    }

    /** One record. System attributes (ApproximateReceiveCount, ...) are there if the receive asked for them. */
    public static SQSEvent.SQSMessage record(Message message, String queueArn, String region) {
        SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
        record.setMessageId(message.messageId());
        record.setReceiptHandle(message.receiptHandle());
        record.setBody(message.body());
        record.setMd5OfBody(message.md5OfBody());
        record.setMd5OfMessageAttributes(message.md5OfMessageAttributes());
        record.setAttributes(new LinkedHashMap<>(message.attributesAsStrings()));
        Map<String, SQSEvent.MessageAttribute> attributes = new LinkedHashMap<>();
        message.messageAttributes().forEach((name, value) -> attributes.put(name, attribute(value)));
        record.setMessageAttributes(attributes);
        record.setEventSource("aws:sqs");
        record.setEventSourceArn(queueArn);
        record.setAwsRegion(region);
        return record;
    }

    private static SQSEvent.MessageAttribute attribute(MessageAttributeValue value) {
        SQSEvent.MessageAttribute attribute = new SQSEvent.MessageAttribute();
        attribute.setDataType(value.dataType());
        attribute.setStringValue(value.stringValue());
        if (value.binaryValue() != null) {
            attribute.setBinaryValue(value.binaryValue().asByteBuffer());
        }
        // Lambda sends these lists empty rather than absent.
        attribute.setStringListValues(new ArrayList<>(value.stringListValues()));
        attribute.setBinaryListValues(value.binaryListValues().stream().map(SdkBytes::asByteBuffer).toList());
        return attribute;
    }
}
