package com.algohire.relay.infra;

import java.util.regex.Pattern;
import software.constructs.Node;

/**
 * What a deployer chooses per account at {@code cdk deploy} time, as CDK context ({@code -c key=value} or the
 * {@code context} of cdk.json), read and checked once at synth so a typo fails there instead of in CloudFormation.
 *
 * @param alarmEmail an address to subscribe to the alarm topic, or null for none
 */
record DeployOptions(String alarmEmail) {

    static final String ALARM_EMAIL = "alarmEmail";

    /** Deliberately loose: SNS checks the address, and the subscription only starts once its owner confirms. */
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

    static DeployOptions fromContext(Node node) {
        return new DeployOptions(alarmEmail(node.tryGetContext(ALARM_EMAIL)));
    }

    private static String alarmEmail(Object value) {
        if (value == null || value.toString().isBlank()) {
            return null;
        }
        String email = value.toString().trim();
        if (!EMAIL.matcher(email).matches()) {
            throw new IllegalArgumentException("CDK context " + ALARM_EMAIL + " must be one e-mail address, e.g. "
                    + "cdk deploy -c " + ALARM_EMAIL + "=ops@example.com; was: " + email);
        }
        return email;
    }
}
