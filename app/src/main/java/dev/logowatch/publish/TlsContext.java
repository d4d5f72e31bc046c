package dev.logowatch.publish;

import dev.logowatch.config.MqttConfig;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The socket factory for {@code ssl://} brokers, built from the PEM files installers have
 * (the broker's CA, optionally a device certificate and key) with the JDK alone. Keys must be
 * unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}, RSA, EC or Ed25519); other PEM key formats
 * are refused with the openssl command that converts them.
 */
final class TlsContext {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private TlsContext() {
    }

    static SSLSocketFactory socketFactory(MqttConfig.Tls tls) {
        try {
            TrustManager[] trust = null;
            if (tls.caFile().isPresent()) {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                List<? extends Certificate> cas = certificates(tls.caFile().get());
                for (int i = 0; i < cas.size(); i++) {
                    store.setCertificateEntry("ca-" + i, cas.get(i));
                }
                TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(store);
                trust = factory.getTrustManagers();
            }
            KeyManager[] keys = null;
            if (tls.certFile().isPresent() && tls.keyFile().isPresent()) {
                List<? extends Certificate> chain = certificates(tls.certFile().get());
                PrivateKey key = privateKey(tls.keyFile().get());
                char[] password = "logowatch".toCharArray();
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("device", key, password, chain.toArray(Certificate[]::new));
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(store, password);
                keys = factory.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context.getSocketFactory();
        } catch (GeneralSecurityException | IOException e) {
            throw new PublishException("cannot set up TLS for MQTT: " + e.getMessage(), e);
        }
    }

    static List<? extends Certificate> certificates(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            List<? extends Certificate> certs = List.copyOf(CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes)));
            if (certs.isEmpty()) {
                throw new PublishException(file + " holds no certificate (expected PEM '-----BEGIN CERTIFICATE-----')");
            }
            return certs;
        } catch (IOException e) {
            throw new PublishException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (CertificateException e) {
            throw new PublishException(file + " is not a PEM or DER X.509 certificate: " + e.getMessage(), e);
        }
    }

    static PrivateKey privateKey(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new PublishException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            switch (type) {
                case "PRIVATE KEY" -> {
                    byte[] der = Base64.getMimeDecoder().decode(m.group(2));
                    return pkcs8(file, der);
                }
                case "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY" -> throw new PublishException(
                        file + " holds a '" + type + "', which is not supported: give an unencrypted PKCS#8 key"
                                + " ('BEGIN PRIVATE KEY'), e.g. openssl pkcs8 -topk8 -nocrypt -in " + file
                                + " -out device.key.pem");
                default -> {
                    // Certificates or parameters in the same file: keep looking.
                }
            }
        }
        throw new PublishException(file + " holds no PEM private key (expected '-----BEGIN PRIVATE KEY-----')");
    }

    private static PrivateKey pkcs8(Path file, byte[] der) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // Not this algorithm; the PKCS#8 header names it, but the JDK wants it given.
            }
        }
        throw new PublishException(file + " holds a PKCS#8 key of an algorithm other than RSA, EC or Ed25519");
    }
}
