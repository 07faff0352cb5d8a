// Encode/decode behaviour beyond the golden file: extra HF-checked ids (astral letters, spaces, partial
// special tokens), lookups, unknown ids, skipping special tokens, invalid UTF-8 and round trips.
// It deliberately uses the fixture tokenizer only; flag handling is in AddedTokenFlagTests.
using System.Text;
using QwenVL.Tokenizer;

namespace QwenVL.Tokenizer.Tests;

public class EncodeDecodeTests
{
    private static Qwen2Tokenizer Tok => TestTokenizers.Qwen25;

    [Theory]
    [InlineData("x𝒜𝒷𝒸 𠀀𠀀", new[] { 87, 147228, 151311, 149416, 220, 172, 63219, 222, 172, 63219, 222 })]
    [InlineData("a\u00A0\u00A0b\u3000c", new[] { 64, 4102, 4102, 65, 22441, 66 })]
    [InlineData("<|im_start|><|im_end|><|im_start|", new[] { 151644, 151645, 27, 91, 318, 4906, 91 })]
    [InlineData("<|im_start|>>", new[] { 151644, 29 })]
    [InlineData("  \r\n\r\n  x", new[] { 72745, 220, 856 })]
    [InlineData("😁", new[] { 144534 })]
    public void Encode_ExtraCases_MatchesHfIds(string text, int[] expected)
    {
        Assert.Equal(expected, Tok.Encode(text));
    }

    [Fact]
    public void VocabSize_FixtureTokenizer_Is151665()
    {
        Assert.Equal(151665, Tok.VocabSize);
        Assert.Equal(22, Tok.AddedTokens.Count);
        Assert.Equal(new AddedToken(151644, "<|im_start|>", true), Tok.AddedTokens[1]);
    }

    [Theory]
    [InlineData(151643, true)]   // <|endoftext|>
    [InlineData(151655, true)]   // <|image_pad|>
    [InlineData(151657, false)]  // <tool_call> is an added token but not special
    [InlineData(9707, false)]
    [InlineData(151700, false)]
    [InlineData(-1, false)]
    public void IsSpecial_Id_FollowsAddedTokenFlag(int id, bool expected)
    {
        Assert.Equal(expected, Tok.IsSpecial(id));
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(151664, true)]
    [InlineData(151665, false)]
    [InlineData(151935, false)]
    [InlineData(-5, false)]
    [InlineData(int.MaxValue, false)]
    public void IsKnownId_Id_TrueOnlyForTokenizerIds(int id, bool expected)
    {
        Assert.Equal(expected, Tok.IsKnownId(id));
        Assert.Equal(expected, Tok.IdToToken(id) != null);
    }

    [Fact]
    public void TokenToId_UnknownString_ReturnsNull()
    {
        Assert.Null(Tok.TokenToId("definitely not a token"));
        Assert.Equal(151657, Tok.TokenToId("<tool_call>"));
        Assert.Equal(1879, Tok.TokenToId("Ġworld"));
    }

    [Fact]
    public void Decode_UnknownIds_DecodeToNothing()
    {
        Assert.Equal("Hello world", Tok.Decode([151700, 9707, 151935, 1879, -3, 200000]));
    }

    [Fact]
    public void Decode_SkipSpecialTokens_DropsOnlySpecialAddedTokens()
    {
        int[] ids = [151644, 872, 198, 151657, 13048, 151658, 151645];
        Assert.Equal("<|im_start|>user\n<tool_call>Hi</tool_call><|im_end|>", Tok.Decode(ids));
        Assert.Equal("user\n<tool_call>Hi</tool_call>", Tok.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Decode_InvalidUtf8_UsesReplacementCharLikeHf()
    {
        int Byte(byte b) => Tok.TokenToId(ByteLevelAlphabet.ByteToChar[b].ToString())!.Value;
        // Expectations from HF decode: F0 9F 'a' -> one U+FFFD for the maximal invalid prefix, then 'a';
        // E9 A4 BD is 餽; E9 F0 9F -> two U+FFFD.
        Assert.Equal("\uFFFDa", Tok.Decode([Byte(0xF0), Byte(0x9F), Byte((byte)'a')]));
        Assert.Equal("餽", Tok.Decode([Byte(0xE9), Byte(0xA4), Byte(0xBD)]));
        Assert.Equal("\uFFFD\uFFFD", Tok.Decode([Byte(0xE9), Byte(0xF0), Byte(0x9F)]));
    }

    [Theory]
    [InlineData("The quick brown fox jumps over the lazy dog.\n")]
    [InlineData("def f(x):\r\n\treturn x ** 2  # square\n\n\n")]
    [InlineData("混合 text, 日本語, 한국어, Ελληνικά, русский, العربية, עברית, हिन्दी, ไทย")]
    [InlineData("🧑🏽‍💻 👩‍❤️‍👨 🏴󠁧󠁢󠁳󠁣󠁴󠁿 #️⃣")]
    [InlineData("<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>?<|im_end|>")]
    [InlineData("   \t \u00A0 \u2003 mixed   whitespace \n \r\n")]
    public void Decode_EncodedNfcText_RoundTrips(string text)
    {
        Assert.Equal(text, Tok.Decode(Tok.Encode(text)));
    }

    [Fact]
    public void Encode_LongText_RoundTripsAndReusesPieces()
    {
        var sb = new StringBuilder();
        var random = new Random(12345);
        string[] parts = ["hello", " world", "你好", " 123", "\n\n", "  ", "😀", "can't", " Ünïcödé", "\t", "<|im_end|>"];
        while (sb.Length < 20_000)
        {
            sb.Append(parts[random.Next(parts.Length)]);
        }
        string text = sb.ToString();
        int[] ids = Tok.Encode(text);
        Assert.Equal(text, Tok.Decode(ids));
        Assert.Equal(ids, Tok.Encode(text)); // second pass served from the piece cache
    }

    [Fact]
    public void Encode_LongSingleWord_MergesLikeShortOnes()
    {
        // 4000 'a's is one piece handled by the heap merge; it must decode back and use long 'aaaa…' tokens.
        string text = new('a', 4000);
        int[] ids = Tok.Encode(text);
        Assert.Equal(text, Tok.Decode(ids));
        Assert.True(ids.Length < 1000, $"expected merged tokens, got {ids.Length} ids");
    }

    [Fact]
    public void Encode_LoneSurrogate_EncodesAsReplacementChar()
    {
        // A .NET string can hold a lone surrogate that has no UTF-8 form; it is encoded as U+FFFD's bytes.
        Assert.Equal("a\uFFFDb", Tok.Decode(Tok.Encode("a\uD800b")));
    }

    [Fact]
    public void Encode_ConcurrentCallers_GiveSameIds()
    {
        string[] texts = TestTokenizers.GoldenCases.Select(c => c.Text).ToArray();
        int[][] expected = texts.Select(t => Tok.Encode(t)).ToArray();
        Parallel.For(0, 64, i => Assert.Equal(expected[i % texts.Length], Tok.Encode(texts[i % texts.Length])));
    }
}
