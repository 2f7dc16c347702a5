package com.algohire.relay.metrics;

import com.algohire.relay.internal.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;

/**
 * Plays CloudWatch Logs' part where it does not exist (the local runtime, tests): passes each embedded metric
 * format line on to {@code next}, then extracts its metrics as CloudWatch Logs would (every dimension set of every
 * directive, the values from the line's root) and stores them with PutMetricData, so the management API's
 * statistics read locally what they read on AWS. A failure is swallowed: metrics never fail a function.
 */
public final class CloudWatchEmfSink implements EmfSink {
    /** PutMetricData's limit of metrics per call. */
    static final int MAX_DATUMS = 1000;

    private final CloudWatchClient cloudWatch;
    private final EmfSink next;

    public CloudWatchEmfSink(CloudWatchClient cloudWatch, EmfSink next) {
        this.cloudWatch = cloudWatch;
        this.next = next;
    }

    @Override
    public void accept(String line) {
        next.accept(line);
        try {
            JsonNode root = Json.mapper().readTree(line);
            JsonNode aws = root.path("_aws");
            Instant timestamp = Instant.ofEpochMilli(aws.path("Timestamp").asLong());
            for (JsonNode directive : aws.path("CloudWatchMetrics")) {
                List<MetricDatum> data = new ArrayList<>();
                for (JsonNode set : directive.path("Dimensions")) {
                    List<Dimension> dimensions = new ArrayList<>();
                    set.forEach(d -> dimensions.add(Dimension.builder().name(d.asText())
                            .value(root.path(d.asText()).asText()).build()));
                    for (JsonNode metric : directive.path("Metrics")) {
                        String name = metric.path("Name").asText();
                        JsonNode value = root.path(name);
                        List<JsonNode> values = new ArrayList<>();
                        if (value.isArray()) {
                            value.forEach(values::add);
                        } else {
                            values.add(value);
                        }
                        for (JsonNode v : values) {
                            data.add(MetricDatum.builder().metricName(name).dimensions(dimensions)
                                    .unit(StandardUnit.fromValue(metric.path("Unit").asText("None")))
                                    .value(v.asDouble()).timestamp(timestamp).build());
                        }
                    }
                }
                String namespace = directive.path("Namespace").asText();
                for (int from = 0; from < data.size(); from += MAX_DATUMS) {
                    List<MetricDatum> chunk = data.subList(from, Math.min(data.size(), from + MAX_DATUMS));
                    cloudWatch.putMetricData(r -> r.namespace(namespace).metricData(chunk));
                }
            }
        } catch (Exception e) {
            // The line is out (next has it); the local store of its metrics is best effort, as on AWS.
        }
    }
}
