package com.algohire.relay.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Template;

/** The relay stack synthesized once per test class, with lookups the assertions need (routes, roles, actions). */
final class SynthesizedTemplate {

    /** Every deploy-time choice switched on, so the checks that run on the default stack also see what they add. */
    static final Map<String, Object> EVERY_DEPLOY_OPTION = Map.of(
            DeployOptions.ALARM_EMAIL, "ops@example.com",
            DeployOptions.API_GATEWAY_CLOUDWATCH_ROLE, "true",
            DeployOptions.XRAY_TRACING, "true");

    final RelayStack stack;
    final Template template;
    final JsonNode json;

    private SynthesizedTemplate(RelayStack stack, Template template) {
        this.stack = stack;
        this.template = template;
        this.json = new ObjectMapper().valueToTree(template.toJSON());
    }

    /** The same app wiring as RelayApp.main (cdk.json flags, cdk-nag), written to a scratch directory. */
    static SynthesizedTemplate synthesize() {
        return synthesize(Map.of());
    }

    /** As {@link #synthesize()}, with CDK context as a deployer passes it ({@code cdk deploy -c key=value}). */
    static SynthesizedTemplate synthesize(Map<String, Object> context) {
        try {
            Path outdir = Files.createTempDirectory("relay-cdk-test");
            App app = RelayApp.newApp(outdir, context);
            RelayStack stack = RelayApp.createStack(app);
            return new SynthesizedTemplate(stack, Template.fromStack(stack));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + " (the tests synthesize the stack, which needs the "
                    + "functions jar: ./relay mvn -o -q install -pl infra -am -DskipTests)", e);
        }
    }

    JsonNode resources() {
        return json.path("Resources");
    }

    /** Logical ids of the resources of one CloudFormation type. */
    List<String> logicalIds(String type) {
        List<String> ids = new ArrayList<>();
        resources().fields().forEachRemaining(e -> {
            if (type.equals(e.getValue().path("Type").asText())) {
                ids.add(e.getKey());
            }
        });
        return ids;
    }

    JsonNode properties(String logicalId) {
        return resources().path(logicalId).path("Properties");
    }

    /** The logical id of the Lambda function whose handler is {@code handlerClass}. */
    String functionId(String handlerClass) {
        List<String> matches = logicalIds("AWS::Lambda::Function").stream()
                .filter(id -> handlerClass.equals(properties(id).path("Handler").asText()))
                .toList();
        assertThat(matches).as("functions with handler " + handlerClass).hasSize(1);
        return matches.get(0);
    }

    /** The logical id of the "live" alias of a function. */
    String aliasId(String functionId) {
        List<String> matches = logicalIds("AWS::Lambda::Alias").stream()
                .filter(id -> functionId.equals(properties(id).path("FunctionName").path("Ref").asText()))
                .toList();
        assertThat(matches).as("aliases of " + functionId).hasSize(1);
        return matches.get(0);
    }

    /** Every statement of every policy attached to the function's execution role. */
    List<JsonNode> roleStatements(String functionId) {
        String roleId = properties(functionId).path("Role").path("Fn::GetAtt").path(0).asText();
        List<JsonNode> statements = new ArrayList<>();
        for (String policyId : logicalIds("AWS::IAM::Policy")) {
            JsonNode policy = properties(policyId);
            boolean attached = false;
            for (JsonNode role : policy.path("Roles")) {
                attached |= roleId.equals(role.path("Ref").asText());
            }
            if (attached) {
                policy.path("PolicyDocument").path("Statement").forEach(statements::add);
            }
        }
        return statements;
    }

    /** The actions the function's role allows, on any resource. */
    Set<String> allowedActions(String functionId) {
        Set<String> actions = new LinkedHashSet<>();
        for (JsonNode statement : roleStatements(functionId)) {
            assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
            actionsOf(statement).forEach(actions::add);
        }
        return actions;
    }

    /** The actions the function's role allows on resources that mention {@code resourceLogicalId}. */
    Set<String> allowedActionsOn(String functionId, String resourceLogicalId) {
        Set<String> actions = new LinkedHashSet<>();
        for (JsonNode statement : roleStatements(functionId)) {
            if (statement.path("Resource").toString().contains("\"" + resourceLogicalId + "\"")) {
                actionsOf(statement).forEach(actions::add);
            }
        }
        return actions;
    }

    private static List<String> actionsOf(JsonNode statement) {
        JsonNode action = statement.path("Action");
        List<String> actions = new ArrayList<>();
        if (action.isArray()) {
            action.forEach(a -> actions.add(a.asText()));
        } else {
            actions.add(action.asText());
        }
        return actions;
    }

    /** API methods by route, e.g. "POST /api/v1/events", rebuilt from the resource tree. */
    Map<String, JsonNode> methodsByRoute() {
        Map<String, JsonNode> routes = new LinkedHashMap<>();
        for (String methodId : logicalIds("AWS::ApiGateway::Method")) {
            JsonNode method = properties(methodId);
            routes.put(method.path("HttpMethod").asText() + " " + path(method.path("ResourceId")), method);
        }
        return routes;
    }

    private String path(JsonNode resourceRef) {
        if (!resourceRef.has("Ref")) {
            return ""; // the root resource (Fn::GetAtt RestApi.RootResourceId)
        }
        JsonNode resource = properties(resourceRef.path("Ref").asText());
        return path(resource.path("ParentId")) + "/" + resource.path("PathPart").asText();
    }
}
