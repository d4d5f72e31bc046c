package dev.logowatch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Dependencies point one way, with the flow of a frame: stages write their health into
 * {@code status} and never reach up into the page, the wiring or the commands.
 */
class ArchitectureTest {
    private static final String[] STAGES = {"..source..", "..engine..", "..detect..", "..embed..", "..catalog..",
            "..match..", "..track..", "..verify..", "..publish..", "..image..", "..retry..", "..config.."};

    private static JavaClasses main;

    @BeforeAll
    static void importMain() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.logowatch");
    }

    @Test
    void stagesDoNotDependOnThePageTheWiringOrTheCommands() {
        noClasses().that().resideInAnyPackage(STAGES)
                .should().dependOnClassesThat().resideInAnyPackage("..web..", "..pipeline..", "..cli..", "..eval..")
                .check(main);
    }

    @Test
    void statusKnowsNoOtherPartOfTheService() {
        noClasses().that().resideInAPackage("dev.logowatch.status..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "dev.logowatch.source..", "dev.logowatch.engine..", "dev.logowatch.detect..",
                        "dev.logowatch.embed..", "dev.logowatch.catalog..", "dev.logowatch.match..",
                        "dev.logowatch.track..", "dev.logowatch.verify..", "dev.logowatch.publish..",
                        "dev.logowatch.web..", "dev.logowatch.pipeline..", "dev.logowatch.cli..")
                .check(main);
    }

    @Test
    void noTwoPackagesDependOnEachOther() {
        slices().matching("dev.logowatch.(*)..").should().beFreeOfCycles().check(main);
    }
}
