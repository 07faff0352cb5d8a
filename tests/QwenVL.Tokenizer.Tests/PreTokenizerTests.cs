// Table tests of the Qwen2 split scanner; every expected row was produced by HF tokenizers' own
// pre-tokenizer (Oniguruma) on the fixture tokenizer.json, then shown here as plain text.
// It deliberately tests pieces only (no BPE), so a failure points at the scanner.
using QwenVL.Tokenizer;

namespace QwenVL.Tokenizer.Tests;

public class PreTokenizerTests
{
    public static TheoryData<string, string[]> Table() => new()
    {
        { "Hello world", ["Hello", " world"] },
        { "𝒜𝒷𝒸 is astral", ["𝒜𝒷𝒸", " is", " astral"] },          // surrogate-pair letters are \p{L}
        { "x𝒜𝒷𝒸", ["x𝒜𝒷𝒸"] },
        { "𠀀𠀀 𠀀", ["𠀀𠀀", " 𠀀"] },                                  // CJK Extension B (U+20000)
        { "a  b", ["a", " ", " b"] },                                   // \s+(?!\S) backs off one space
        { "a   b", ["a", "  ", " b"] },
        { "trailing   ", ["trailing", "   "] },                          // at the end the whole run matches
        { "   leading", ["  ", " leading"] },
        { "\r\n", ["\r\n"] },
        { "a\r\nb", ["a", "\r\n", "b"] },
        { "line\n\n  \n end", ["line", "\n\n  \n", " end"] },           // \s*[\r\n]+ ends at the last newline
        { "2024年", ["2", "0", "2", "4", "年"] },                        // one piece per digit
        { "v1.25", ["v", "1", ".", "2", "5"] },
        { "½²", ["½", "²"] },                                           // \p{No} counts as a number
        { "it's I'M we'Re they'LL 'ſa", ["it", "'s", " I", "'M", " we", "'Re", " they", "'LL", " '", "ſa"] },
        { "''s", ["''", "s"] },
        { "hi!!!\n\nnext", ["hi", "!!!\n\n", "next"] },                  // punctuation run takes trailing newlines
        { " ?\r\n", [" ?\r\n"] },
        { "😀😃 👍🏽!", ["😀😃", " 👍🏽!"] },
        { "👨\u200D👩\u200D👧", ["👨\u200D👩\u200D👧"] },                // ZWJ is not \s: one symbol run
        { "a\u3000word", ["a", "\u3000word"] },                         // ideographic space may lead a word
        { "a\u00A0\u00A0b", ["a", "\u00A0", "\u00A0b"] },
        { "z\u0085\u0085w", ["z", "\u0085", "\u0085w"] },               // NEL is \s
        { "x\u001C\u001Cy", ["x", "\u001C\u001C", "y"] },               // U+001C..001F are not \s
        { "\tword", ["\tword"] },
        { "\t\tword", ["\t", "\tword"] },
        { "(-15%)", ["(-", "1", "5", "%)"] },
        { "foo.bar()", ["foo", ".bar", "()"] },
        { "\u0915\u094D\u0937", ["\u0915", "\u094D\u0937"] },           // a virama (Mn) leads the next letter
        { "tab\t\n", ["tab", "\t\n"] },
        { " \n ", [" \n", " "] },
        { "a \u2028b", ["a", " ", "\u2028b"] },
        { "", [] },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Split_QwenPattern_MatchesHfPieces(string text, string[] expected)
    {
        var pieces = new List<TextSpan>();
        Qwen2PreTokenizer.Instance.Split(text, pieces);
        Assert.Equal(expected, pieces.Select(p => text.Substring(p.Start, p.Length)).ToArray());
    }

    [Theory]
    [InlineData("a\uD800b")]   // lone high surrogate
    [InlineData("\uDC00 x")]   // lone low surrogate
    public void Split_LoneSurrogate_TilesTextWithoutThrowing(string text)
    {
        var pieces = new List<TextSpan>();
        Qwen2PreTokenizer.Instance.Split(text, pieces);
        Assert.Equal(text, string.Concat(pieces.Select(p => text.Substring(p.Start, p.Length))));
    }

    [Fact]
    public void Split_RegexFallbackOnBmpText_AgreesWithScanner()
    {
        // The .NET Regex fallback is used for non-Qwen patterns; on BMP text both must agree.
        const string text = "It's 2024!  Hello,\tworld\r\n\n  ok?? 你好 ½ x  ";
        var scanner = new List<TextSpan>();
        var regex = new List<TextSpan>();
        Qwen2PreTokenizer.Instance.Split(text, scanner);
        new RegexPreTokenizer(Qwen2PreTokenizer.Pattern).Split(text, regex);
        Assert.Equal(regex, scanner);
    }
}
