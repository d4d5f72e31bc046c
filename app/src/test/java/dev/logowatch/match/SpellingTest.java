package dev.logowatch.match;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SpellingTest {

    @Test
    void namesAreComparedByTheirLettersAndDigitsOnly() {
        assertThat(Spelling.normalise("Pepe Jeans, London")).isEqualTo("PEPEJEANSLONDON");
        assertThat(Spelling.normalise("Citroën C4")).isEqualTo("CITROENC4");
        assertThat(Spelling.normalise(" .-/ ")).isEmpty();
    }

    @Test
    void aNameReadAmongOtherTextSpellsIt() {
        assertThat(Spelling.agreement("www.ROLEX.com", List.of("Rolex"))).isEqualTo(1.0);
        assertThat(Spelling.agreement("CASIO G-SHOCK", List.of("Casio"))).isEqualTo(1.0);
    }

    @Test
    void aStylisedSpellingIsOneEditFromTheName() {
        // Bulgari writes its name BVLGARI: one edit in seven letters.
        assertThat(Spelling.agreement("BVLGARI", List.of("Bulgari"))).isCloseTo(6.0 / 7, within(1e-9));
    }

    @Test
    void aReadingOfPartOfALongNameSpellsItFromFourCharacters() {
        assertThat(Spelling.agreement("BOSS", List.of("Hugo Boss"))).isEqualTo(1.0);
        assertThat(Spelling.agreement("GO", List.of("Hugo Boss"))).isLessThan(0.5);
    }

    @Test
    void unrelatedTextDoesNotSpellTheName() {
        assertThat(Spelling.agreement("HOTELS & RESORTS", List.of("Rolex", "Casio"))).isLessThan(0.5);
        assertThat(Spelling.agreement("", List.of("Rolex"))).isZero();
    }

    @Test
    void theBestOfSeveralSpellingsCounts() {
        assertThat(Spelling.agreement("CK", List.of("Calvin Klein"))).isLessThan(0.5);
        assertThat(Spelling.agreement("CK", List.of("Calvin Klein", "CK"))).isEqualTo(1.0);
    }

    @Test
    void aShortReadingInsideANameIsPartOfIt() {
        assertThat(Spelling.partOf("lex", List.of("Rolex"))).isTrue();
        assertThat(Spelling.partOf("C.K", List.of("Ck Calvin Klein"))).isTrue();
        assertThat(Spelling.partOf("EN", List.of("Everlast"))).isFalse();
        assertThat(Spelling.partOf("R", List.of("Rolex"))).as("one character is no evidence").isFalse();
    }

    @Test
    void aWholeNameIsLookedForInTheReadingOnly() {
        assertThat(Spelling.wholeAgreement("www.ROLEX.com", List.of("Rolex"))).isEqualTo(1.0);
        // Part of a name spells it (agreement) but does not hold it whole.
        assertThat(Spelling.agreement("BOSS", List.of("Hugo Boss"))).isEqualTo(1.0);
        assertThat(Spelling.wholeAgreement("BOSS", List.of("Hugo Boss"))).isEqualTo(0.5);
        // PUMA in THREPULAR at one edit: 0.75, not close enough to name a brand alone.
        assertThat(Spelling.wholeAgreement("THREPULAR", List.of("Puma"))).isCloseTo(0.75, within(1e-9));
    }
}
