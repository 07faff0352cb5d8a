// StreamingDecoder: pieces returned one id at a time, concatenated with Flush(), equal Decode(all), and
// no piece ever ends inside a UTF-8 sequence that a later token completes.
// It deliberately checks content only, not allocation counts.
using QwenVL.Tokenizer;

namespace QwenVL.Tokenizer.Tests;

public class StreamingDecoderTests
{
    private static Qwen2Tokenizer Tok => TestTokenizers.Qwen25;

    private static int ByteId(byte b) => Tok.TokenToId(ByteLevelAlphabet.ByteToChar[b].ToString())!.Value;

    private static List<string> Stream(StreamingDecoder decoder, IEnumerable<int> ids)
    {
        var pieces = ids.Select(decoder.Append).ToList();
        pieces.Add(decoder.Flush());
        return pieces;
    }

    [Fact]
    public void Append_EmojiSplitAcrossTokens_HeldUntilComplete()
    {
        // Golden: " 😁 ?" is ĠðŁĺ | ģ | Ġ? — the emoji's 4th byte arrives with the second token.
        List<string> pieces = Stream(Tok.CreateStreamingDecoder(), [26525, 223, 937]);
        Assert.Equal([" ", "😁", " ?", ""], pieces);
    }

    [Fact]
    public void Append_CjkCharByteByByte_EmitsOnlyOnLastByte()
    {
        byte[] utf8 = "你"u8.ToArray();
        List<string> pieces = Stream(Tok.CreateStreamingDecoder(), utf8.Select(ByteId));
        Assert.Equal(["", "", "你", ""], pieces);
    }

    [Fact]
    public void Flush_IncompleteSequence_ReturnsReplacementChar()
    {
        StreamingDecoder decoder = Tok.CreateStreamingDecoder();
        Assert.Equal("a", decoder.Append(ByteId((byte)'a')));
        Assert.Equal("", decoder.Append(ByteId(0xF0)));
        Assert.Equal("", decoder.Append(ByteId(0x9F)));
        Assert.Equal("\uFFFD", decoder.Flush());
        Assert.Equal("", decoder.Flush());
    }

    [Fact]
    public void Reset_DropsHeldBytes()
    {
        StreamingDecoder decoder = Tok.CreateStreamingDecoder();
        decoder.Append(ByteId(0xE4));
        decoder.Reset();
        Assert.Equal("b", decoder.Append(ByteId((byte)'b')));
    }

    [Fact]
    public void Append_InvalidByteThenValidText_EmitsReplacementImmediately()
    {
        StreamingDecoder decoder = Tok.CreateStreamingDecoder();
        Assert.Equal("", decoder.Append(ByteId(0xE9)));          // could still become a 3-byte char
        Assert.Equal("\uFFFD", decoder.Append(ByteId(0xF0)));    // F0 cannot continue E9: E9 is invalid now
        Assert.Equal("\uFFFDx", decoder.Append(ByteId((byte)'x'))); // nor can 'x' continue F0
        Assert.Equal("", decoder.Flush());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Append_RandomIds_ConcatenationEqualsDecode(bool skipSpecial)
    {
        // Random ids include byte tokens (split UTF-8), specials and ids past the tokenizer (no string).
        var random = new Random(2024);
        for (int round = 0; round < 300; round++)
        {
            int[] ids = Enumerable.Range(0, random.Next(1, 16)).Select(_ => random.Next(5) switch
            {
                0 => random.Next(0, 256),
                1 => random.Next(0, 151643),
                2 => random.Next(151643, 151665),
                3 => random.Next(151665, 151936),
                _ => ByteId((byte)random.Next(0x80, 0x100)),
            }).ToArray();
            List<string> pieces = Stream(Tok.CreateStreamingDecoder(skipSpecial), ids);
            Assert.Equal(Tok.Decode(ids, skipSpecial), string.Concat(pieces));
        }
    }

    [Fact]
    public void Append_GoldenCases_ConcatenationEqualsText()
    {
        foreach (TestTokenizers.GoldenCase c in TestTokenizers.GoldenCases)
        {
            List<string> pieces = Stream(Tok.CreateStreamingDecoder(), c.Ids);
            Assert.Equal(c.Decoded, string.Concat(pieces));
            Assert.DoesNotContain(pieces, p => p.Contains('\uFFFD'));   // valid text never shows a partial char
        }
    }
}
