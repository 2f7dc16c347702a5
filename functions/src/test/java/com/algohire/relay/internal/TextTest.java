package com.algohire.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TextTest {

    @ParameterizedTest
    @ValueSource(strings = {"\uFFFF", "\uFFFE", "\u0000", "\u0001", "\u001F", "\u000B", "\u000C", "\uD800",
            "\uDBFF", "\uDC00", "\uDFFF"})
    void wellFormed_whenTextHoldsACharacterSqsRefuses_replacesItWithTheReplacementCharacter(String bad) {
        assertThat(Text.wellFormed("a" + bad + "b")).isEqualTo("a\uFFFDb");
        assertThat(Text.isWellFormed("a" + bad + "b")).isFalse();
    }

    @Test
    void wellFormed_whenEveryCharacterIsAllowed_returnsTheSameInstance() {
        String text = "tab\tLF\nCR\r space ~ \u00e9 \uD7FF \uE000 \uFFFD \uD83D\uDE00 \uDBFF\uDFFF end";

        assertThat(Text.wellFormed(text)).isSameAs(text);
        assertThat(Text.isWellFormed(text)).isTrue();
    }

    @Test
    void wellFormed_whenSurrogatesAreOutOfOrderOrAtTheEnds_replacesEachLoneOne() {
        assertThat(Text.wellFormed("\uDE00\uD83D")).isEqualTo("\uFFFD\uFFFD");
        assertThat(Text.wellFormed("\uD83D\uD83D\uDE00")).isEqualTo("\uFFFD\uD83D\uDE00");
        assertThat(Text.wellFormed("x\uD83D")).isEqualTo("x\uFFFD");
    }

    @Test
    void wellFormed_whenNull_returnsNull() {
        assertThat(Text.wellFormed(null)).isNull();
        assertThat(Text.isWellFormed(null)).isTrue();
    }

    @Test
    void fromUtf8_whenBytesAreNotUtf8_decodesThemToReplacementCharacters() {
        byte[] bytes = {'a', (byte) 0x80, 'b', (byte) 0xC0, (byte) 0xAF, 'c', (byte) 0xED, (byte) 0xA0, (byte) 0x80,
                'd', (byte) 0xFF, 'e', (byte) 0xE2, (byte) 0x82};

        String text = Text.fromUtf8(bytes, bytes.length);

        assertThat(text).startsWith("a\uFFFDb").contains("c\uFFFD").contains("d\uFFFDe").endsWith("\uFFFD")
                .doesNotContain("\u0000");
        assertThat(text.chars().filter(c -> Character.isSurrogate((char) c))).isEmpty();
        assertThat(Text.isWellFormed(text)).isTrue();
    }

    @Test
    void fromUtf8_whenBytesAreUtf8OfRefusedCharacters_replacesThemToo() {
        byte[] bytes = "x\uFFFF\u0000\uFFFEy".getBytes(StandardCharsets.UTF_8);

        assertThat(Text.fromUtf8(bytes, bytes.length)).isEqualTo("x\uFFFD\uFFFD\uFFFDy");
    }

    @Test
    void fromUtf8_readsOnlyTheFirstLengthBytes() {
        byte[] bytes = "hello world".getBytes(StandardCharsets.UTF_8);

        assertThat(Text.fromUtf8(bytes, 5)).isEqualTo("hello");
    }

    @Test
    void cut_whenTheLimitFallsInsideASurrogatePair_keepsOneCharacterFewer() {
        assertThat(Text.cut("ab\uD83D\uDE00", 3)).isEqualTo("ab");
        assertThat(Text.cut("ab\uD83D\uDE00", 4)).isEqualTo("ab\uD83D\uDE00");
        assertThat(Text.cut("abcdef", 3)).isEqualTo("abc");
        assertThat(Text.cut("ab", 3)).isEqualTo("ab");
        assertThat(Text.cut(null, 3)).isNull();
    }
}
