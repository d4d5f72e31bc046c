package dev.logowatch.verify;

import dev.logowatch.config.VerifyConfig;
import dev.logowatch.retry.Backoff;
import dev.logowatch.status.DeviceMeters;
import dev.logowatch.status.DeviceMeters.VerifierOutcome;
import dev.logowatch.status.VerifierStatus;
import dev.logowatch.track.Verification;
import dev.logowatch.verify.ChatClient.Reply;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Asks a remote vision-language model whether borderline tracks show the brand they were
 * matched to. One instance serves all streams. {@link #submit} never blocks: candidates wait
 * in a small queue ordered by similarity (when it is full, the lowest-similarity candidate is
 * not sent), at most {@code verify.max-in-flight} requests run at once, at most
 * {@code verify.budget-per-minute} are sent a minute, each ends after {@code verify.timeout},
 * and a circuit breaker stops asking after five failures in a row
 * (timeouts, HTTP errors, refused connections, unreadable replies), probing again after a
 * growing pause. Every candidate gets exactly one {@link Verdict}; anything but a confident
 * "yes" or a "no" is {@code UNVERIFIED}, and candidates not sent count as {@code SKIPPED}.
 *
 * <p>Verdicts are delivered on the verifier's own thread, one at a time, not on the caller's
 * (only after {@link #close()} are they answered in place): callbacks must be quick and hand
 * the verdict to the stream's worker.
 *
 * <p>The server must speak the OpenAI chat-completions API with image input; {@code verify.url}
 * is the API base, to which {@code /chat/completions} is appended, and {@code verify.model}
 * the model name the server knows. As the projects document their servers:
 * <ul>
 * <li><b>vLLM</b>: {@code vllm serve <vision model>} serves {@code http://host:8000/v1}; when
 *     started with {@code --api-key}, put that key in the file named by {@code verify.api-key-file}.</li>
 * <li><b>Ollama</b>: {@code http://host:11434/v1} with a vision model pulled into Ollama, named
 *     as Ollama lists it; no key. Ollama listens on 127.0.0.1 unless {@code OLLAMA_HOST} says
 *     otherwise (e.g. {@code 0.0.0.0:11434}).</li>
 * <li><b>llama.cpp</b>: {@code llama-server} with a multimodal model (a model plus its
 *     {@code --mmproj} projector, or {@code -hf} of a repository that has one), started with
 *     {@code --host 0.0.0.0 --port 8080} (it listens on 127.0.0.1 by default, and its default
 *     port differs between releases), serves {@code http://host:8080/v1}; with
 *     {@code --api-key}, use the key file as for vLLM.</li>
 * </ul>
 * The request carries a {@code response_format} JSON schema; a server that rejects it with
 * HTTP 400 is asked again without it, and the reply is then read from free text.
 */
public final class Verifier implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Verifier.class.getName());
    private static final int LATENCY_WINDOW = 64;

    /** Why a candidate was not sent. */
    public enum SkipReason {
        /** {@code verify.enabled} is false, or no URL is configured. */
        DISABLED,
        /** The queue was full of candidates with higher similarity. */
        QUEUE_FULL,
        /** {@code verify.budget-per-minute} was used up. */
        OVER_BUDGET,
        /** The circuit breaker is open after repeated failures. */
        CIRCUIT_OPEN,
        /** The verifier was closed. */
        STOPPED;

        String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /**
     * Limits not in the configuration.
     *
     * @param queueCapacity  candidates waiting for a free request slot
     * @param failuresToOpen failures in a row that open the circuit breaker
     * @param openBackoff    how long it stays open: the first period, doubling per failed probe
     */
    record Tuning(int queueCapacity, int failuresToOpen, Backoff openBackoff) {
        static final Tuning DEFAULT = new Tuning(16, 5,
                new Backoff(Duration.ofSeconds(15), Duration.ofMinutes(5), 0.25));

        Tuning {
            if (queueCapacity < 1) {
                throw new IllegalArgumentException("verifier queue capacity must be at least 1, got " + queueCapacity);
            }
        }
    }

    private record Pending(Candidate candidate, Consumer<Verdict> onVerdict, long seq) {
    }

    /** Highest similarity first; among equals, the earlier submission first. */
    private static final Comparator<Pending> PRIORITY = Comparator
            .comparingDouble((Pending p) -> -p.candidate().similarity())
            .thenComparingLong(Pending::seq);

    private final VerifyConfig config;
    private final DeviceMeters meters;
    private final Tuning tuning;
    private final LongSupplier nanoClock;
    private final boolean enabled;
    private final ScheduledThreadPoolExecutor executor;
    private final ChatClient client;
    private final ReentrantLock lock = new ReentrantLock();
    private final TreeSet<Pending> queue = new TreeSet<>(PRIORITY);
    private final CircuitBreaker breaker;
    private final RequestBudget budget;
    private final long[] latencies = new long[LATENCY_WINDOW];
    private final Map<VerifierOutcome, AtomicLong> outcomes = new EnumMap<>(VerifierOutcome.class);
    private final Map<SkipReason, AtomicLong> skips = new EnumMap<>(SkipReason.class);
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicBoolean pumpScheduled = new AtomicBoolean();
    private int inFlight;
    private int latencyCount;
    private boolean closed;

    /**
     * A verifier for the configuration; a disabled one answers every candidate with a skipped
     * {@code UNVERIFIED} verdict.
     *
     * @param meters where outcomes are counted; may be null
     */
    public static Verifier create(VerifyConfig config, DeviceMeters meters) {
        return new Verifier(config, meters, Tuning.DEFAULT, System::nanoTime);
    }

    Verifier(VerifyConfig config, DeviceMeters meters, Tuning tuning, LongSupplier nanoClock) {
        this.config = Objects.requireNonNull(config, "config");
        this.meters = meters;
        this.tuning = tuning;
        this.nanoClock = nanoClock;
        this.enabled = config.enabled() && config.url().isPresent();
        for (VerifierOutcome o : VerifierOutcome.values()) {
            outcomes.put(o, new AtomicLong());
        }
        for (SkipReason r : SkipReason.values()) {
            skips.put(r, new AtomicLong());
        }
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "logowatch-verifier");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.breaker = new CircuitBreaker(tuning.failuresToOpen(), tuning.openBackoff(),
                () -> ThreadLocalRandom.current().nextDouble());
        this.budget = new RequestBudget(config.budgetPerMinute(), nanoClock.getAsLong());
        this.client = enabled
                ? new ChatClient(config.url().get(), config.model(), config.apiKey(), config.timeout(),
                config.minConfidence(), executor)
                : null;
    }

    /**
     * Queues a candidate and returns at once; {@code onVerdict} is called exactly once, later,
     * on the verifier's thread (at once, on this thread, after {@link #close()}).
     */
    public void submit(Candidate candidate, Consumer<Verdict> onVerdict) {
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(onVerdict, "onVerdict");
        Pending pending = new Pending(candidate, onVerdict, sequence.incrementAndGet());
        Pending dropped = null;
        SkipReason reason = null;
        lock.lock();
        try {
            if (closed) {
                reason = SkipReason.STOPPED;
            } else if (!enabled) {
                reason = SkipReason.DISABLED;
            } else if (breaker.rejects(nanoClock.getAsLong())) {
                reason = SkipReason.CIRCUIT_OPEN;
            } else if (queue.size() >= tuning.queueCapacity()) {
                reason = SkipReason.QUEUE_FULL;
                Pending lowest = queue.last();
                if (PRIORITY.compare(pending, lowest) < 0) {
                    queue.pollLast();
                    queue.add(pending);
                    dropped = lowest;
                } else {
                    dropped = pending;
                }
            } else {
                queue.add(pending);
            }
        } finally {
            lock.unlock();
        }
        if (reason != null) {
            skip(dropped != null ? dropped : pending, reason);
        }
        schedulePump();
    }

    /** What the status page shows. */
    public VerifierStatus status() {
        Map<String, Long> counts = new LinkedHashMap<>();
        outcomes.forEach((o, n) -> counts.put(o.name().toLowerCase(Locale.ROOT), n.get()));
        lock.lock();
        try {
            String state;
            if (!enabled || closed) {
                state = "disabled";
            } else {
                state = switch (breaker.state()) {
                    case CLOSED -> "ready";
                    case OPEN -> "open";
                    case HALF_OPEN -> "half-open";
                };
            }
            return new VerifierStatus(state, queue.size(), inFlight, medianLatencyMs(),
                    Collections.unmodifiableMap(counts));
        } finally {
            lock.unlock();
        }
    }

    /** Candidates not sent so far, by reason. */
    public Map<SkipReason, Long> skips() {
        Map<SkipReason, Long> copy = new EnumMap<>(SkipReason.class);
        skips.forEach((r, n) -> copy.put(r, n.get()));
        return copy;
    }

    /**
     * Stops: queued candidates get a skipped verdict, requests in flight are abandoned (their
     * candidates also get one), and later submissions are answered at once.
     */
    @Override
    public void close() {
        List<Pending> drained;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            drained = new ArrayList<>(queue);
            queue.clear();
        } finally {
            lock.unlock();
        }
        drained.forEach(p -> skip(p, SkipReason.STOPPED));
        if (client != null) {
            client.close();
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "Verifier callbacks still running after 2 s at shutdown");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void schedulePump() {
        if (enabled && pumpScheduled.compareAndSet(false, true)) {
            if (!execute(this::pump)) {
                pumpScheduled.set(false);
            }
        }
    }

    /** Starts as many queued requests as the in-flight limit, the breaker and the budget allow. */
    private void pump() {
        pumpScheduled.set(false);
        List<Pending> send = new ArrayList<>();
        List<Boolean> trials = new ArrayList<>();
        List<Pending> overBudget = new ArrayList<>();
        lock.lock();
        try {
            long now = nanoClock.getAsLong();
            while (!closed && !queue.isEmpty() && inFlight < config.maxInFlight() && breaker.permits(now)) {
                Pending next = queue.pollFirst();
                if (!budget.tryTake(now)) {
                    overBudget.add(next);
                    continue;
                }
                trials.add(breaker.start(now));
                inFlight++;
                send.add(next);
            }
        } finally {
            lock.unlock();
        }
        overBudget.forEach(p -> skip(p, SkipReason.OVER_BUDGET));
        for (int i = 0; i < send.size(); i++) {
            Pending p = send.get(i);
            boolean trial = trials.get(i);
            long started = nanoClock.getAsLong();
            try {
                client.ask(p.candidate()).whenComplete((reply, error) -> finish(p, trial, started,
                        reply != null ? reply : Reply.failed(VerifierOutcome.ERROR,
                                "verifier call failed: " + error, true, false)));
            } catch (RuntimeException e) {
                finish(p, trial, started, Reply.failed(VerifierOutcome.ERROR,
                        "cannot build the verifier request: " + e.getMessage(), false, false));
            }
        }
    }

    private void finish(Pending pending, boolean trial, long started, Reply reply) {
        long now = nanoClock.getAsLong();
        long latencyMs = TimeUnit.NANOSECONDS.toMillis(now - started);
        List<Pending> drained = List.of();
        Optional<Duration> opened = Optional.empty();
        boolean recovered = false;
        boolean stopped;
        lock.lock();
        try {
            inFlight--;
            stopped = closed;
            if (!stopped) {
                if (reply.serverFault()) {
                    opened = breaker.failure(now, trial);
                    if (opened.isPresent()) {
                        drained = new ArrayList<>(queue);
                        queue.clear();
                    }
                } else if (reply.responded()) {
                    recovered = breaker.success();
                } else {
                    breaker.abandon(trial);
                }
            }
            if (reply.responded()) {
                latencies[latencyCount++ % LATENCY_WINDOW] = latencyMs;
            }
        } finally {
            lock.unlock();
        }
        if (opened.isPresent()) {
            logOpened(opened.get(), reply.reading().detail());
        }
        if (recovered) {
            LOG.log(System.Logger.Level.INFO, "Verifier at {0} answering again", client.where());
        }
        if (stopped && !reply.responded()) {
            skip(pending, SkipReason.STOPPED);
        } else {
            if (reply.serverFault()) {
                LOG.log(System.Logger.Level.DEBUG, "Verifier call for track {0} on {1} failed: {2}",
                        pending.candidate().trackId(), pending.candidate().stream(), reply.reading().detail());
            }
            VerdictParser.Reading r = reply.reading();
            deliver(pending, new Verdict(pending.candidate().trackId(), pending.candidate().stream(),
                    pending.candidate().brand(), r.verification(), r.confidence(), r.cues(), config.model(),
                    latencyMs, r.rawReply(), reply.outcome(), r.detail()));
        }
        drained.forEach(p -> skip(p, SkipReason.CIRCUIT_OPEN));
        schedulePump();
    }

    private void logOpened(Duration period, String lastFailure) {
        int opens;
        lock.lock();
        try {
            opens = breaker.opens();
        } finally {
            lock.unlock();
        }
        // Warn once per outage; the probes that fail after it are routine until it recovers.
        System.Logger.Level level = opens == 1 ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG;
        LOG.log(level, "Verifier at {0} is failing ({1}); borderline tracks stay unverified, next try in {2} s",
                client.where(), lastFailure, Math.max(1, period.toSeconds()));
    }

    private void skip(Pending pending, SkipReason reason) {
        skips.get(reason).incrementAndGet();
        Candidate c = pending.candidate();
        deliver(pending, new Verdict(c.trackId(), c.stream(), c.brand(), Verification.UNVERIFIED, 0, "",
                config.model(), 0, Optional.empty(), VerifierOutcome.SKIPPED, reason.text()));
    }

    private void deliver(Pending pending, Verdict verdict) {
        outcomes.get(verdict.outcome()).incrementAndGet();
        if (meters != null) {
            meters.verifierCall(verdict.outcome());
        }
        Runnable call = () -> {
            try {
                pending.onVerdict().accept(verdict);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Verdict callback for track " + verdict.trackId() + " on "
                        + verdict.stream() + " failed", e);
            }
        };
        if (!execute(call)) {
            call.run(); // after close: answer on the calling thread rather than never
        }
    }

    private boolean execute(Runnable task) {
        try {
            executor.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private double medianLatencyMs() {
        int n = Math.min(latencyCount, LATENCY_WINDOW);
        if (n == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }
}
