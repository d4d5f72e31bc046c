package dev.logowatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.Assumptions.assumingThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd/: the unit passes {@code systemd-analyze verify}, the scripts pass shellcheck, and
 * install.sh / uninstall.sh do the right thing in a temporary DESTDIR (never on this host).
 */
@Tag("integration")
class SystemdPackagingTest {

    private static final Path REPO = Optional.ofNullable(System.getProperty("logowatch.repo"))
            .map(Path::of).orElse(Path.of("..")).toAbsolutePath().normalize();
    private static final Path INSTALL = REPO.resolve("systemd/install.sh");
    private static final Path UNINSTALL = REPO.resolve("systemd/uninstall.sh");
    private static final Path UNIT = REPO.resolve("systemd/logowatch.service");
    private static final Path CONFIG_TEMPLATE = REPO.resolve("config/logowatch.yaml");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    private Path root;
    private Path jarDir;
    private Path modelsDir;

    @BeforeEach
    void fakeBuild() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"));
        // Small stand-ins: the scripts copy files, they never open them.
        jarDir = Files.createDirectories(tmp.resolve("build/libs")).getParent();
        Files.writeString(jarDir.resolve("logowatch.jar"), "fake application jar");
        Files.writeString(jarDir.resolve("libs/x.jar"), "fake library x");
        Files.writeString(jarDir.resolve("libs/old.jar"), "library a later build drops");
        modelsDir = tmp.resolve("models");
        Files.createDirectories(modelsDir.resolve("yolo"));
        Files.writeString(modelsDir.resolve("yolo/logos.onnx"), "fake model");
    }

    @Test
    void unitPassesSystemdAnalyzeVerify() throws Exception {
        assumeRoot();
        assertThat(Path.of("/usr/bin/systemd-analyze"))
                .as("systemd-analyze (package systemd) is needed to verify the unit").exists();
        install().assertSucceeded("install.sh into " + root);
        // verify --root resolves the unit's dependencies (sysinit.target, ...) inside the
        // root, so it gets the host's stock units; ExecStart is checked against the root.
        Path hostUnits = Files.isDirectory(Path.of("/usr/lib/systemd/system"))
                ? Path.of("/usr/lib/systemd/system") : Path.of("/lib/systemd/system");
        Files.createDirectories(root.resolve("usr/lib/systemd"));
        run(Map.of(), "cp", "-a", hostUnits.toString(), root.resolve("usr/lib/systemd").toString())
                .assertSucceeded("copying the host's systemd units into the test root");

        Result verify = verify();
        assertThat(verify.stderrLinesAbout("logowatch"))
                .as("systemd-analyze verify complaints about the installed unit (systemd ignores such lines, "
                        + "so the service would run without that setting)")
                .isEmpty();
        assertThat(verify.exitCode()).as("systemd-analyze verify exit code; output:\n%s", verify.output()).isZero();

        // The same check must notice a missing launcher, or the clean result above means nothing.
        Files.delete(root.resolve("opt/logowatch/logowatch"));
        assertThat(verify().stderr())
                .as("systemd-analyze verify must report an ExecStart that does not exist")
                .contains("/opt/logowatch/logowatch");
    }

    @Test
    void unitKeepsTheSettingsTheServiceDependsOn() throws IOException {
        List<String> lines = Files.readAllLines(UNIT).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(lines).as("settings in %s", UNIT).contains(
                "ExecStart=/opt/logowatch/logowatch run --config /etc/logowatch/logowatch.yaml",
                "User=logowatch",
                "SupplementaryGroups=video render",
                "Restart=on-failure",
                "RestartPreventExitStatus=2",
                "TimeoutStopSec=15",
                "ProtectSystem=strict",
                "ReadWritePaths=/var/lib/logowatch",
                "EnvironmentFile=-/etc/logowatch/environment",
                "WantedBy=multi-user.target");
        assertThat(lines)
                .as("the JIT needs writable+executable memory and cameras/GPU need /dev; ProtectClock= implies "
                        + "DeviceAllow= (a device allow-list) before systemd 253: these settings break the service")
                .noneMatch(l -> l.startsWith("MemoryDenyWriteExecute=") || l.startsWith("PrivateDevices=")
                        || l.startsWith("DevicePolicy=") || l.startsWith("DeviceAllow=")
                        || l.startsWith("ProtectClock="));
    }

    @Test
    void scriptsPassBashSyntaxCheckAndShellcheck() throws Exception {
        Path shellcheck = Path.of("/usr/bin/shellcheck");
        if (!Files.isExecutable(shellcheck)) {
            fail("shellcheck is not installed at " + shellcheck + "; .ci/install-packages installs it");
        }
        for (Path script : List.of(INSTALL, UNINSTALL, REPO.resolve("logowatch"))) {
            Result syntax = run(Map.of(), "bash", "-n", script.toString());
            assertThat(syntax.exitCode()).as("bash -n %s (syntax error):\n%s", script, syntax.output()).isZero();
            Result lint = run(Map.of(), shellcheck.toString(), script.toString());
            assertThat(lint.exitCode()).as("shellcheck %s:\n%s", script, lint.output()).isZero();
        }
    }

    @Test
    void installRefusesUntilTheJarIsBuilt() throws Exception {
        assumeRoot();
        Path emptyBuild = Files.createDirectory(tmp.resolve("not-built"));
        Result refused = run(Map.of("DESTDIR", root.toString(), "JAR_DIR", emptyBuild.toString(),
                "MODELS_DIR", modelsDir.toString()), "bash", INSTALL.toString());
        assertThat(refused.exitCode()).as("install.sh exit code without a built jar; output:\n%s", refused.output())
                .isEqualTo(1);
        assertThat(refused.stderr()).as("install.sh must say how to build the jar").contains("./logowatch build");
        try (Stream<Path> created = Files.list(root)) {
            assertThat(created).as("a refused install must leave the target untouched").isEmpty();
        }
    }

    @Test
    void installUpgradeUninstallAndPurgeInADestdir() throws Exception {
        assumeRoot();
        String hostPasswd = Files.readString(Path.of("/etc/passwd"));
        String hostGroup = Files.readString(Path.of("/etc/group"));

        install().assertSucceeded("first install.sh");
        int uid = idOf("passwd");
        int gid = idOf("group");
        assertThat(uid).as("uid of the logowatch user in %s/etc/passwd (a system user)", root).isBetween(1, 999);
        assertThat(passwdEntry()).as("logowatch user: no login, home is the state dir")
                .endsWith(":/var/lib/logowatch:/usr/sbin/nologin");

        assertNode("opt/logowatch", "rwxr-xr-x", 0, 0);
        assertNode("opt/logowatch/logowatch", "rwxr-xr-x", 0, 0);
        assertNode("opt/logowatch/lib", "rwxr-xr-x", 0, 0);
        assertNode("opt/logowatch/lib/logowatch.jar", "rw-r--r--", 0, 0);
        assertNode("opt/logowatch/lib/libs", "rwxr-xr-x", 0, 0);
        assertNode("opt/logowatch/lib/libs/x.jar", "rw-r--r--", 0, 0);
        assertNode("opt/logowatch/models/yolo", "rwxr-xr-x", 0, 0);
        assertNode("opt/logowatch/models/yolo/logos.onnx", "rw-r--r--", 0, 0);
        assertNode("etc/systemd/system/logowatch.service", "rw-r--r--", 0, 0);
        assertNode("etc/logowatch", "rwxr-x---", 0, gid);
        assertNode("var/lib/logowatch", "rwxr-x---", uid, gid);
        assertThat(root.resolve("opt/logowatch/logowatch")).as("installed launcher").hasSameTextualContentAs(
                REPO.resolve("logowatch"));
        assertThat(root.resolve("opt/logowatch/lib/logowatch.jar")).as("installed jar")
                .hasSameBinaryContentAs(jarDir.resolve("logowatch.jar"));
        assertThat(root.resolve("etc/systemd/system/logowatch.service")).as("installed unit")
                .hasSameTextualContentAs(UNIT);
        Path config = root.resolve("etc/logowatch/logowatch.yaml");
        assumingThat(Files.exists(CONFIG_TEMPLATE), () -> {
            assertNode("etc/logowatch/logowatch.yaml", "rw-r-----", 0, gid);
            assertThat(config).as("first install copies the template").hasSameTextualContentAs(CONFIG_TEMPLATE);
        });
        assertThat(Files.readString(Path.of("/etc/passwd")) + Files.readString(Path.of("/etc/group")))
                .as("a DESTDIR install must not touch this host's users and groups")
                .isEqualTo(hostPasswd + hostGroup);

        // An administrator edits the config and the service writes state; the upgrade keeps both.
        Files.writeString(config, "# edited by the administrator: marker-4711\n");
        Files.writeString(root.resolve("var/lib/logowatch/catalog.json"), "{}");
        Map<String, String> beforeUpgrade = snapshot();
        install().assertSucceeded("second install.sh (upgrade)");
        Map<String, String> afterUpgrade = snapshot();
        afterUpgrade.remove("etc/logowatch/logowatch.yaml.dist");
        assertThat(afterUpgrade).as("files, modes and owners after installing the same build again")
                .isEqualTo(beforeUpgrade);
        assertThat(config).as("an upgrade must keep the administrator's config").content().contains("marker-4711");
        assumingThat(Files.exists(CONFIG_TEMPLATE), () -> assertThat(root.resolve("etc/logowatch/logowatch.yaml.dist"))
                .as("the new template beside the kept config").hasSameTextualContentAs(CONFIG_TEMPLATE));
        assertThat(Files.readAllLines(root.resolve("etc/passwd")))
                .as("installing twice must not add a second logowatch user")
                .filteredOn(l -> l.startsWith("logowatch:")).hasSize(1);

        Files.delete(jarDir.resolve("libs/old.jar"));
        install().assertSucceeded("install.sh of a build without libs/old.jar");
        assertThat(root.resolve("opt/logowatch/lib/libs/old.jar"))
                .as("a library dropped from the build must not stay on the class path dir").doesNotExist();
        assertThat(root.resolve("opt/logowatch/lib/libs/x.jar")).exists();

        run(env(), "bash", UNINSTALL.toString()).assertSucceeded("uninstall.sh");
        assertThat(root.resolve("opt/logowatch")).as("uninstall removes the program").doesNotExist();
        assertThat(root.resolve("etc/systemd/system/logowatch.service")).as("uninstall removes the unit")
                .doesNotExist();
        assertThat(config).as("uninstall without --purge keeps the config").content().contains("marker-4711");
        assertThat(root.resolve("var/lib/logowatch/catalog.json")).as("uninstall without --purge keeps the state")
                .exists();
        assertThat(passwdEntry()).as("uninstall without --purge keeps the user").isNotEmpty();

        run(env(), "bash", UNINSTALL.toString(), "--purge").assertSucceeded("uninstall.sh --purge");
        assertThat(root.resolve("etc/logowatch")).as("--purge removes the config").doesNotExist();
        assertThat(root.resolve("var/lib/logowatch")).as("--purge removes the state").doesNotExist();
        assertThat(passwdEntry()).as("--purge removes the logowatch user").isEmpty();
        assertThat(Files.readAllLines(root.resolve("etc/group")))
                .as("--purge removes the logowatch group").noneMatch(l -> l.startsWith("logowatch:"));
    }

    private static void assumeRoot() throws IOException {
        assumeTrue(Files.readString(Path.of("/proc/self/status")).lines()
                        .anyMatch(l -> l.matches("Uid:\\s+0\\s.*")),
                "install.sh needs root to set owners, even into a DESTDIR");
    }

    private Result install() throws Exception {
        return run(env(), "bash", INSTALL.toString());
    }

    private Result verify() throws Exception {
        return run(Map.of(), "systemd-analyze", "verify", "--root=" + root, "logowatch.service");
    }

    private Map<String, String> env() {
        return Map.of("DESTDIR", root.toString(), "JAR_DIR", jarDir.toString(), "MODELS_DIR", modelsDir.toString());
    }

    private String passwdEntry() throws IOException {
        return Files.readAllLines(root.resolve("etc/passwd")).stream()
                .filter(l -> l.startsWith("logowatch:")).findFirst().orElse("");
    }

    private int idOf(String database) throws IOException {
        String line = Files.readAllLines(root.resolve("etc").resolve(database)).stream()
                .filter(l -> l.startsWith("logowatch:")).findFirst()
                .orElseThrow(() -> new AssertionError("no logowatch entry in " + root + "/etc/" + database));
        return Integer.parseInt(line.split(":")[2]);
    }

    private void assertNode(String relative, String permissions, int uid, int gid) throws IOException {
        Path path = root.resolve(relative);
        assertThat(path).as("/%s after install", relative).exists();
        assertThat(describe(path)).as("/%s permissions and owner uid:gid", relative)
                .startsWith(permissions + " " + uid + ":" + gid);
    }

    private static String describe(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        String perms = PosixFilePermissions.toString(
                Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
        int uid = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int gid = (Integer) Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        String kind = Files.isSymbolicLink(path) ? "link" : Files.isDirectory(path) ? "dir" : "file";
        String extra = (mode & 07000) != 0 ? " setid" : "";
        return perms + " " + uid + ":" + gid + " " + kind + extra;
    }

    /** Every path under the root with permissions, owner and a content digest. */
    private Map<String, String> snapshot() throws IOException {
        Map<String, String> result = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.toList()) {
                String entry = describe(path);
                if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    entry += " " + sha256(Files.readAllBytes(path));
                }
                result.put(root.relativize(path).toString(), entry);
            }
        }
        return result;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Result run(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile());
        // Only what the test passes: an inherited DESTDIR/JAR_DIR would redirect the install.
        builder.environment().keySet().removeAll(List.of("DESTDIR", "JAR_DIR", "MODELS_DIR"));
        builder.environment().putAll(env);
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process process = builder.start();
        if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            fail(String.join(" ", command) + " did not finish within " + TIMEOUT.toSeconds() + " s");
        }
        Result result = new Result(String.join(" ", command), process.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return result;
    }

    private record Result(String command, int exitCode, String stdout, String stderr) {
        String output() {
            return "$ " + command + "\n" + stdout + stderr;
        }

        List<String> stderrLinesAbout(String word) {
            List<String> lines = new ArrayList<>();
            stderr.lines().filter(l -> l.contains(word)).forEach(lines::add);
            return lines;
        }

        void assertSucceeded(String what) {
            assertThat(exitCode).as("%s failed (exit %d):\n%s", what, exitCode, output()).isZero();
        }
    }
}
