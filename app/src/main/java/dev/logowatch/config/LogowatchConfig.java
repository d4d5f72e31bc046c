package dev.logowatch.config;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole configuration of one device, read from one YAML file (see
 * {@code config/logowatch.yaml} for every key with its default) and checked before anything
 * starts. Relative paths resolve against the file's folder.
 */
public record LogowatchConfig(Path file, DeviceConfig device, List<StreamConfig> streams, ModelsConfig models,
                              ProposerConfig proposer, CatalogConfig catalog, TrackingConfig tracking,
                              VerifyConfig verify, MqttConfig mqtt, WebConfig web, ImagesConfig images,
                              KeypointsConfig keypoints, TextConfig text) {

    /**
     * Reads and validates the file.
     *
     * @param env environment variables; {@code LOGOWATCH_<KEY_PATH>} overrides a key
     * @throws ConfigException listing every problem found, each naming its key and source
     */
    public static LogowatchConfig load(Path file, Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(List.of(file + ": configuration file not found"));
        }
        if (!Files.isReadable(file)) {
            throw new ConfigException(List.of(file + ": configuration file not readable"));
        }
        Config root;
        try {
            root = Config.builder()
                    .disableEnvironmentVariablesSource()
                    .disableSystemPropertiesSource()
                    .disableValueResolving()
                    .disableKeyResolving()
                    .sources(ConfigSources.file(file))
                    .build();
            root.traverse().count(); // parse now, so a syntax error surfaces here
        } catch (RuntimeException e) {
            // The parser quotes the offending line, which may be a camera URL with its password.
            String reason = rootCause(e).replaceAll("([^\\s/:@]+):(?!//)[^\\s@]+@", "$1:***@");
            throw new ConfigException(List.of(file + ": not valid YAML: " + reason));
        }

        ConfigNode top = new ConfigNode(root, "", new ConfigNode.Context(file, env, problems));
        DeviceConfig device = DeviceConfig.read(top.section("device"));
        List<StreamConfig> streams = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (ConfigNode streamNode : top.list("streams")) {
            StreamConfig stream = StreamConfig.read(streamNode);
            if (!stream.id().isEmpty() && !ids.add(stream.id())) {
                streamNode.problem("id", "duplicate stream id '" + stream.id() + "'");
            }
            streams.add(stream);
        }
        ModelsConfig models = ModelsConfig.read(top.section("models"));
        ProposerConfig proposer = ProposerConfig.read(top.section("proposer"));
        if (proposer.kind() == ProposerConfig.Kind.DETECTOR && models.detector().isEmpty()) {
            top.problem("proposer.kind", "'detector' needs models.detector");
        }
        if (!streams.isEmpty() && models.embedder().isEmpty()) {
            top.problem("models.embedder", "is required when streams are configured (a model folder with model.json)");
        }
        CatalogConfig catalog = CatalogConfig.read(top.section("catalog"));
        TrackingConfig tracking = TrackingConfig.read(top.section("tracking"));
        VerifyConfig verify = VerifyConfig.read(top.section("verify"));
        MqttConfig mqtt = MqttConfig.read(top.section("mqtt"), device);
        WebConfig web = WebConfig.read(top.section("web"));
        ImagesConfig images = ImagesConfig.read(top.section("images"));
        KeypointsConfig keypoints = KeypointsConfig.read(top.section("keypoints"));
        TextConfig text = TextConfig.read(top.section("text"));
        if (text.enabled() && models.textReader().isEmpty()) {
            top.problem("text.enabled", "needs models.text-reader, the folder of the text-reading model "
                    + "(models/text-reader)");
        }
        top.rejectUnknownKeys();

        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new LogowatchConfig(file.toAbsolutePath().normalize(), device, List.copyOf(streams), models,
                proposer, catalog, tracking, verify, mqtt, web, images, keypoints, text);
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return message.replaceAll("\\s+", " ").trim();
    }
}
