package com.algohire.relay.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's deploy and cost sections, held to the synthesized template and the stack's constants (as
 * ArchitectureDocTest holds docs/architecture.md): the fixed monthly cost counts what the template contains, the
 * copy-paste deploy decides the API Gateway logging role, and the alarm and health numbers are the code's.
 */
class ReadmeCostTest {
    private static final Path README = InfraPaths.infraDir().resolve("../README.md").normalize();
    /** CloudWatch's price of one standard-resolution alarm metric a month (us-east-1). */
    private static final double ALARM_METRIC_PRICE = 0.10;
    private static final double KMS_KEY_PRICE = 1.00;

    private static SynthesizedTemplate t;
    private static String readme;

    @BeforeAll
    static void synthesize() throws IOException {
        t = SynthesizedTemplate.synthesize();
        readme = Files.readString(README);
    }

    @Test
    void idleCost_whenTheStackChanges_countsItsAlarmsAlarmMetricsKeysDashboardAndRules() {
        int alarms = 0;
        int alarmMetrics = 0;
        for (String id : t.logicalIds("AWS::CloudWatch::Alarm")) {
            alarms++;
            JsonNode alarm = t.properties(id);
            if (alarm.has("MetricName")) {
                alarmMetrics++;
            }
            for (JsonNode query : alarm.path("Metrics")) {
                alarmMetrics += query.has("MetricStat") ? 1 : 0;
            }
        }
        int keys = t.logicalIds("AWS::KMS::Key").size();
        String idle = section("### What an idle stack costs each month");

        assertThat(idle).contains(String.format(Locale.ROOT, "| %d alarms, %d alarm metrics | $%.2f |", alarms,
                alarmMetrics, alarmMetrics * ALARM_METRIC_PRICE));
        assertThat(idle).contains(String.format(Locale.ROOT, "| %d (the two topics') | $%.2f", keys,
                keys * KMS_KEY_PRICE));
        assertThat(t.logicalIds("AWS::CloudWatch::Dashboard")).hasSize(1);
        assertThat(t.logicalIds("AWS::CloudWatch::InsightRule")).hasSize(1);
        assertThat(idle).contains("| CloudWatch dashboard | 1 |").contains("| 1 | $0.50 |");
        assertThat(idle).contains("X-Ray** is off by default (`-c " + DeployOptions.XRAY_TRACING + "=true`");
        assertThat(readme).contains("its own throttle of " + RelayApi.HEALTH_RATE_LIMIT + " requests/s, burst "
                + RelayApi.HEALTH_BURST_LIMIT + ")");
    }

    @Test
    void deploySnippet_onANewAccount_decidesTheApiGatewayLoggingRoleAndNeedsNode22() {
        String deploy = section("### Bootstrap and deploy");
        int start = deploy.indexOf("```bash");
        String snippet = deploy.substring(start, deploy.indexOf("```", start + 7));

        assertThat(snippet).contains("aws apigateway get-account --query cloudwatchRoleArn")
                .contains("deploy -c alarmEmail=ops@example.com -c "
                        + DeployOptions.API_GATEWAY_CLOUDWATCH_ROLE + "=");
        assertThat(readme).contains("Node 22+").doesNotContain("Node 20+");
        assertThat(readme).contains("### Upgrading a deployed stack whose indexes differ");
    }

    @Test
    void alarmsTable_whenThresholdsChange_statesTheLateThresholdInMinutes() {
        long minutes = RelayAlarms.LATE_PICKUP_THRESHOLD.toMinutes().longValue();
        assertThat(section("### Alarms")).contains("over " + minutes + " minutes late (p99 of `PickupDelay`");
    }

    /** The text from {@code heading} to the next heading of the same or a higher level. */
    private static String section(String heading) {
        int start = readme.indexOf("\n" + heading + "\n");
        assertThat(start).as(heading + " in " + README).isNotNegative();
        int end = readme.indexOf("\n### ", start + heading.length() + 1);
        int chapter = readme.indexOf("\n## ", start + heading.length() + 1);
        if (end < 0 || (chapter >= 0 && chapter < end)) {
            end = chapter;
        }
        return readme.substring(start, end < 0 ? readme.length() : end);
    }
}
