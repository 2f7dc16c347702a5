package com.algohire.relay.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.thirdparty.jackson.core.JsonFactory;
import software.amazon.awssdk.thirdparty.jackson.core.JsonGenerator;
import software.amazon.awssdk.thirdparty.jackson.core.JsonParser;
import software.amazon.awssdk.thirdparty.jackson.dataformat.cbor.CBORFactory;

/**
 * Lets the SDK's CloudWatch client talk to a local server that does not speak Smithy RPCv2 CBOR (the protocol
 * the SDK uses for CloudWatch; moto_server 5.2.1 answers only the JSON and query protocols): each request's CBOR
 * body is rewritten as the same document in awsJson1_0 ({@code X-Amz-Target: GraniteServiceVersion20100801.Op},
 * POST /), and each JSON answer back into CBOR. Only added with an endpoint override; never on AWS.
 */
final class CloudWatchJsonProtocol implements ExecutionInterceptor {
    private static final String OPERATION_PATH = "/operation/";
    private static final String TARGET_PREFIX = "GraniteServiceVersion20100801.";
    private static final JsonFactory JSON = new JsonFactory();
    private static final CBORFactory CBOR = new CBORFactory();

    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        SdkHttpRequest request = context.httpRequest();
        String path = request.encodedPath();
        int at = path.indexOf(OPERATION_PATH);
        if (at < 0) {
            return request;
        }
        String operation = path.substring(at + OPERATION_PATH.length());
        byte[] json = jsonBody(context);
        return request.toBuilder().encodedPath("/")
                .removeHeader("smithy-protocol").removeHeader("Accept")
                .putHeader("Content-Type", "application/x-amz-json-1.0")
                .putHeader("X-Amz-Target", TARGET_PREFIX + operation)
                .putHeader("Content-Length", Integer.toString(json.length))
                .build();
    }

    @Override
    public Optional<RequestBody> modifyHttpContent(Context.ModifyHttpRequest context,
                                                   ExecutionAttributes attributes) {
        if (!context.httpRequest().encodedPath().contains(OPERATION_PATH)) {
            return context.requestBody();
        }
        return Optional.of(RequestBody.fromBytes(jsonBody(context)));
    }

    @Override
    public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        return context.httpResponse().toBuilder().putHeader("smithy-protocol", "rpc-v2-cbor")
                .putHeader("Content-Type", "application/cbor").removeHeader("Content-Length").build();
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
                                                           ExecutionAttributes attributes) {
        Optional<InputStream> body = context.responseBody();
        if (body.isEmpty()) {
            return body;
        }
        try (InputStream in = body.get()) {
            byte[] json = in.readAllBytes();
            if (json.length == 0) {
                return Optional.of(new ByteArrayInputStream(json));
            }
            return Optional.of(new ByteArrayInputStream(copy(JSON, json, CBOR)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] jsonBody(Context.ModifyHttpRequest context) {
        Optional<RequestBody> body = context.requestBody();
        if (body.isEmpty()) {
            return "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        try (InputStream in = body.get().contentStreamProvider().newStream()) {
            byte[] cbor = in.readAllBytes();
            return cbor.length == 0 ? "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)
                    : copy(CBOR, cbor, JSON);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The document in {@code bytes}, read with {@code from} and written with {@code to}. */
    private static byte[] copy(JsonFactory from, byte[] bytes, JsonFactory to) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonParser parser = from.createParser(bytes); JsonGenerator generator = to.createGenerator(out)) {
            while (parser.nextToken() != null) {
                generator.copyCurrentEvent(parser);
            }
        }
        return out.toByteArray();
    }
}
