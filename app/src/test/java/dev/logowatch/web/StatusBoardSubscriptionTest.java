package dev.logowatch.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StatusBoardSubscriptionTest {
    @Test
    void browsersSubscribingAllAtOnceNeverPassTheLimit() throws Exception {
        for (int round = 0; round < 20; round++) {
            StatusBoard board = StatusBoard.create("subs", "test");
            int callers = StatusBoard.MAX_SUBSCRIBERS * 4;
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Optional<StatusBoard.Subscription>>> results = new ArrayList<>();
                for (int i = 0; i < callers; i++) {
                    results.add(pool.submit(() -> {
                        go.await();
                        return board.subscribe();
                    }));
                }
                go.countDown();
                int granted = 0;
                for (Future<Optional<StatusBoard.Subscription>> f : results) {
                    granted += f.get(10, TimeUnit.SECONDS).isPresent() ? 1 : 0;
                }
                assertThat(granted).as("round %d", round).isEqualTo(StatusBoard.MAX_SUBSCRIBERS);
                assertThat(board.subscriberCount()).isEqualTo(StatusBoard.MAX_SUBSCRIBERS);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
