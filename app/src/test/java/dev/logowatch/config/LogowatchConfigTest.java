package dev.logowatch.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LogowatchConfigTest {
    private static final String VALID = """
            device:
              id: venue-1
            streams:
              - id: east
                url: rtsp://user:hunter2@10.0.0.5:554/stream1
                fps: 2
            models:
              embedder: emb
            mqtt:
              broker: tcp://broker.example:1883
            web:
              port: 9090
            """;

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Files.createDirectories(dir.resolve("emb"));
        Files.writeString(dir.resolve("emb/model.json"), "{}");
        Path file = dir.resolve("logowatch.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private LogowatchConfig load(String yaml) throws IOException {
        return LogowatchConfig.load(write(yaml), Map.of());
    }

    @Test
    void readsAValidFileWithDefaultsForWhatIsNotWritten() throws IOException {
        LogowatchConfig config = load(VALID);
        assertThat(config.device().id()).isEqualTo("venue-1");
        assertThat(config.streams()).singleElement().satisfies(s -> {
            assertThat(s.fps()).isEqualTo(2.0);
            assertThat(s.decoder()).isEqualTo(StreamConfig.Decoder.FFMPEG);
            assertThat(s.rtspTransport()).isEqualTo(StreamConfig.RtspTransport.TCP);
            assertThat(s.stallTimeout()).isEqualTo(Duration.ofSeconds(20));
            assertThat(s.redactedUrl()).isEqualTo("rtsp://user:***@10.0.0.5:554/stream1");
        });
        assertThat(config.mqtt().topicPrefix()).isEqualTo("logowatch/venue-1");
        assertThat(config.mqtt().qos()).isEqualTo(new MqttConfig.Qos(1, 0, 1));
        assertThat(config.web().port()).isEqualTo(9090);
        assertThat(config.web().host()).isEqualTo("0.0.0.0");
        assertThat(config.catalog().aggregation()).isEqualTo(CatalogConfig.Aggregation.MEAN);
    }

    @Test
    void theShippedTemplateAndDemoAreValid() throws IOException {
        Path repo = Path.of(System.getProperty("logowatch.repo", ".."));
        // The template names the installed model folders; point them here as an installer's override would.
        for (String model : new String[] {"emb", "det"}) {
            Files.createDirectories(dir.resolve(model));
            Files.writeString(dir.resolve(model).resolve("model.json"), "{}");
        }
        LogowatchConfig template = LogowatchConfig.load(repo.resolve("config/logowatch.yaml"),
                Map.of("LOGOWATCH_MODELS_EMBEDDER", dir.resolve("emb").toString(),
                        "LOGOWATCH_MODELS_DETECTOR", dir.resolve("det").toString()));
        assertThat(template.device().id()).isEqualTo("venue-01-gate-a");
        LogowatchConfig demo = LogowatchConfig.load(repo.resolve("config/demo.yaml"), Map.of());
        assertThat(demo.mqtt().embedded()).isTrue();
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("unknown key with a suggestion", VALID.replace("  port: 9090", "  prot: 9090"),
                        "web.prot: unknown key", "did you mean 'port'?"),
                Arguments.of("unknown top-level section", VALID + "camera:\n  x: 1\n",
                        "camera: unknown key", "known here"),
                Arguments.of("port is not a number", VALID.replace("port: 9090", "port: eighty"),
                        "web.port: expected a whole number from 0 to 65535", "'eighty'"),
                Arguments.of("port out of range", VALID.replace("port: 9090", "port: 70000"),
                        "web.port: expected a whole number from 0 to 65535", "70000"),
                Arguments.of("missing device id", VALID.replace("  id: venue-1\n", "  state-dir: /tmp/x\n"),
                        "device.id: is required", ""),
                Arguments.of("device id unfit for topics", VALID.replace("id: venue-1", "id: venue/1"),
                        "device.id: 'venue/1' is not a valid id", ""),
                Arguments.of("broker URL with a wrong scheme", VALID.replace("tcp://broker.example:1883", "http://broker.example"),
                        "mqtt.broker: expected a URL starting with", "'http://broker.example'"),
                Arguments.of("broker URL without port", VALID.replace("tcp://broker.example:1883", "tcp://broker.example"),
                        "mqtt.broker: give the port", "tcp://broker.example:1883"),
                Arguments.of("password inside the broker URL", VALID.replace("tcp://broker.example", "tcp://u:pw@broker.example"),
                        "mqtt.broker: credentials do not belong in this URL", ""),
                Arguments.of("missing secret file", VALID + "  auth-token-file: /nonexistent/token\n",
                        "web.auth-token-file: file not found: /nonexistent/token", ""),
                Arguments.of("missing video file", VALID.replace("rtsp://user:hunter2@10.0.0.5:554/stream1", "clips/none.mp4"),
                        "streams[0].url: video file not found", "clips/none.mp4"),
                Arguments.of("bad duration", VALID.replace("    fps: 2", "    fps: 2\n    stall-timeout: soon"),
                        "streams[0].stall-timeout: expected a duration like 500ms, 30s, 10m or 1h", "'soon'"),
                Arguments.of("bad enum", VALID.replace("    fps: 2", "    fps: 2\n    decoder: vlc"),
                        "streams[0].decoder: expected one of ffmpeg, gstreamer", "'vlc'"),
                Arguments.of("gstreamer without appsink", VALID.replace("    fps: 2",
                                "    fps: 2\n    decoder: gstreamer\n    pipeline: videotestsrc ! autovideosink"),
                        "streams[0].pipeline: must end in an appsink element", ""),
                Arguments.of("duplicate stream ids", VALID.replace("models:", "  - id: east\n    url: rtsp://10.0.0.6/s\nmodels:"),
                        "streams[1].id: duplicate stream id 'east'", ""),
                Arguments.of("streams is not a list", VALID.replaceAll("(?s)streams:.*?models:", "streams: east\nmodels:"),
                        "streams: expected a list", ""),
                Arguments.of("verify band upside down", VALID + "verify:\n  verify-low: 0.9\n  accept-high: 0.8\n",
                        "verify.verify-low: must be below accept-high", ""),
                Arguments.of("verify enabled without a server", VALID + "verify:\n  enabled: true\n",
                        "verify.url: is required when verify.enabled is true", ""),
                Arguments.of("similarity threshold out of range", VALID + "catalog:\n  threshold: 1.5\n",
                        "catalog.threshold: expected a number from 0.0 to 1.0", "1.5"),
                Arguments.of("catalog folder missing", VALID + "catalog:\n  dir: nowhere\n",
                        "catalog.dir: folder not found", "nowhere"),
                Arguments.of("detector proposer without a detector", VALID + "proposer:\n  kind: detector\n",
                        "proposer.kind: 'detector' needs models.detector", ""),
                Arguments.of("model folder without manifest", VALID.replace("embedder: emb", "embedder: ."),
                        "models.embedder: no model.json in", ""),
                Arguments.of("streams without an embedder", VALID.replace("  embedder: emb", "  engine: onnx"),
                        "models.embedder: is required when streams are configured", ""),
                Arguments.of("broken YAML", "device:\n  id: [unclosed\n", "not valid YAML", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void rejectsMalformedConfigurationNamingTheKeyAndTheFile(String what, String yaml, String message, String detail)
            throws IOException {
        Path file = write(yaml);
        assertThatThrownBy(() -> LogowatchConfig.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(message)
                .hasMessageContaining(detail)
                .hasMessageContaining(file.toString());
    }

    @Test
    void textReadingNeedsItsModelAndNamesBadSettings() throws IOException {
        Path file = write(VALID + "\ntext:\n  enabled: true\n  min-confidence: 2\n");
        assertThatThrownBy(() -> LogowatchConfig.load(file, Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).startsWith("text.enabled:").contains("models.text-reader"))
                        .anySatisfy(p -> assertThat(p).startsWith("text.min-confidence:")));
        assertThat(load(VALID).text().enabled()).as("off unless configured").isFalse();
    }

    @Test
    void reportsEveryProblemInOnePass() throws IOException {
        Path file = write(VALID.replace("port: 9090", "port: x").replace("fps: 2", "fps: fast"));
        assertThatThrownBy(() -> LogowatchConfig.load(file, Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).startsWith("web.port:"))
                        .anySatisfy(p -> assertThat(p).startsWith("streams[0].fps:")));
    }

    @Test
    void environmentVariablesOverrideKeysAndAreNamedInErrors() throws IOException {
        Path file = write(VALID);
        LogowatchConfig config = LogowatchConfig.load(file, Map.of(
                "LOGOWATCH_WEB_PORT", "7070",
                "LOGOWATCH_STREAMS_0_RTSP_TRANSPORT", "udp",
                "LOGOWATCH_MQTT_QOS_DETECTIONS", "1"));
        assertThat(config.web().port()).isEqualTo(7070);
        assertThat(config.streams().get(0).rtspTransport()).isEqualTo(StreamConfig.RtspTransport.UDP);
        assertThat(config.mqtt().qos().detections()).isEqualTo(1);

        assertThatThrownBy(() -> LogowatchConfig.load(file, Map.of("LOGOWATCH_WEB_PORT", "-1")))
                .hasMessageContaining("web.port:")
                .hasMessageContaining("environment variable LOGOWATCH_WEB_PORT");
    }

    @Test
    void secretsAreReadFromFilesAndNeverShown() throws IOException {
        Path token = dir.resolve("token");
        Files.writeString(token, "s3cr3t-token\n");
        LogowatchConfig config = load(VALID + "  auth-token-file: token\n");
        assertThat(config.web().authToken()).get().satisfies(secret -> {
            assertThat(secret.value()).isEqualTo("s3cr3t-token");
            assertThat(secret.toString()).doesNotContain("s3cr3t");
        });
        assertThat(config.toString()).doesNotContain("s3cr3t").doesNotContain("hunter2");
    }

    @Test
    void anEmptySecretFileIsAnError() throws IOException {
        Files.writeString(dir.resolve("token"), "  \n");
        assertThatThrownBy(() -> load(VALID + "  auth-token-file: token\n"))
                .hasMessageContaining("web.auth-token-file: secret file is empty");
    }

    @Test
    void aMissingFileIsNamed() {
        assertThatThrownBy(() -> LogowatchConfig.load(dir.resolve("absent.yaml"), Map.of()))
                .hasMessageContaining("absent.yaml: configuration file not found");
    }

    @Test
    void relativePathsResolveAgainstTheConfigFolder() throws IOException {
        Files.createDirectories(dir.resolve("clips"));
        Files.write(dir.resolve("clips/a.mp4"), new byte[] {1});
        LogowatchConfig config = load(VALID.replace("rtsp://user:hunter2@10.0.0.5:554/stream1", "clips/a.mp4"));
        assertThat(Path.of(config.streams().get(0).url())).isEqualTo(dir.resolve("clips/a.mp4"));
    }

    @Test
    void durationsAcceptTheUnitsInstallersWrite() {
        assertThat(ConfigNode.parseDuration("500ms")).contains(Duration.ofMillis(500));
        assertThat(ConfigNode.parseDuration("30s")).contains(Duration.ofSeconds(30));
        assertThat(ConfigNode.parseDuration("10m")).contains(Duration.ofMinutes(10));
        assertThat(ConfigNode.parseDuration("1.5h")).contains(Duration.ofMinutes(90));
        assertThat(ConfigNode.parseDuration("1d")).contains(Duration.ofDays(1));
        assertThat(ConfigNode.parseDuration("10")).isEmpty();
        assertThat(ConfigNode.parseDuration("ten minutes")).isEmpty();
    }
}
