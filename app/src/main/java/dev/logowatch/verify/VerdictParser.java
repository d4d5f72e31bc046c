package dev.logowatch.verify;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.logowatch.track.Verification;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * Reads the verdict out of a chat-completion reply. Models wrap the requested JSON in prose,
 * code fences or typographic quotes, so the first balanced object that carries a
 * {@code verdict} is taken from the text; anything that is not a clear {@code yes} or
 * {@code no} with a confidence in [0, 1] reads as {@code UNVERIFIED}, never as a yes.
 * Pure: no I/O, no state.
 */
final class VerdictParser {
    /** Raw replies are kept this long for the status page. */
    static final int RAW_LIMIT = 500;
    static final int CUES_LIMIT = 300;
    /** A verdict is a few dozen tokens; longer text is cut so brace matching stays cheap. */
    private static final int TEXT_LIMIT = 20_000;
    private static final int MAX_OBJECTS = 32;
    private static final ObjectMapper STRICT = new ObjectMapper();
    // Small models write {'verdict': 'yes',} or {verdict: "yes"}; the meaning is unambiguous.
    private static final ObjectMapper LENIENT = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES, JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES,
                    JsonReadFeature.ALLOW_TRAILING_COMMA)
            .build();
    private static final Pattern THINKING = Pattern.compile("(?s)<think>.*?</think>");
    private static final Pattern FENCE = Pattern.compile("```[A-Za-z0-9_+-]*");

    /**
     * What a reply says.
     *
     * @param verification {@code CONFIRMED}, {@code REJECTED} or {@code UNVERIFIED}
     * @param confidence   the model's confidence, 0 when it gave none that could be read
     * @param cues         what the model says it saw, possibly empty
     * @param readable     false when the reply held no usable verdict (counts against the server)
     * @param detail       why it is not a plain yes or no, empty when it is
     * @param rawReply     the reply text, cut to {@value #RAW_LIMIT} characters
     */
    record Reading(Verification verification, double confidence, String cues, boolean readable, String detail,
                   Optional<String> rawReply) {
        static Reading unreadable(String detail, String raw) {
            return new Reading(Verification.UNVERIFIED, 0, "", false, detail, Optional.of(truncate(raw, RAW_LIMIT)));
        }
    }

    private VerdictParser() {
    }

    /** Reads a whole {@code /chat/completions} response body: {@code choices[0].message.content}. */
    static Reading fromResponse(String body, double minConfidence) {
        JsonNode root;
        try {
            root = STRICT.readTree(body);
        } catch (JacksonException e) {
            return Reading.unreadable("response is not JSON", body);
        }
        if (root == null || !root.isObject()) {
            return Reading.unreadable("response is not a JSON object", body);
        }
        JsonNode message = root.path("choices").path(0).path("message");
        if (!message.isObject()) {
            return Reading.unreadable("response has no choices[0].message", body);
        }
        return fromContent(message.path("content"), minConfidence);
    }

    /** Reads an assistant message's {@code content}: a string, or a list of parts whose text is joined. */
    static Reading fromContent(JsonNode content, double minConfidence) {
        if (content.isTextual()) {
            return fromText(content.asText(), minConfidence);
        }
        if (content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                JsonNode piece = part.isTextual() ? part : part.path("text");
                if (piece.isTextual()) {
                    if (!text.isEmpty()) {
                        text.append('\n');
                    }
                    text.append(piece.asText());
                }
            }
            return fromText(text.toString(), minConfidence);
        }
        if (content.isObject()) {
            return judge(content, minConfidence, content.toString());
        }
        if (content.isMissingNode() || content.isNull()) {
            return Reading.unreadable("empty reply", "");
        }
        return Reading.unreadable("reply content is neither text nor a list of parts", content.toString());
    }

    /** Reads the verdict from the model's text. */
    static Reading fromText(String text, double minConfidence) {
        if (text.isBlank()) {
            return Reading.unreadable("empty reply", text);
        }
        Optional<JsonNode> verdict = firstVerdictObject(normalise(text));
        if (verdict.isEmpty()) {
            return Reading.unreadable("no JSON object with a verdict in the reply", text);
        }
        return judge(verdict.get(), minConfidence, text);
    }

    /** Drops thinking blocks and code fences, and turns typographic quotes into ASCII ones. */
    static String normalise(String text) {
        String cut = text.length() > TEXT_LIMIT ? text.substring(0, TEXT_LIMIT) : text;
        String plain = FENCE.matcher(THINKING.matcher(cut).replaceAll(" ")).replaceAll(" ");
        StringBuilder out = new StringBuilder(plain.length());
        for (int i = 0; i < plain.length(); i++) {
            char c = plain.charAt(i);
            out.append(switch (c) {
                case '\u201C', '\u201D', '\u201E', '\u201F', '\u2033', '\u00AB', '\u00BB', '\uFF02' -> '"';
                case '\u2018', '\u2019', '\u201A', '\u201B', '\u2032' -> '\'';
                default -> c;
            });
        }
        return out.toString();
    }

    /**
     * The first balanced {@code {…}} in the text that parses as an object with a
     * {@code verdict}; an object without one (an example, a wrapper) is passed over, and the
     * objects nested in it are tried next.
     */
    static Optional<JsonNode> firstVerdictObject(String text) {
        int from = 0;
        for (int attempt = 0; attempt < MAX_OBJECTS; attempt++) {
            int open = text.indexOf('{', from);
            if (open < 0) {
                return Optional.empty();
            }
            int close = matchingBrace(text, open);
            if (close > 0) {
                try {
                    JsonNode node = LENIENT.readTree(text.substring(open, close + 1));
                    if (node != null && node.isObject() && node.has("verdict")) {
                        return Optional.of(node);
                    }
                } catch (JacksonException e) {
                    // not JSON after all (prose in braces); try the next brace
                }
            }
            from = open + 1;
        }
        return Optional.empty();
    }

    /** Index of the brace closing the one at {@code open}, skipping braces inside strings; -1 if unbalanced. */
    static int matchingBrace(String text, int open) {
        int depth = 0;
        char quote = 0;
        boolean escaped = false;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (escaped) {
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static Reading judge(JsonNode object, double minConfidence, String raw) {
        JsonNode verdictNode = object.path("verdict");
        if (!verdictNode.isTextual()) {
            return Reading.unreadable("verdict is not a string", raw);
        }
        String verdict = verdictNode.asText().strip().toLowerCase(Locale.ROOT);
        if (!verdict.equals("yes") && !verdict.equals("no")) {
            return Reading.unreadable("verdict must be \"yes\" or \"no\", got \"" + truncate(verdict, 40) + "\"", raw);
        }
        OptionalDouble confidence = number(object.path("confidence"));
        if (confidence.isEmpty()) {
            return Reading.unreadable("confidence is missing or not a number", raw);
        }
        double c = confidence.getAsDouble();
        if (!(c >= 0 && c <= 1)) {
            return Reading.unreadable("confidence must be between 0 and 1, got " + c, raw);
        }
        String cues = cues(object.path("visual_cues"));
        Optional<String> kept = Optional.of(truncate(raw, RAW_LIMIT));
        if (verdict.equals("no")) {
            return new Reading(Verification.REJECTED, c, cues, true, "", kept);
        }
        if (c >= minConfidence) {
            return new Reading(Verification.CONFIRMED, c, cues, true, "", kept);
        }
        return new Reading(Verification.UNVERIFIED, c, cues, true,
                String.format(Locale.ROOT, "\"yes\" with confidence %.2f, below min-confidence %.2f", c, minConfidence),
                kept);
    }

    private static OptionalDouble number(JsonNode node) {
        if (node.isNumber()) {
            return OptionalDouble.of(node.doubleValue());
        }
        if (node.isTextual()) {
            try {
                return OptionalDouble.of(Double.parseDouble(node.asText().strip()));
            } catch (NumberFormatException e) {
                return OptionalDouble.empty();
            }
        }
        return OptionalDouble.empty();
    }

    private static String cues(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return "";
        }
        return truncate(node.isTextual() ? node.asText().strip() : node.toString(), CUES_LIMIT);
    }

    static String truncate(String text, int limit) {
        return text.length() <= limit ? text : text.substring(0, limit - 1) + "…";
    }
}
