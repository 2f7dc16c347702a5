package com.algohire.relay.infra;

import com.algohire.relay.api.ApiResponses;
import com.algohire.relay.config.ApiRoutes;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigateway.ApiKey;
import software.amazon.awscdk.services.apigateway.AuthorizationType;
import software.amazon.awscdk.services.apigateway.EndpointType;
import software.amazon.awscdk.services.apigateway.GatewayResponseOptions;
import software.amazon.awscdk.services.apigateway.IApiKey;
import software.amazon.awscdk.services.apigateway.Integration;
import software.amazon.awscdk.services.apigateway.IntegrationResponse;
import software.amazon.awscdk.services.apigateway.LambdaIntegration;
import software.amazon.awscdk.services.apigateway.LogGroupLogDestination;
import software.amazon.awscdk.services.apigateway.Method;
import software.amazon.awscdk.services.apigateway.MethodDeploymentOptions;
import software.amazon.awscdk.services.apigateway.MethodLoggingLevel;
import software.amazon.awscdk.services.apigateway.MethodOptions;
import software.amazon.awscdk.services.apigateway.MethodResponse;
import software.amazon.awscdk.services.apigateway.MockIntegration;
import software.amazon.awscdk.services.apigateway.PassthroughBehavior;
import software.amazon.awscdk.services.apigateway.RequestValidator;
import software.amazon.awscdk.services.apigateway.RequestValidatorOptions;
import software.amazon.awscdk.services.apigateway.ResponseType;
import software.amazon.awscdk.services.apigateway.RestApi;
import software.amazon.awscdk.services.apigateway.StageOptions;
import software.amazon.awscdk.services.apigateway.ThrottleSettings;
import software.amazon.awscdk.services.apigateway.ThrottlingPerMethod;
import software.amazon.awscdk.services.apigateway.UsagePlan;
import software.amazon.awscdk.services.apigateway.UsagePlanPerApiStage;
import software.amazon.awscdk.services.apigateway.UsagePlanProps;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * The REST API: ingest routes behind an API key and usage plan, operator routes behind IAM (SigV4), an open
 * liveness check API Gateway answers itself, JSON access logs, and API Gateway's own errors in the relay's error
 * envelope.
 */
final class RelayApi extends Construct {

    static final String STAGE_NAME = "prod";
    /** Whole-stage default for every method (mostly operator traffic): requests per second and burst. */
    static final int STAGE_RATE_LIMIT = 50;
    static final int STAGE_BURST_LIMIT = 100;
    /** GET /health, open to anyone: requests per second and burst (a few uptime probes need far less). */
    static final int HEALTH_RATE_LIMIT = 10;
    static final int HEALTH_BURST_LIMIT = 20;

    private final RestApi api;
    private final IApiKey ingestApiKey;
    private final LogGroup accessLogs;
    private final DeployOptions.IngestThrottle throttle;

    /**
     * @param createCloudWatchRole see {@link DeployOptions#apiGatewayCloudWatchRole()}: the stage's access logs and
     *                             execution logs are written with the account's API Gateway CloudWatch role, a
     *                             per-region account setting; true creates one and points the setting at it
     *                             (taking the setting over from whatever role it named), false relies on the
     *                             role the account already has
     * @param throttle             POST /api/v1/events' rate and burst, for all callers and per key
     *                             ({@link DeployOptions#ingestThrottle()})
     * @param tracing              X-Ray tracing on the stage ({@link DeployOptions#xrayTracing()})
     */
    RelayApi(Construct scope, String id, IFunction ingest, IFunction management, boolean createCloudWatchRole,
             DeployOptions.IngestThrottle throttle, boolean tracing) {
        super(scope, id);
        this.throttle = throttle;
        this.accessLogs = LogGroup.Builder.create(this, "AccessLogs").retention(RetentionDays.THREE_MONTHS).build();
        this.api = restApi(createCloudWatchRole, tracing);
        addErrorEnvelopes();
        Map<ApiRoutes.Route, Method> methods = addRoutes(ingest, management);
        this.ingestApiKey = ingestApiKey(methods.get(ApiRoutes.POST_EVENT));
        suppressFindings(methods.get(ApiRoutes.POST_EVENT), methods.get(ApiRoutes.HEALTH), createCloudWatchRole);
    }

    /** The API and its one stage: JSON access logs, error-level execution logs, throttling, tracing if asked. */
    private RestApi restApi(boolean createCloudWatchRole, boolean tracing) {
        return RestApi.Builder.create(this, "Api")
                // API Gateway's metrics know an API by its name alone (ApiName): the stack's name keeps two relay
                // stacks of one account and Region apart in every alarm and graph (RelayTelemetry).
                .restApiName(Aws.STACK_NAME)
                .description("AlgoHire webhook event relay: event ingestion and subscription management")
                // Callers are AlgoHire services in AWS: a regional endpoint avoids the edge (CloudFront) hop.
                .endpointTypes(List.of(EndpointType.REGIONAL))
                // Both AWS::ApiGateway::Account and the role are retained when the stack is deleted (CDK's
                // default), since other APIs of the account may be logging through them by then.
                .cloudWatchRole(createCloudWatchRole)
                .deployOptions(StageOptions.builder()
                        .stageName(STAGE_NAME)
                        .tracingEnabled(tracing)
                        .accessLogDestination(new LogGroupLogDestination(accessLogs))
                        .accessLogFormat(AccessLogFormat.custom(accessLogJson()))
                        .loggingLevel(MethodLoggingLevel.ERROR)
                        // Never log request or response bodies: payloads may carry personal data.
                        .dataTraceEnabled(false)
                        .metricsEnabled(true)
                        .throttlingRateLimit(STAGE_RATE_LIMIT)
                        .throttlingBurstLimit(STAGE_BURST_LIMIT)
                        .methodOptions(Map.of(
                                "/api/v1/events/POST", methodSetting(throttle.rateLimit(), throttle.burstLimit()),
                                ApiRoutes.HEALTH.resource() + "/" + ApiRoutes.HEALTH.method(),
                                methodSetting(HEALTH_RATE_LIMIT, HEALTH_BURST_LIMIT)))
                        .build())
                .build();
    }

    /**
     * A method's own stage setting. It replaces the stage's {@code /*} setting for that method rather than adding to
     * it, so it repeats the stage's metrics and logging: without them the method has no per-method metrics (the
     * ingest 5xx alarm would read a metric that never exists) and no execution logs.
     */
    private static MethodDeploymentOptions methodSetting(int rateLimit, int burstLimit) {
        return MethodDeploymentOptions.builder()
                .metricsEnabled(true)
                .loggingLevel(MethodLoggingLevel.ERROR)
                .dataTraceEnabled(false)
                .throttlingRateLimit(rateLimit)
                .throttlingBurstLimit(burstLimit)
                .build();
    }

    /**
     * One method per route of {@link ApiRoutes#ALL}, integrated with the function that serves it.
     *
     * <p>Every method gets the validator (cdk-nag APIG2). It checks the declared path parameters only: the
     * handlers validate headers and bodies themselves, so that a bad request gets the same error code and
     * message deployed as it does in the local runtime, which has no API Gateway in front of it.
     */
    private Map<ApiRoutes.Route, Method> addRoutes(IFunction ingest, IFunction management) {
        RequestValidator validator = api.addRequestValidator("RequestValidator", RequestValidatorOptions.builder()
                .validateRequestBody(true)
                .validateRequestParameters(true)
                .build());
        LambdaIntegration ingestIntegration = integration(ingest);
        LambdaIntegration managementIntegration = integration(management);
        Map<ApiRoutes.Route, Method> methods = new LinkedHashMap<>();
        for (ApiRoutes.Route route : ApiRoutes.ALL) {
            Integration integration = switch (route.function()) {
                case INGEST -> ingestIntegration;
                case MANAGEMENT -> managementIntegration;
                case GATEWAY -> liveness();
            };
            MethodOptions options = options(route, validator);
            if (route.function() == ApiRoutes.Function.GATEWAY) {
                options = MethodOptions.builder().requestValidator(validator)
                        .authorizationType(options.getAuthorizationType())
                        .methodResponses(List.of(MethodResponse.builder().statusCode("200")
                                .responseParameters(Map.of("method.response.header.Content-Type", true))
                                .build()))
                        .build();
            }
            methods.put(route, api.getRoot().resourceForPath(route.resource())
                    .addMethod(route.method(), integration, options));
        }
        return methods;
    }

    /**
     * GET /health answered by API Gateway itself: a MOCK integration, so the open route anyone may call costs no
     * Lambda invocation and no AWS call, only the API request. It says the API is up; whether the table and the
     * queue answer is GET /api/v1/health, behind IAM. A request whose Content-Type has no template is refused (415)
     * rather than passed to the mock.
     */
    private static MockIntegration liveness() {
        return MockIntegration.Builder.create()
                .passthroughBehavior(PassthroughBehavior.NEVER)
                .requestTemplates(Map.of("application/json", "{\"statusCode\": 200}"))
                .integrationResponses(List.of(IntegrationResponse.builder()
                        .statusCode("200")
                        .responseParameters(Map.of("method.response.header.Content-Type", "'application/json'"))
                        .responseTemplates(Map.of("application/json", ApiRoutes.LIVENESS_BODY))
                        .build()))
                .build();
    }

    /** The ingest API key, in a usage plan that throttles each key on {@code postEvents}. */
    private IApiKey ingestApiKey(Method postEvents) {
        IApiKey key = ApiKey.Builder.create(this, "IngestApiKey")
                .description("Key for AlgoHire modules posting events to POST /api/v1/events")
                .build();
        UsagePlan plan = new UsagePlan(this, "IngestUsagePlan", UsagePlanProps.builder()
                .description("Throttles each ingest API key")
                .throttle(ThrottleSettings.builder().rateLimit(throttle.perKeyRateLimit())
                        .burstLimit(throttle.perKeyBurstLimit()).build())
                .apiStages(List.of(UsagePlanPerApiStage.builder()
                        .api(api)
                        .stage(api.getDeploymentStage())
                        .throttle(List.of(ThrottlingPerMethod.builder()
                                .method(postEvents)
                                .throttle(ThrottleSettings.builder()
                                        .rateLimit(throttle.perKeyRateLimit())
                                        .burstLimit(throttle.perKeyBurstLimit()).build())
                                .build()))
                        .build()))
                .build());
        plan.addApiKey(key);
        return key;
    }

    RestApi restApi() {
        return api;
    }

    IApiKey ingestApiKey() {
        return ingestApiKey;
    }

    /**
     * What a route's credential means on AWS: the ingest route takes an API key of the usage plan; the management
     * routes take IAM (operators sign with SigV4 as a principal allowed execute-api:Invoke on them), a credential
     * separate from the ingest key; the liveness check is open. Declared path parameters are validated.
     */
    private static MethodOptions options(ApiRoutes.Route route, RequestValidator validator) {
        Map<String, Boolean> parameters = new LinkedHashMap<>();
        for (String name : route.pathParameters()) {
            parameters.put("method.request.path." + name, true);
        }
        MethodOptions.Builder options = MethodOptions.builder().requestValidator(validator)
                .requestParameters(parameters);
        return switch (route.auth()) {
            case API_KEY -> options.apiKeyRequired(true).build();
            case OPERATOR -> options.authorizationType(AuthorizationType.IAM).build();
            case NONE -> options.authorizationType(AuthorizationType.NONE).build();
        };
    }

    private static LambdaIntegration integration(IFunction alias) {
        return LambdaIntegration.Builder.create(alias)
                .proxy(true)
                // One invoke permission per function for the whole API rather than one per method (and per
                // test-invoke stage): keeps the function policy far below its 20 KB limit.
                .scopePermissionToMethod(false)
                .build();
    }

    /**
     * API Gateway answers some requests itself (missing API key, throttled, IAM signature refused): give those
     * the relay's error envelope too, with the response type as the machine-readable code.
     */
    private void addErrorEnvelopes() {
        Map<String, String> headers = new LinkedHashMap<>();
        ApiResponses.SECURITY_HEADERS.forEach((name, value) -> {
            // A gateway response header is a quoted static value, which cannot itself contain quotes (the CSP
            // does); these responses are small JSON documents that no browser renders.
            if (!value.contains("'")) {
                headers.put(name, "'" + value + "'");
            }
        });
        String envelope = "{\"success\":false,\"error\":{\"code\":\"$context.error.responseType\","
                + "\"message\":$context.error.messageString}}";
        for (ResponseType type : List.of(ResponseType.DEFAULT_4_XX, ResponseType.DEFAULT_5_XX)) {
            api.addGatewayResponse(type == ResponseType.DEFAULT_4_XX ? "Default4xx" : "Default5xx",
                    GatewayResponseOptions.builder()
                            .type(type)
                            .responseHeaders(headers)
                            .templates(Map.of("application/json", envelope))
                            .build());
        }
    }

    /** One JSON object per request: who called (key id or IAM user), what, the outcome and the latency. */
    private static String accessLogJson() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("requestId", "$context.requestId");
        fields.put("extendedRequestId", "$context.extendedRequestId");
        fields.put("requestTime", "$context.requestTime");
        fields.put("sourceIp", "$context.identity.sourceIp");
        fields.put("httpMethod", "$context.httpMethod");
        fields.put("resourcePath", "$context.resourcePath");
        fields.put("protocol", "$context.protocol");
        fields.put("status", "$context.status");
        fields.put("responseLength", "$context.responseLength");
        fields.put("responseLatency", "$context.responseLatency");
        fields.put("integrationLatency", "$context.integrationLatency");
        fields.put("integrationStatus", "$context.integrationStatus");
        fields.put("apiKeyId", "$context.identity.apiKeyId");
        fields.put("userArn", "$context.identity.userArn");
        fields.put("errorResponseType", "$context.error.responseType");
        fields.put("xrayTraceId", "$context.xrayTraceId");
        try {
            return new ObjectMapper().writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("access log format is not serialisable", e);
        }
    }

    private void suppressFindings(Method postEvents, Method health, boolean createCloudWatchRole) {
        Nag.suppress(health, "AwsSolutions-APIG4", "GET /health is deliberately unauthenticated: load balancers and "
                + "uptime probes call it; API Gateway answers it itself (a MOCK integration) with a fixed body, no "
                + "data, under its own low throttle.");
        Nag.suppress(postEvents, "AwsSolutions-APIG4", "POST /api/v1/events is authenticated by an API key "
                + "(apiKeyRequired) bound to a throttling usage plan: the credential the ingest contract specifies "
                + "for internal producer modules.");
        Nag.suppress(api, "AwsSolutions-COG4", "There are no end users: producers authenticate with an API key, "
                + "operators sign with IAM SigV4, /health is open by design. There is no Cognito user pool.");
        Nag.suppress(api, "AwsSolutions-APIG3", "No web ACL yet: callers are internal services authenticated by API "
                + "key or SigV4, and requests are throttled per stage, per method and per key. A WAF web ACL can be "
                + "associated with the stage without code changes if the API is exposed more widely (mind the "
                + "1 MiB bodies, which the AWS common rule set's 8 KB body limit would block).");
        if (createCloudWatchRole) {
            Nag.suppress(api, "AwsSolutions-IAM4", "The account-level API Gateway CloudWatch role uses AWS's managed "
                    + "AmazonAPIGatewayPushToCloudWatchLogs policy, the documented way to enable execution logging.",
                    List.of("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                            + "AmazonAPIGatewayPushToCloudWatchLogs"));
        }
    }
}
