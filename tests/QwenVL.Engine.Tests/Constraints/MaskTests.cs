// The token mask against the automaton fed token by token, on the real Qwen2 vocabulary of the tiny
// checkpoint: every allowed token is accepted when fed alone, and a sample of refused ones is refused;
// stop ids only when the document can end. Also reports (without asserting) milliseconds per mask.
using System.Diagnostics;
using QwenVL.Engine.Constraints;
using QwenVL.Testing;
using QwenVL.Tokenizer;
using Xunit.Abstractions;

namespace QwenVL.Engine.Tests.Constraints;

public class MaskTests(ITestOutputHelper output)
{
    private static readonly Lazy<Qwen2Tokenizer> Tokenizer = new(() => Qwen2Tokenizer.Load(Fixtures.Path("models", "qwen2-vl-tiny", "tokenizer.json")));

    private const int Eos = 151645;

    private const string Schema = """{"type":"object","properties":{"name":{"type":"string","maxLength":12},"n":{"type":"integer","minimum":-40,"maximum":300},"tags":{"type":"array","items":{"enum":["a","bc"]},"maxItems":2}},"required":["name","n"]}""";

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"name\":\"中")]
    [InlineData("{\"name\":\"ab\\")]
    [InlineData("{\"name\":\"abcdefghij")]                // 2 code points of room left (maxLength 12)
    [InlineData("{\"name\":\"x\",\"n\":2")]
    [InlineData("{\"name\":\"x\",\"n\":-4,\"tags\":[\"a\"")]
    public void ComputeMask_AgreesWithFeedingEachToken(string prefix)
    {
        var format = JsonResponseFormat.FromSchemaText(Schema, "t");
        Qwen2Tokenizer tok = Tokenizer.Value;
        JsonConstraint c = JsonConstraint.Create(format, tok, [Eos]);
        int[] prefixIds = tok.Encode(prefix);
        foreach (int id in prefixIds)
        {
            Assert.True(c.Advance(id), $"prefix token {id}");
        }
        var mask = new ulong[(151936 + 63) / 64];
        c.ComputeMask(mask);
        int allowed = 0;
        for (int id = 0; id < tok.VocabSize; id++)
        {
            bool inMask = (mask[id >> 6] & (1UL << (id & 63))) != 0;
            allowed += inMask ? 1 : 0;
            if (!inMask && id % 7 != 0 && id != Eos)
            {
                continue; // every 7th refused id
            }
            if (id == Eos)
            {
                Assert.Equal(c.CanFinish, inMask);
                continue;
            }
            if (inMask && allowed % 5 != 0 && id % 5 != 0)
            {
                continue; // a fifth of the allowed ids keeps the test fast when nearly all are allowed
            }
            var probe = new JsonMatcher(format);
            Assert.True(probe.Feed(System.Text.Encoding.UTF8.GetBytes(prefix)));
            byte[]? bytes = TokenBytes(tok, id);
            bool accepted = bytes is not null && !tok.AddedTokens.Any(t => t.Id == id) && probe.Feed(bytes);
            Assert.True(accepted == inMask, $"token {id} '{tok.Decode([id])}' after '{prefix}': mask says {inMask}");
        }
        Assert.True(allowed > 0);
        output.WriteLine($"after '{prefix}': {allowed} tokens allowed");
    }

    [Fact]
    public void ComputeMask_Timing_ReportsMillisecondsPerStep()
    {
        Qwen2Tokenizer tok = Tokenizer.Value;
        var mask = new ulong[(151936 + 63) / 64];
        foreach ((string name, string prefix) in new[] { ("start", ""), ("in string", "{\"name\":\"a"), ("after key", "{\"name\":\"x\","), ("number", "{\"name\":\"x\",\"n\":1") })
        {
            JsonConstraint c = JsonConstraint.Create(JsonResponseFormat.FromSchemaText(Schema, "t"), tok, [Eos]);
            foreach (int id in tok.Encode(prefix))
            {
                c.Advance(id);
            }
            c.ComputeMask(mask); // warm-up
            long start = Stopwatch.GetTimestamp();
            long before = GC.GetAllocatedBytesForCurrentThread();
            const int Steps = 10;
            for (int i = 0; i < Steps; i++)
            {
                c.ComputeMask(mask);
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds / Steps;
            output.WriteLine($"{name}: {ms:F2} ms per mask, {allocated} bytes allocated over {Steps} masks");
            Assert.Equal(0, allocated);
        }
    }

    /// <summary>A token's bytes, undoing GPT-2's byte-to-character map (written here independently of the engine).</summary>
    private static byte[]? TokenBytes(Qwen2Tokenizer tok, int id)
    {
        var charToByte = new Dictionary<char, byte>();
        int next = 0x100;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            charToByte[printable ? (char)b : (char)next++] = (byte)b;
        }
        string? token = tok.IdToToken(id);
        if (token is null)
        {
            return null;
        }
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            if (!charToByte.TryGetValue(token[i], out bytes[i]))
            {
                return null;
            }
        }
        return bytes;
    }
}
