package dev.logowatch.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logowatch.track.Verification;
import dev.logowatch.verify.VerdictParser.Reading;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class VerdictParserTest {
    private static final double MIN = 0.7;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Reading text(String reply) {
        return VerdictParser.fromText(reply, MIN);
    }

    @Test
    void aConfidentYesConfirms() {
        Reading r = text("{\"verdict\": \"yes\", \"confidence\": 0.92, \"visual_cues\": \"red swoosh, white text\"}");
        assertThat(r.verification()).isEqualTo(Verification.CONFIRMED);
        assertThat(r.confidence()).isEqualTo(0.92);
        assertThat(r.cues()).isEqualTo("red swoosh, white text");
        assertThat(r.readable()).isTrue();
        assertThat(r.detail()).isEmpty();
        assertThat(r.rawReply()).get().asString().contains("0.92");
    }

    @Test
    void aNoRejectsWhateverTheConfidence() {
        assertThat(text("{\"verdict\": \"no\", \"confidence\": 0.95, \"visual_cues\": \"a different logo\"}")
                .verification()).isEqualTo(Verification.REJECTED);
        assertThat(text("{\"verdict\": \"no\", \"confidence\": 0.1}").verification()).isEqualTo(Verification.REJECTED);
    }

    @Test
    void aYesBelowMinConfidenceStaysUnverifiedButIsAReadableAnswer() {
        Reading r = text("{\"verdict\": \"yes\", \"confidence\": 0.55, \"visual_cues\": \"blurry\"}");
        assertThat(r.verification()).isEqualTo(Verification.UNVERIFIED);
        assertThat(r.readable()).as("a low-confidence answer is not a server failure").isTrue();
        assertThat(r.confidence()).isEqualTo(0.55);
        assertThat(r.detail()).contains("0.55").contains("0.70");
    }

    @Test
    void confidenceExactlyAtTheMinimumConfirms() {
        assertThat(text("{\"verdict\":\"yes\",\"confidence\":0.7}").verification()).isEqualTo(Verification.CONFIRMED);
    }

    @Test
    void findsTheObjectInsideProse() {
        Reading r = text("Sure! Looking at the image, I can see the logo clearly.\n"
                + "{\"verdict\": \"yes\", \"confidence\": 0.8, \"visual_cues\": \"the {brand} wordmark\"}\n"
                + "Let me know if you need anything else {or not}.");
        assertThat(r.verification()).isEqualTo(Verification.CONFIRMED);
        assertThat(r.cues()).as("braces inside strings do not end the object").isEqualTo("the {brand} wordmark");
    }

    @Test
    void readsFencedJson() {
        Reading r = text("```json\n{\n  \"verdict\": \"no\",\n  \"confidence\": 0.9,\n  \"visual_cues\": \"blue circle\"\n}\n```");
        assertThat(r.verification()).isEqualTo(Verification.REJECTED);
        assertThat(r.cues()).isEqualTo("blue circle");
    }

    @Test
    void normalisesSmartQuotes() {
        Reading r = text("{\u201Cverdict\u201D: \u201Cyes\u201D, \u201Cconfidence\u201D: 0.9, "
                + "\u201Cvisual_cues\u201D: \u201Cthe brand\u2019s red tick\u201D}");
        assertThat(r.verification()).isEqualTo(Verification.CONFIRMED);
        assertThat(r.cues()).isEqualTo("the brand's red tick");
    }

    @Test
    void acceptsCaseAndSpacingInTheVerdictAndNumericStrings() {
        Reading r = text("{\"verdict\": \"  YES \", \"confidence\": \" 0.85 \"}");
        assertThat(r.verification()).isEqualTo(Verification.CONFIRMED);
        assertThat(r.confidence()).isEqualTo(0.85);
        assertThat(r.cues()).as("cues are optional").isEmpty();
    }

    @Test
    void acceptsSingleQuotedJsonFromSmallModels() {
        assertThat(text("{'verdict': 'no', 'confidence': 0.6, 'visual_cues': 'text only',}").verification())
                .isEqualTo(Verification.REJECTED);
    }

    @Test
    void skipsObjectsWithoutAVerdictAndReadsANestedOne() {
        assertThat(text("Format: {\"example\": true}. Answer: {\"verdict\": \"no\", \"confidence\": 0.9}")
                .verification()).isEqualTo(Verification.REJECTED);
        assertThat(text("{\"answer\": {\"verdict\": \"yes\", \"confidence\": 0.9}}").verification())
                .isEqualTo(Verification.CONFIRMED);
    }

    @Test
    void ignoresThinkingBeforeTheAnswer() {
        assertThat(text("<think>maybe {\"verdict\": \"yes\", \"confidence\": 0.9}? no, look again</think>"
                + "{\"verdict\": \"no\", \"confidence\": 0.8}").verification()).isEqualTo(Verification.REJECTED);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "   \n ",
            "Yes, that is the logo.",
            "{\"verdict\": \"yes\", \"confidence\": 0.9",
            "{verdict: yes confidence 0.9}",
            "{\"verdict\": \"maybe\", \"confidence\": 0.9}",
            "{\"verdict\": true, \"confidence\": 0.9}",
            "{\"verdict\": \"yes.\", \"confidence\": 0.9}",
            "{\"verdict\": \"yes\"}",
            "{\"verdict\": \"yes\", \"confidence\": \"high\"}",
            "{\"verdict\": \"yes\", \"confidence\": 95}",
            "{\"verdict\": \"yes\", \"confidence\": -0.1}",
            "{\"verdict\": \"yes\", \"confidence\": \"NaN\"}",
            "{\"confidence\": 0.9, \"visual_cues\": \"logo\"}",
    })
    void anythingElseIsUnverifiedAndNeverAYes(String reply) {
        Reading r = text(reply);
        assertThat(r.verification()).isEqualTo(Verification.UNVERIFIED);
        assertThat(r.readable()).isFalse();
        assertThat(r.detail()).isNotBlank();
        assertThat(r.rawReply()).contains(reply);
    }

    @Test
    void keepsOnlyTheStartOfALongRawReply() {
        String reply = "I cannot tell. ".repeat(100);
        Reading r = text(reply);
        assertThat(r.rawReply()).get().asString().hasSize(VerdictParser.RAW_LIMIT).startsWith("I cannot tell.");
    }

    @Test
    void cutsLongCues() {
        Reading r = text("{\"verdict\": \"no\", \"confidence\": 0.9, \"visual_cues\": \"" + "x".repeat(1000) + "\"}");
        assertThat(r.cues()).hasSize(VerdictParser.CUES_LIMIT);
    }

    @Test
    void readsStringContentFromAChatCompletion() {
        String body = """
                {"id": "chatcmpl-1", "object": "chat.completion", "model": "m",
                 "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant",
                   "content": "{\\"verdict\\": \\"yes\\", \\"confidence\\": 0.9, \\"visual_cues\\": \\"tick\\"}"}}]}
                """;
        Reading r = VerdictParser.fromResponse(body, MIN);
        assertThat(r.verification()).isEqualTo(Verification.CONFIRMED);
        assertThat(r.cues()).isEqualTo("tick");
    }

    @Test
    void joinsTheTextOfContentParts() throws Exception {
        var parts = JSON.readTree("""
                [{"type": "text", "text": "Here is my answer:"},
                 {"type": "text", "text": "{\\"verdict\\": \\"no\\", \\"confidence\\": 0.75}"}]
                """);
        assertThat(VerdictParser.fromContent(parts, MIN).verification()).isEqualTo(Verification.REJECTED);
    }

    @Test
    void responsesWithoutAnAnswerAreUnreadable() {
        assertThat(VerdictParser.fromResponse("<html>Bad gateway</html>", MIN).detail()).contains("not JSON");
        assertThat(VerdictParser.fromResponse("{\"choices\": []}", MIN).detail()).contains("choices[0].message");
        Reading empty = VerdictParser.fromResponse(
                "{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": null}}]}", MIN);
        assertThat(empty.verification()).isEqualTo(Verification.UNVERIFIED);
        assertThat(empty.readable()).isFalse();
        assertThat(empty.detail()).isEqualTo("empty reply");
    }

    @Test
    void braceMatchingSkipsStringsAndEscapes() {
        String s = "x {\"a\": \"}\\\"}\", \"b\": {\"c\": 1}} y";
        assertThat(VerdictParser.matchingBrace(s, 2)).isEqualTo(s.length() - 3);
        assertThat(VerdictParser.matchingBrace("{\"a\": 1", 0)).isEqualTo(-1);
    }
}
