package dev.logowatch.publish;

import org.eclipse.paho.client.mqttv3.MqttException;

import javax.net.ssl.SSLException;
import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.cert.CertPathValidatorException;

/** Turns Paho's failures into one line an installer can act on, naming the broker. */
final class BrokerFailure {
    private BrokerFailure() {
    }

    /** {@code scheme://host:port}, without any user information the URL might carry. */
    static String label(URI broker) {
        return broker.getScheme() + "://" + broker.getHost() + ":" + broker.getPort();
    }

    static String connectFailed(String broker, Throwable failure) {
        if (failure instanceof MqttException e) {
            switch (e.getReasonCode()) {
                case MqttException.REASON_CODE_NOT_AUTHORIZED:
                    return "broker " + broker + " refused the connection: not authorized"
                            + " (check mqtt.username and mqtt.password-file)";
                case MqttException.REASON_CODE_FAILED_AUTHENTICATION:
                    return "broker " + broker + " refused the connection: bad user name or password"
                            + " (check mqtt.username and mqtt.password-file)";
                case MqttException.REASON_CODE_INVALID_CLIENT_ID:
                    return "broker " + broker + " refused the client id (check mqtt.client-id)";
                case MqttException.REASON_CODE_BROKER_UNAVAILABLE:
                    return "broker " + broker + " says it is unavailable";
                case MqttException.REASON_CODE_INVALID_PROTOCOL_VERSION:
                    return "broker " + broker + " does not speak MQTT 3.1.1";
                case MqttException.REASON_CODE_CLIENT_TIMEOUT:
                    return "broker " + broker + " did not answer in time";
                default:
                    break;
            }
        }
        return "cannot reach broker " + broker + ": " + cause(failure);
    }

    static String connectionLost(String broker, Throwable failure) {
        return "lost the connection to broker " + broker + ": " + cause(failure);
    }

    private static String cause(Throwable failure) {
        for (Throwable c = failure; c != null && c.getCause() != c; c = c.getCause()) {
            if (c instanceof CertPathValidatorException) {
                return "TLS failed: the broker's certificate is not signed by a trusted CA (check mqtt.tls.ca-file)";
            }
        }
        Throwable t = failure;
        while (t != null) {
            if (t instanceof ConnectException) {
                return "connection refused";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host " + t.getMessage();
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to host";
            }
            if (t instanceof SocketTimeoutException) {
                return "timed out";
            }
            if (t instanceof SSLException) {
                return "TLS failed: " + t.getMessage();
            }
            if (t instanceof EOFException) {
                return "the broker closed the connection";
            }
            if (t.getCause() == null || t.getCause() == t) {
                break;
            }
            t = t.getCause();
        }
        if (t == null) {
            return "no reason given";
        }
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }
}
