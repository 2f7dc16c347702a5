package com.algohire.relay.infra;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.StackProps;

/** The CDK app: one relay stack, checked by cdk-nag's AwsSolutions pack, synthesized into cdk.out. */
public final class RelayApp {

    public static final String STACK_NAME = "RelayStack";

    private RelayApp() {
    }

    public static void main(String[] args) {
        // The CDK CLI tells the app where to write; run on its own (./relay cdk-app) it writes infra/cdk.out, where
        // samconfig.toml and `cdk deploy --app cdk.out` expect the template, rather than CDK's default temp dir.
        String cliOutdir = System.getenv("CDK_OUTDIR");
        App app = newApp(cliOutdir != null ? Path.of(cliOutdir) : InfraPaths.infraDir().resolve("cdk.out"));
        createStack(app);
        app.synth();
    }

    /**
     * An app with cdk.json's feature flags. The CDK CLI passes them to the app itself, but {@code ./relay cdk-app}
     * and the tests run without the CLI, and must synthesize the same template it would.
     */
    static App newApp(Path outdir) {
        return newApp(outdir, Map.of());
    }

    /** As {@link #newApp(Path)}, plus context as {@code cdk -c key=value} would give it (tests' deploy options). */
    static App newApp(Path outdir, Map<String, Object> extraContext) {
        Map<String, Object> context = new LinkedHashMap<>(cdkJsonContext(InfraPaths.cdkJson()));
        context.putAll(extraContext);
        // Asset and construct-path metadata let `sam local invoke` find each function's code in cdk.out.
        context.putIfAbsent("aws:cdk:enable-asset-metadata", true);
        context.putIfAbsent("aws:cdk:enable-path-metadata", true);
        return App.Builder.create().outdir(outdir.toString()).context(context).build();
    }

    /** The stack, with the AwsSolutions checks applied: an unsuppressed finding is reported as an error. */
    static RelayStack createStack(App app) {
        RelayStack stack = new RelayStack(app, STACK_NAME, StackProps.builder()
                .description("AlgoHire webhook event relay: ingest API, storage, delivery queue and functions")
                .build());
        Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
        return stack;
    }

    private static Map<String, Object> cdkJsonContext(Path cdkJson) {
        try {
            JsonNode context = new ObjectMapper().readTree(Files.readString(cdkJson)).path("context");
            return new ObjectMapper().convertValue(context, new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CDK context from " + cdkJson, e);
        }
    }
}
