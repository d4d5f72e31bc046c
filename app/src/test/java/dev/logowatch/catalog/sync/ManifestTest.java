package dev.logowatch.catalog.sync;

import dev.logowatch.catalog.VerifyPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestTest {
    private static final String SHA_A = "a".repeat(64);
    private static final String SHA_B = "b".repeat(64);
    private static final long LIMIT = 20L << 20;

    private static Manifest parse(String json) throws Manifest.Invalid {
        return Manifest.parse(json.getBytes(StandardCharsets.UTF_8), LIMIT);
    }

    private static String brand(String id, String path) {
        return "{\"id\": \"" + id + "\", \"files\": [{\"path\": \"" + path + "\", \"sha256\": \"" + SHA_A
                + "\", \"size\": 10}]}";
    }

    @Test
    void readsTheContractWithItsOptionalFieldsAndDefaults() throws Exception {
        Manifest m = parse("""
                {"version": "2026-11-23.3", "generator": "ignored by devices",
                 "brands": [{"id": "nike", "display_name": "Nike", "threshold": 0.8, "margin": 0.1, "verify": "always",
                             "files": [{"path": "nike/logo.png", "sha256": "%s", "size": 12345}]},
                            {"id": "puma", "files": [{"path": "puma/Puma Logo (2).JPG", "sha256": "%s", "size": 0}]}]}
                """.formatted(SHA_A.toUpperCase(), SHA_B));

        assertThat(m.version()).isEqualTo("2026-11-23.3");
        Manifest.BrandEntry nike = m.brands().get(0);
        assertThat(nike.displayName()).isEqualTo("Nike");
        assertThat(nike.threshold()).isEqualTo(OptionalDouble.of(0.8));
        assertThat(nike.margin()).isEqualTo(OptionalDouble.of(0.1));
        assertThat(nike.verify()).contains(VerifyPolicy.ALWAYS);
        assertThat(nike.files()).containsExactly(new Manifest.FileEntry("nike/logo.png", SHA_A, 12345));
        Manifest.BrandEntry puma = m.brands().get(1);
        assertThat(puma.displayName()).isEqualTo("puma");
        assertThat(puma.threshold()).isEmpty();
        assertThat(puma.verify()).isEmpty();
        assertThat(m.totalBytes()).isEqualTo(12345);

        Manifest again = Manifest.parse(m.toJson(), LIMIT);
        assertThat(again).isEqualTo(m);
    }

    @Test
    void sameContentIgnoresVersionAndOrderButNotFilesOrSettings() throws Exception {
        Manifest a = parse("{\"version\": \"1\", \"brands\": [" + brand("x", "x/a.png") + ", " + brand("y", "y/a.png") + "]}");
        Manifest b = parse("{\"version\": \"2\", \"brands\": [" + brand("y", "y/a.png") + ", " + brand("x", "x/a.png") + "]}");
        Manifest renamed = parse("{\"version\": \"1\", \"brands\": [" + brand("x", "x/b.png") + ", " + brand("y", "y/a.png") + "]}");
        Manifest retuned = new Manifest("1", List.of(a.brands().get(0), new Manifest.BrandEntry("y", "y",
                OptionalDouble.of(0.9), OptionalDouble.empty(), Optional.empty(), a.brands().get(1).files())));

        assertThat(a.sameContent(b)).isTrue();
        assertThat(a.sameContent(renamed)).isFalse();
        assertThat(a.sameContent(retuned)).isFalse();
    }

    /** In these, {@code SHA} stands for a valid sha256 and {@code FILE} for a valid file entry with that size. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "[1, 2]|must be a JSON object",
            "{'brands': []}|version: missing",
            "{'version': 3, 'brands': []}|version: must be a text",
            "{'version': '../up', 'brands': []}|version '../up' must be",
            "{'version': 'v', 'brands': []}|the list is empty",
            "{'version': 'v', 'brands': {}}|brands: missing or not a list",
            "{'version': 'v', 'brands': [{'id': 'a b', 'files': []}]}|brands[0].id 'a b'",
            "{'version': 'v', 'brands': [{'id': 'a', 'files': []}]}|brands[0] (a).files: no reference image",
            "{'version': 'v', 'brands': [{'id': 'a', 'threshold': 1.5, 'files': []}]}|(a).threshold: must be a number",
            "{'version': 'v', 'brands': [{'id': 'a', 'verify': 'maybe', 'files': []}]}|brands[0] (a).verify",
            "{'version': 'v', 'brands': [{'id': 'a', 'files': [{'path': 'a/x.png', 'sha256': 'abc', 'size': 1}]}]}"
                    + "|files[0].sha256: must be 64",
            "{'version': 'v', 'brands': [{'id': 'a', 'files': [FILE -1}]}]}|files[0].size",
            "{'version': 'v', 'brands': [{'id': 'a', 'files': [FILE 1.5}]}]}|files[0].size",
            "{'version': 'v', 'brands': [{'id': 'a', 'files': [FILE 99999999999}]}]}|more than the 20.0 MiB",
            "{'version': 'v' 'brands'|not valid JSON",
    })
    void refusesMalformedManifestsNamingTheField(String json, String expected) {
        String full = json.replace("FILE", "{'path': 'a/x.png', 'sha256': 'SHA', 'size':").replace("SHA", SHA_A)
                .replace('\'', '"');
        assertThatThrownBy(() -> parse(full)).isInstanceOf(Manifest.Invalid.class).hasMessageContaining(expected);
    }

    @Test
    void refusesDuplicateBrandsAndPaths() {
        assertThatThrownBy(() -> parse("{\"version\": \"v\", \"brands\": [" + brand("a", "a/x.png") + ", "
                + brand("a", "a/y.png") + "]}")).hasMessageContaining("brand 'a' is listed twice");
        assertThatThrownBy(() -> parse("{\"version\": \"v\", \"brands\": [{\"id\": \"a\", \"files\": [{\"path\": \"a/x.png\", "
                + "\"sha256\": \"" + SHA_A + "\", \"size\": 1}, {\"path\": \"a/x.png\", \"sha256\": \"" + SHA_B
                + "\", \"size\": 1}]}]}")).hasMessageContaining("'a/x.png' is listed twice");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nike/logo.png", "nike/Logo (2).JPG", "nike/logo.jpeg", "nike/ロゴ.png"})
    void plainFilesInTheBrandFolderAreFine(String path) {
        assertThat(Manifest.pathProblem("nike", path)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../logo.png", "nike/../logo.png", "nike/../../etc/passwd.png", "/nike/logo.png",
            "nike\\logo.png", "nike/sub/logo.png", "puma/logo.png", "nike/", "nike/.hidden.png", "nike/..",
            "nike/brand.json", "nike/logo.svg", "nike/logo", "nike/a\tb.png", "logo.png", "nike//logo.png"})
    void pathsThatLeaveTheBrandFolderOrAreNotImagesAreRefused(String path) {
        assertThat(Manifest.pathProblem("nike", path)).isPresent();
    }
}
