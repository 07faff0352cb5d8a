// Every case of golden/tokenizer_cases.json (HF tokenizers output) on both fixture tokenizer.json files:
// ids, byte-level token strings and decoded text must all be exact.
// It deliberately loads no other reference: the held-out check uses other strings through the same path.
using QwenVL.Tokenizer;

namespace QwenVL.Tokenizer.Tests;

public class GoldenCaseTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string model in new[] { "qwen2.5-vl-tiny", "qwen2-vl-tiny" })
        {
            for (int i = 0; i < TestTokenizers.GoldenCases.Count; i++)
            {
                data.Add(model, i);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_GoldenCase_MatchesHfIds(string model, int index)
    {
        TestTokenizers.GoldenCase c = TestTokenizers.GoldenCases[index];
        Assert.Equal(c.Ids, TestTokenizers.ByModel(model).Encode(c.Text));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void IdToToken_GoldenCase_MatchesHfTokenStrings(string model, int index)
    {
        TestTokenizers.GoldenCase c = TestTokenizers.GoldenCases[index];
        Qwen2Tokenizer tokenizer = TestTokenizers.ByModel(model);
        Assert.Equal(c.Tokens, c.Ids.Select(id => tokenizer.IdToToken(id)).ToArray());
        Assert.Equal(c.Ids, c.Tokens.Select(t => tokenizer.TokenToId(t) ?? -1).ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_GoldenCase_MatchesHfText(string model, int index)
    {
        TestTokenizers.GoldenCase c = TestTokenizers.GoldenCases[index];
        Assert.Equal(c.Decoded, TestTokenizers.ByModel(model).Decode(c.Ids));
    }

    [Fact]
    public void GoldenCases_FileLoaded_Has24Cases()
    {
        Assert.Equal(24, TestTokenizers.GoldenCases.Count);
    }

    [Fact]
    public void Encode_Span_AppendsSameIdsAsArrayOverload()
    {
        var ids = new List<int> { -7 };
        TestTokenizers.Qwen25.Encode("Hello world".AsSpan(), ids);
        Assert.Equal([-7, 9707, 1879], ids);
    }
}
