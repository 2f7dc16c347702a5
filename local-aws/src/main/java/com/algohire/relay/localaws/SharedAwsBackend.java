package com.algohire.relay.localaws;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests one {@link AwsBackend} per test JVM, started on first use and stopped when
 * the run ends. Use {@code @ExtendWith(SharedAwsBackend.class)} and take an {@code AwsBackend} parameter.
 */
public final class SharedAwsBackend implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            SharedAwsBackend.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == AwsBackend.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return backend(context);
    }

    /** The shared backend, started if this is the first call in this JVM. */
    public static AwsBackend backend(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent("backend", key -> new Holder(AwsBackends.start()), Holder.class)
                .backend;
    }

    /** Closed by JUnit when the root context closes, which stops the servers. */
    private record Holder(AwsBackend backend) implements AutoCloseable {
        @Override
        public void close() {
            backend.close();
        }
    }
}
