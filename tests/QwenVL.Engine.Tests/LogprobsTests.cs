// Token log-probabilities: log-softmax arithmetic and the top-k selection on small arrays, and the
// stream carrying them (greedy picks the most likely token, so it must be the first alternative).
// It does not compare against the reference implementation: logprobs are not in the parity fixtures.
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Testing;

namespace QwenVL.Engine.Tests;

public sealed class LogprobsTests
{
    [Fact]
    public void Compute_SmallLogits_MatchesLogSoftmaxAndSortsTop()
    {
        float[] logits = [1f, 3f, 2f, 3f, -1f];
        double z = Math.Log(logits.Sum(x => Math.Exp(x)));
        TokenLogprobs lp = TokenLogprobs.Compute(logits, 2, 3);
        Assert.Equal(2 - z, lp.Logprob, 5);
        // Ties keep the lower id first; values descend.
        Assert.Equal([1, 3, 2], lp.Top.Select(t => t.Id));
        Assert.Equal(3 - z, lp.Top[0].Logprob, 5);
        Assert.Equal(2 - z, lp.Top[2].Logprob, 5);
    }

    [Fact]
    public void Compute_TopZeroOrLargerThanVocab_ReturnsNoneOrAll()
    {
        float[] logits = [0f, 1f];
        Assert.Empty(TokenLogprobs.Compute(logits, 0, 0).Top);
        Assert.Equal([1, 0], TokenLogprobs.Compute(logits, 0, 20).Top.Select(t => t.Id));
    }

    [Fact]
    public void Validate_TopLogprobsOutOfRange_NamesField()
    {
        var e = Assert.Throws<EngineException>(() => new GenerationOptions { Logprobs = 21 }.Validate());
        Assert.Equal("top_logprobs", e.Field);
    }

    [Fact]
    public async Task Generate_GreedyWithLogprobs_EveryTokenIsItsFirstAlternative()
    {
        using InferenceEngine engine = InferenceEngine.Load(Fixtures.Model("qwen2-vl-tiny"));
        var options = new GenerationOptions { MaxTokens = 6, Temperature = 0, Logprobs = 3 };
        var tokens = new List<GeneratedToken>();
        await foreach (GeneratedToken t in engine.GenerateAsync(new Conversation([ChatMessage.FromText("user", "hi")]), options))
        {
            tokens.Add(t);
        }
        Assert.Equal(6, tokens.Count);
        foreach (GeneratedToken t in tokens)
        {
            TokenLogprobs lp = Assert.IsType<TokenLogprobs>(t.Logprobs);
            Assert.Equal(3, lp.Top.Count);
            Assert.Equal(t.Id, lp.Top[0].Id);
            Assert.Equal(lp.Top[0].Logprob, lp.Logprob);
            Assert.True(lp.Top.All(x => x.Logprob <= 0));
            Assert.True(lp.Top[0].Logprob >= lp.Top[1].Logprob && lp.Top[1].Logprob >= lp.Top[2].Logprob);
        }
        GenerationResult plain = await engine.CompleteAsync(new Conversation([ChatMessage.FromText("user", "hi")]), options with { Logprobs = null });
        Assert.Equal(tokens.Select(t => t.Id), plain.TokenIds);
    }
}
