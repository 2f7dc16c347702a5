package com.algohire.relay.infra;

import java.util.Map;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * One handler of the shaded functions jar as a Lambda function with its own log group, published with SnapStart
 * behind the "live" alias that every trigger (API, queue, schedule) invokes.
 */
final class RelayFunction extends Construct {

    /** The alias every trigger targets: SnapStart only applies to published versions, never to $LATEST. */
    static final String ALIAS_NAME = "live";
    static final RetentionDays LOG_RETENTION = RetentionDays.ONE_MONTH;

    /**
     * What differs between the four functions.
     *
     * @param handlerClass fully qualified class implementing RequestHandler
     * @param memoryMb     memory, which also buys CPU (JSON, TLS and SDK work are CPU-bound)
     * @param timeout      the function timeout
     */
    record Spec(String handlerClass, String description, int memoryMb, Duration timeout) {
    }

    private final Function function;
    private final Alias alias;
    private final LogGroup logs;

    /** @param tracing X-Ray active tracing ({@link DeployOptions#xrayTracing()}); off: no tracing config, no grant */
    RelayFunction(Construct scope, String id, Code code, Spec spec, Map<String, String> environment,
                  boolean tracing) {
        super(scope, id);
        // An explicit log group (instead of the deprecated logRetention custom resource) so retention is a plain
        // CloudFormation property of a resource this stack owns.
        this.logs = LogGroup.Builder.create(this, "Logs").retention(LOG_RETENTION).build();
        this.function = Function.Builder.create(this, "Function")
                .description(spec.description())
                .runtime(Runtime.JAVA_21)
                // Graviton: cheaper per GB-second and supported by SnapStart for Java 21.
                .architecture(Architecture.ARM_64)
                .handler(spec.handlerClass())
                .code(code)
                .memorySize(spec.memoryMb())
                .timeout(spec.timeout())
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                // No JAVA_TOOL_OPTIONS for the JIT. AWS documents ("Customize Java runtime startup behavior") that
                // for Java 17 and Java 21 "Lambda configures the JVM to stop tiered compilation at level 1 by
                // default" (C1 only), and that for Java 25 it does so except with SnapStart or provisioned
                // concurrency, where it uses the JVM's default settings. Setting level 1 ourselves would repeat
                // today's default and, after a runtime upgrade, override the one AWS chose for SnapStart.
                .tracing(tracing ? Tracing.ACTIVE : null)
                .logGroup(logs)
                .environment(environment)
                .build();
        // currentVersion publishes a new version whenever the code or configuration changes, so the alias always
        // points at a SnapStart snapshot of what was deployed.
        Annotations.of(function).acknowledgeWarning("@aws-cdk/aws-lambda:snapStartRequirePublish",
                "Published: the live alias below points at currentVersion.");
        this.alias = Alias.Builder.create(this, "Live")
                .aliasName(ALIAS_NAME)
                .version(function.getCurrentVersion())
                .build();
    }

    Function function() {
        return function;
    }

    /** Where the function's log lines (and its embedded-metric-format lines) go. */
    LogGroup logGroup() {
        return logs;
    }

    /** What triggers and grants use: permissions granted here land on the function's role. */
    Alias alias() {
        return alias;
    }
}
