package dev.logowatch.match;

import dev.logowatch.engine.Box;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A reading carries over only to the same place, the same look, and for a bounded time. */
class RecentReadingsTest {
    private static final Box BOARD = new Box(100, 100, 300, 160);
    private static final float[] LOOK = {0.6f, 0.8f, 0f};
    private static final TextReader.Reading ROLEX = new TextReader.Reading("ROLEX", 0.97);

    @Test
    void aCropStillInPlaceAndAlikeTakesTheReadingUntilItIsStale() {
        RecentReadings recent = new RecentReadings(10);
        recent.remember(BOARD, LOOK, 5, ROLEX);

        assertThat(recent.recall(new Box(104, 102, 304, 162), new float[] {0.62f, 0.78f, 0.05f}, 6)).contains(ROLEX);
        assertThat(recent.recall(BOARD, LOOK, 15)).contains(ROLEX);
        assertThat(recent.recall(BOARD, LOOK, 16)).isEmpty();
        assertThat(recent.recall(BOARD, LOOK, 6)).as("dropped once stale").isEmpty();
    }

    @Test
    void anotherMarkWhereTheBoardWasOrTheBoardElsewhereIsReadAgain() {
        RecentReadings recent = new RecentReadings(10);
        recent.remember(BOARD, LOOK, 5, ROLEX);

        assertThat(recent.recall(BOARD, new float[] {0.8f, 0.6f, 0f}, 6)).as("cosine 0.96").contains(ROLEX);
        assertThat(recent.recall(BOARD, new float[] {1f, 0f, 0f}, 6)).as("cosine 0.6").isEmpty();
        assertThat(recent.recall(new Box(250, 100, 450, 160), LOOK, 6)).as("a quarter overlapping").isEmpty();
    }

    @Test
    void zeroFramesReadsEveryFrameAfresh() {
        RecentReadings recent = new RecentReadings(0);
        recent.remember(BOARD, LOOK, 5, ROLEX);

        assertThat(recent.recall(BOARD, LOOK, 5)).isEqualTo(Optional.empty());
        assertThatThrownBy(() -> new RecentReadings(-1)).hasMessageContaining("reuseFrames");
    }

    @Test
    void theNewestReadingOfAPlaceWins() {
        RecentReadings recent = new RecentReadings(10);
        TextReader.Reading blurred = new TextReader.Reading("RQLEX", 0.6);
        recent.remember(BOARD, LOOK, 5, blurred);
        recent.remember(BOARD, LOOK, 7, ROLEX);

        assertThat(recent.recall(BOARD, LOOK, 8)).contains(ROLEX);
    }
}
