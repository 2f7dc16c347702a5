package com.algohire.relay.infra;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import software.constructs.IConstruct;

/** Records a justified cdk-nag suppression next to the resource it is about. */
final class Nag {

    private Nag() {
    }

    /** Suppresses rule {@code id} on {@code construct} and everything under it, for the stated reason. */
    static void suppress(IConstruct construct, String id, String reason) {
        NagSuppressions.addResourceSuppressions(construct,
                List.of(NagPackSuppression.builder().id(id).reason(reason).build()), true);
    }

    /**
     * As {@link #suppress(IConstruct, String, String)}, limited to the listed findings (an action, resource or policy).
     */
    static void suppress(IConstruct construct, String id, String reason, List<String> appliesTo) {
        NagSuppressions.addResourceSuppressions(construct,
                List.of(NagPackSuppression.builder().id(id).reason(reason).appliesTo(List.copyOf(appliesTo)).build()),
                true);
    }
}
