package dev.logowatch.match;

import dev.logowatch.catalog.VerifyPolicy;
import dev.logowatch.engine.Box;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class DistinctMatchesTest {
    private static Match match(String brand, double similarity, Box box, Match.Decision decision) {
        return new Match(box, 1, brand, similarity, 0.2, Optional.empty(), 0, 0.7, VerifyPolicy.BORDERLINE, decision);
    }

    @Test
    void oneLogoSeenByOverlappingWindowsBecomesOneDetection() {
        Box logo = new Box(100, 100, 196, 196);
        List<Match> kept = Matcher.distinct(List.of(
                match("nike", 0.81, new Box(148, 100, 244, 196), Match.Decision.ACCEPTED),  // neighbour window, IoU 0.33
                match("nike", 0.93, logo, Match.Decision.ACCEPTED),
                match("nike", 0.78, new Box(120, 120, 156, 156), Match.Decision.ACCEPTED))); // small window inside
        assertThat(kept).singleElement().satisfies(m -> assertThat(m.box()).isEqualTo(logo));
    }

    @Test
    void differentBrandsAndSeparateLogosStayApart() {
        List<Match> kept = Matcher.distinct(List.of(
                match("nike", 0.9, new Box(0, 0, 50, 50), Match.Decision.ACCEPTED),
                match("puma", 0.8, new Box(10, 10, 60, 60), Match.Decision.ACCEPTED),
                match("nike", 0.85, new Box(200, 0, 250, 50), Match.Decision.ACCEPTED),
                match("adidas", 0.95, new Box(300, 0, 350, 50), Match.Decision.BELOW_THRESHOLD)));
        assertThat(kept).extracting(Match::brand).containsExactly("nike", "nike", "puma");
    }
}
