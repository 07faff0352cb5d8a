// Added-token matching rules on a tiny hand-built tokenizer.json (see TestTokenizers.MiniJson):
// leftmost-longest, lstrip, rstrip, single_word and normalized tokens. Every expected id list was
// produced by HF tokenizers on the same JSON.
using QwenVL.Tokenizer;

namespace QwenVL.Tokenizer.Tests;

public class AddedTokenFlagTests
{
    private static readonly Lazy<Qwen2Tokenizer> Mini = new(() => Qwen2Tokenizer.FromJson(TestTokenizers.MiniJson(), "mini.json"));

    [Theory]
    [InlineData("hello world", new[] { 259, 261, 114, 108, 100 })]        // plain BPE: hello, Ġwo, r, l, d
    [InlineData("a  <sep>b", new[] { 97, 262, 98 })]                     // lstrip takes both spaces
    [InlineData("x<sep>  <sep>y", new[] { 120, 262, 262, 121 })]
    [InlineData("<s><sep><s>", new[] { 263, 262, 263 })]                 // longest match: <sep> over <s>
    [InlineData("<se", new[] { 60, 115, 101 })]
    [InlineData("[R]   hello", new[] { 264, 259 })]                      // rstrip takes the spaces after
    [InlineData("a[R]\n\nb", new[] { 97, 264, 98 })]
    [InlineData("word", new[] { 265 })]
    [InlineData("a word.", new[] { 97, 32, 265, 46 })]                   // single_word: punctuation is a boundary
    [InlineData("swordfish", new[] { 115, 119, 111, 114, 100, 102, 105, 115, 104 })]
    [InlineData("word_x", new[] { 119, 111, 114, 100, 95, 120 })]        // '_' is a word char
    [InlineData("wordy word", new[] { 119, 111, 114, 100, 121, 32, 265 })]
    [InlineData("café", new[] { 266 })]
    [InlineData("cafe\u0301!", new[] { 266, 33 })]                       // normalized token matches after NFC
    [InlineData("the café's", new[] { 116, 256, 32, 266, 39, 115 })]
    [InlineData("hello<s>hello", new[] { 259, 263, 259 })]
    public void Encode_MiniTokenizer_MatchesHf(string text, int[] expected)
    {
        Assert.Equal(expected, Mini.Value.Encode(text));
    }

    [Fact]
    public void Decode_AddedTokenWithAlphabetChars_DecodesByteWiseLikeHf()
    {
        // 'é' is itself in the byte alphabet (byte 0xE9), so HF's ByteLevel decoder turns "café" into
        // "caf" + a lone 0xE9 -> U+FFFD. Id 999 is unknown and vanishes.
        int[] ids = [259, 262, 263, 264, 265, 266, 999];
        Assert.Equal("hello<sep><s>[R]wordcaf\uFFFD", Mini.Value.Decode(ids));
        Assert.Equal("hello[R]wordcaf\uFFFD", Mini.Value.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void FromJson_NoNormalizer_NormalizedTokenMatchesOnlyLiteralText()
    {
        Qwen2Tokenizer raw = Qwen2Tokenizer.FromJson(TestTokenizers.MiniJson(normalizer: "null"), "mini-raw.json");
        Assert.Equal([266], raw.Encode("café"));
        Assert.NotEqual([266, 33], raw.Encode("cafe\u0301!"));
    }
}
