package com.algohire.relay.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JSON object per line on stdout, which Lambda ships to CloudWatch Logs. Callers pass only identifiers
 * and measurements: never a payload, a secret or a header value.
 */
public final class StructuredLog {
    private final PrintStream out;
    private final Clock clock;

    public StructuredLog(PrintStream out, Clock clock) {
        this.out = out;
        this.clock = clock;
    }

    public static StructuredLog stdout() {
        return new StructuredLog(System.out, Clock.systemUTC());
    }

    public void info(String message, Map<String, ?> fields) {
        write("INFO", message, fields);
    }

    public void warn(String message, Map<String, ?> fields) {
        write("WARN", message, fields);
    }

    public void error(String message, Map<String, ?> fields) {
        write("ERROR", message, fields);
    }

    /** A line already formatted as JSON (an embedded-metric-format line), printed as it is. */
    public void raw(String jsonLine) {
        out.println(jsonLine);
    }

    private void write(String level, String message, Map<String, ?> fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("timestamp", clock.instant().toString());
        line.put("level", level);
        line.put("message", message);
        fields.forEach((k, v) -> {
            if (v != null) {
                line.put(k, v);
            }
        });
        try {
            out.println(Json.mapper().writeValueAsString(line));
        } catch (JsonProcessingException e) {
            out.println("{\"level\":\"ERROR\",\"message\":\"unserializable log line\"}");
        }
    }
}
