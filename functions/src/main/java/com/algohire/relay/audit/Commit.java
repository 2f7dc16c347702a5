package com.algohire.relay.audit;

/**
 * What a service tells the operator request it serves at the moment that request's change has been written: from
 * then on the change stands whatever the answer turns out to be (a DRAIN, a task or a check after the write that
 * fails, answered 503 or 500), so the request is audited with that answer's status ({@code ManagementApi}).
 *
 * <p>Only steps after the write need it: a change whose write is its last step is audited by its 2xx alone, and a
 * request that fails before its write has changed nothing and leaves no record.
 */
@FunctionalInterface
public interface Commit {
    /** For callers with no audit record to write (the delivery side, tests). */
    Commit NONE = () -> {
    };

    /** The change has been written; called right after the write that makes it stand returned. */
    void committed();
}
