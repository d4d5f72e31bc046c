package dev.logowatch.verify;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RequestBudgetTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void allowsAMinutesBudgetAtOnceThenRefillsEvenly() {
        RequestBudget budget = new RequestBudget(30, 0);
        int taken = 0;
        for (int i = 0; i < 100; i++) {
            if (budget.tryTake(0)) {
                taken++;
            }
        }
        assertThat(taken).isEqualTo(30);
        assertThat(budget.tryTake(SECOND)).as("half a token after 1 s at 30/min").isFalse();
        assertThat(budget.tryTake(2 * SECOND)).as("one token after 2 s").isTrue();
        assertThat(budget.tryTake(2 * SECOND)).isFalse();
    }

    @Test
    void neverHoldsMoreThanOneMinutesBudget() {
        RequestBudget budget = new RequestBudget(5, 0);
        long hourLater = TimeUnit.HOURS.toNanos(1);
        int taken = 0;
        for (int i = 0; i < 20; i++) {
            if (budget.tryTake(hourLater)) {
                taken++;
            }
        }
        assertThat(taken).isEqualTo(5);
    }
}
