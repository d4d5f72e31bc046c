package dev.logowatch.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine toolchain in {@code tensorrt-engines/} and {@code jni/}: the scripts pass
 * {@code bash -n} and shellcheck, the Python exporters compile, and build_engines.sh, driven
 * against a stand-in for trtexec (this machine has no TensorRT), passes the right shapes and
 * precision and writes an engine manifest the service then accepts on the GPU it names and
 * rejects elsewhere with the command that rebuilds it.
 */
@Tag("integration")
class TensorRtToolchainTest {

    private static final Path REPO = Optional.ofNullable(System.getProperty("logowatch.repo"))
            .map(Path::of).orElse(Path.of("..")).toAbsolutePath().normalize();
    private static final Path BUILD_ENGINES = REPO.resolve("tensorrt-engines/build_engines.sh");
    private static final Path CHECK_HEADERS = REPO.resolve("jni/check-tensorrt-headers.sh");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /**
     * Prints what trtexec 10.3 prints about the device and version (format of
     * samples/common/sampleDevice.cpp and samples/trtexec/trtexec.cpp), records its arguments,
     * and writes a file where --saveEngine points.
     */
    private static final String FAKE_TRTEXEC = """
            #!/usr/bin/env bash
            echo "$*" >> "$(dirname "$0")/calls.log"
            echo "&&&& RUNNING TensorRT.trtexec [TensorRT v100300] # trtexec $*"
            echo "[03/01/2026-10:00:00] [I] === Device Information ==="
            echo "[03/01/2026-10:00:00] [I] Selected Device: Orin"
            echo "[03/01/2026-10:00:00] [I] Compute Capability: 8.7"
            echo "[03/01/2026-10:00:00] [I] TensorRT version: 10.3.0"
            out=
            for a in "$@"; do
              case $a in
                --loadEngine=*) echo "[E] Error opening engine file: ${a#*=}"; exit 1 ;;
                --minShapes=*) if [[ -n ${FAKE_STATIC:-} ]]; then
                    echo "[E] Static model does not take explicit shapes since the shape of inference tensors will be determined by the model itself"
                    exit 1
                  fi ;;
                --saveEngine=*) out=${a#*=} ;;
              esac
            done
            printf 'plan built by: %s\\n' "$*" > "$out"
            echo "&&&& PASSED TensorRT.trtexec"
            """;

    @TempDir
    Path tmp;
    private Path trtexec;
    private Path model;

    @BeforeEach
    void fakeTrtexecAndModel() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        trtexec = bin.resolve("trtexec");
        Files.writeString(trtexec, FAKE_TRTEXEC);
        Files.setPosixFilePermissions(trtexec, PosixFilePermissions.fromString("rwxr-xr-x"));
        model = Files.createDirectories(tmp.resolve("models/clip-b32"));
        Files.writeString(model.resolve("model.onnx"), "an ONNX image tower");
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(model.resolve("model.onnx"))));
        Files.writeString(model.resolve("model.json"), """
                {"name": "clip-b32", "task": "embed", "file": "model.onnx", "sha256": "%s",
                 "input": {"name": "pixel_values", "layout": "NCHW", "size": [224, 224], "color": "RGB",
                           "scale": 0.00392156862745098, "mean": [0.48145466, 0.4578275, 0.40821073],
                           "std": [0.26862954, 0.26130258, 0.27577711], "resize": "shortest-side-crop"},
                 "output": {"kind": "embedding", "names": ["embedding"], "dim": 512},
                 "license": "MIT", "trained_from": "openai/clip-vit-base-patch32"}
                """.formatted(sha));
    }

    @Test
    void scriptsPassBashSyntaxCheckAndShellcheck() throws Exception {
        Path shellcheck = Path.of("/usr/bin/shellcheck");
        if (!Files.isExecutable(shellcheck)) {
            fail("shellcheck is not installed at " + shellcheck + "; .ci/install-packages installs it");
        }
        for (Path script : List.of(BUILD_ENGINES, CHECK_HEADERS)) {
            assertThat(script).as("%s must be executable", script).isExecutable();
            Result syntax = run(Map.of(), "bash", "-n", script.toString());
            assertThat(syntax.exit()).as("bash -n %s:\n%s", script, syntax.output()).isZero();
            Result lint = run(Map.of(), shellcheck.toString(), script.toString());
            assertThat(lint.exit()).as("shellcheck %s:\n%s", script, lint.output()).isZero();
        }
    }

    @Test
    void exportAndCalibrationScriptsCompile() throws Exception {
        List<String> scripts;
        try (Stream<Path> files = Files.list(REPO.resolve("tensorrt-engines"))) {
            scripts = files.filter(f -> f.toString().endsWith(".py")).map(Path::toString).sorted().toList();
        }
        assertThat(scripts).extracting(s -> Path.of(s).getFileName().toString())
                .contains("export_detr.py", "export_embedder.py", "calibrate_int8.py", "export_common.py");
        // Compiled into the temp folder, so no __pycache__ lands in the checkout.
        List<String> command = new ArrayList<>(List.of("python3", "-c", """
                import py_compile, sys
                for i, f in enumerate(sys.argv[2:]):
                    py_compile.compile(f, cfile=f"{sys.argv[1]}/{i}.pyc", doraise=True)
                """, tmp.toString()));
        command.addAll(scripts);
        Result compile = run(Map.of(), command.toArray(String[]::new));
        assertThat(compile.exit()).as("python3 py_compile:\n%s", compile.output()).isZero();
    }

    @Test
    void buildsAnEngineWithManifestThatTheServiceAcceptsOnThatGpuOnly() throws Exception {
        Result build = run(Map.of(), "bash", BUILD_ENGINES.toString(), "--trtexec", trtexec.toString(), model.toString());
        assertThat(build.exit()).as("build_engines.sh:\n%s", build.output()).isZero();

        List<String> calls = Files.readAllLines(trtexec.resolveSibling("calls.log"));
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0)).as("the version and GPU probe").startsWith("--loadEngine=");
        assertThat(calls.get(1).split(" ")).contains(
                "--onnx=" + model.resolve("model.onnx"), "--skipInference", "--fp16",
                "--minShapes=pixel_values:1x3x224x224", "--optShapes=pixel_values:8x3x224x224",
                "--maxShapes=pixel_values:32x3x224x224");

        String name = "model." + sha(model.resolve("model.onnx")).substring(0, 12) + ".trt10.3.0.sm87.fp16.engine";
        Path engine = model.resolve("engines").resolve(name);
        assertThat(engine).exists();
        assertThat(model.resolve("engines")).isDirectoryNotContaining("glob:**.partial");
        JsonNode json = new ObjectMapper().readTree(model.resolve("engines").resolve(name + ".json").toFile());
        assertThat(json.get("tensorrt").asText()).isEqualTo("10.3.0");
        assertThat(json.get("compute_capability").asText()).isEqualTo("8.7");
        assertThat(json.get("gpu").asText()).isEqualTo("Orin");
        assertThat(json.get("engine_sha256").asText()).isEqualTo(sha(engine));
        assertThat(json.at("/shapes/pixel_values/max").toString()).isEqualTo("[32,3,224,224]");
        assertThat(json.get("command").asText()).contains("--saveEngine=" + engine).doesNotContain(".partial");

        ModelManifest manifest = ModelManifest.read(model);
        EngineManifest chosen = EngineManifest.select(manifest, new NativeEngine.Platform("10.3.0", "8.7", "Orin", true));
        assertThat(chosen.engine()).isEqualTo(engine);
        chosen.verifyEngineFile(manifest);
        assertThatThrownBy(() -> EngineManifest.select(manifest, new NativeEngine.Platform("10.4.0", "8.7", "Orin", true)))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining(name + ".json: built with TensorRT 10.3.0, this device has TensorRT 10.4.0")
                .hasMessageContaining("tensorrt-engines/build_engines.sh " + model);

        Result again = run(Map.of(), "bash", BUILD_ENGINES.toString(), "--trtexec", trtexec.toString(), model.toString());
        assertThat(again.exit()).isZero();
        assertThat(again.output()).contains("already fits TensorRT 10.3.0 on compute 8.7 (fp16)");
        assertThat(Files.readAllLines(trtexec.resolveSibling("calls.log"))).as("no second build").hasSize(3);
    }

    @Test
    void aModelWithAFixedBatchIsBuiltWithoutShapes() throws Exception {
        Result build = run(Map.of("FAKE_STATIC", "1"), "bash", BUILD_ENGINES.toString(), "--trtexec", trtexec.toString(),
                "--precision", "fp32", "--max-batch", "16", model.toString());
        assertThat(build.exit()).as("build_engines.sh:\n%s", build.output()).isZero();
        List<String> calls = Files.readAllLines(trtexec.resolveSibling("calls.log"));
        assertThat(calls).hasSize(3);
        assertThat(calls.get(1)).contains("--maxShapes=pixel_values:16x3x224x224").doesNotContain("--fp16");
        assertThat(calls.get(2)).doesNotContain("Shapes=");
        try (Stream<Path> files = Files.list(model.resolve("engines"))) {
            Path manifest = files.filter(f -> f.toString().endsWith(".fp32.engine.json")).findFirst().orElseThrow();
            assertThat(new ObjectMapper().readTree(manifest.toFile()).get("shapes").size()).isZero();
        }
    }

    @Test
    void refusesWhatWouldBuildAWrongEngineAndSaysWhy() throws Exception {
        Result int8 = run(Map.of(), "bash", BUILD_ENGINES.toString(), "--trtexec", trtexec.toString(),
                "--precision", "int8", model.toString());
        assertThat(int8.exit()).isEqualTo(1);
        assertThat(int8.output()).contains("--precision int8 needs --calibration DIR");

        Result noTrtexec = run(Map.of(), "bash", BUILD_ENGINES.toString(), "--trtexec", tmp.resolve("nope").toString(),
                model.toString());
        assertThat(noTrtexec.exit()).isEqualTo(1);
        assertThat(noTrtexec.output()).contains("trtexec not found").contains("JetPack");

        Files.writeString(model.resolve("model.onnx"), "a different file");
        Result stale = run(Map.of(), "bash", BUILD_ENGINES.toString(), "--trtexec", trtexec.toString(), model.toString());
        assertThat(stale.exit()).isEqualTo(1);
        assertThat(stale.output()).contains("does not match " + model.resolve("model.json"));
        assertThat(model.resolve("engines")).doesNotExist();
    }

    @Test
    void theHeaderCheckNamesWhatIsMissing() throws Exception {
        Result usage = run(Map.of(), "bash", CHECK_HEADERS.toString());
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.output()).contains("usage:");
        Result empty = run(Map.of(), "bash", CHECK_HEADERS.toString(), tmp.toString());
        assertThat(empty.exit()).isEqualTo(2);
        assertThat(empty.output()).contains("no NvInferRuntime.h in " + tmp);
    }

    private static String sha(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private record Result(int exit, String output) {
    }

    private Result run(Map<String, String> env, String... command) throws Exception {
        Path log = Files.createTempFile(tmp, "out", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().remove("FAKE_STATIC");
        builder.environment().putAll(env);
        Process process = builder.start();
        try {
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                fail(String.join(" ", command) + " did not finish within " + TIMEOUT.toSeconds() + " s");
            }
            return new Result(process.exitValue(), Files.readString(log));
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }
}
