package dev.logowatch.publish;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The real command-line client, {@code mosquitto_sub}, printing "retained-flag topic payload"
 * per message; tests read what it received. Stopped by PID.
 */
final class Subscriber implements AutoCloseable {
    /** One received message. */
    record Message(boolean retained, String topic, String payload) {
    }

    private final Process process;
    private final List<Message> messages = new CopyOnWriteArrayList<>();
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final CountDownLatch subscribed = new CountDownLatch(1);

    private Subscriber(Process process) {
        this.process = process;
        Thread reader = new Thread(this::read, "mosquitto_sub-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Subscribes with QoS 1 and waits for the broker's SUBACK. */
    static Subscriber start(int port, String topic, String... extra) throws IOException, InterruptedException {
        // stdbuf: mosquitto_sub's stdout is block-buffered into a pipe, and the test reads it live.
        List<String> command = new ArrayList<>(List.of("stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p",
                String.valueOf(port), "-t", topic, "-q", "1", "-d", "-F", "%r %t %p"));
        command.addAll(List.of(extra));
        Subscriber s = new Subscriber(new ProcessBuilder(command).redirectErrorStream(true).start());
        if (!s.subscribed.await(10, TimeUnit.SECONDS)) {
            s.close();
            throw new IllegalStateException("mosquitto_sub did not subscribe: " + s.output);
        }
        return s;
    }

    /** Runs {@code mosquitto_sub} to completion: {@code -C count -W seconds}, returns what it printed. */
    static List<Message> once(int port, String topic, int count, int seconds, String... extra)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(port),
                "-t", topic, "-C", String.valueOf(count), "-W", String.valueOf(seconds), "-F", "%r %t %p"));
        command.addAll(List.of(extra));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(seconds + 5L, TimeUnit.SECONDS)) {
                throw new IllegalStateException("mosquitto_sub did not exit");
            }
            List<Message> result = new ArrayList<>();
            for (String line : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                Message m = parse(line);
                if (m != null) {
                    result.add(m);
                }
            }
            return result;
        } finally {
            p.destroyForcibly();
        }
    }

    List<Message> messages() {
        return List.copyOf(messages);
    }

    List<Message> on(String topic) {
        return messages.stream().filter(m -> m.topic().equals(topic)).toList();
    }

    /** Waits until {@code condition} holds for the messages so far; false after {@code timeout}. */
    boolean await(Duration timeout, Predicate<List<Message>> condition) {
        try {
            Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(this::messages, condition);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    String output() {
        return String.join("\n", output);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("Client ")) {
                    output.add(line);
                    if (line.contains("SUBACK")) {
                        subscribed.countDown();
                    }
                    continue;
                }
                Message m = parse(line);
                if (m != null) {
                    messages.add(m);
                } else {
                    output.add(line);
                }
            }
        } catch (IOException e) {
            output.add("read failed: " + e.getMessage());
        }
    }

    private static Message parse(String line) {
        String[] parts = line.split(" ", 3);
        if (parts.length < 2 || !(parts[0].equals("0") || parts[0].equals("1"))) {
            return null;
        }
        return new Message(parts[0].equals("1"), parts[1], parts.length == 3 ? parts[2] : "");
    }
}
