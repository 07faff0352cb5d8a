// The sampler against hand-computed expectations: argmax ties, the CTRL repetition penalty's
// sign rule, top-k/top-p truncation, seeded reproducibility, and that temperature sampling draws
// tokens with the softmax's frequencies (a statistical check with a fixed seed and a 4-sigma bound).
using QwenVL.Engine.Sampling;

namespace QwenVL.Engine.Tests;

public class SamplerTests
{
    private static SamplingParameters P(float t = 1, float topP = 1, int topK = 0, float penalty = 1, int seed = 1) => new(t, topP, topK, penalty, seed);

    [Fact]
    public void ArgMax_Ties_ReturnsFirst()
    {
        Assert.Equal(1, Sampler.ArgMax([0f, 5f, 5f, -1f]));
        Assert.Equal(0, Sampler.ArgMax([float.NegativeInfinity, float.NegativeInfinity]));
    }

    [Fact]
    public void Sample_Greedy_PicksLargestLogit()
    {
        var s = new Sampler(P(t: 0), 5);
        Assert.Equal(3, s.Sample([0.1f, -2f, 0.5f, 3f, 2.9f]));
    }

    [Fact]
    public void Sample_RepetitionPenalty_DividesPositiveAndMultipliesNegative()
    {
        // Token 0 (logit 2.0) is seen: 2.0 / 1.5 = 1.33 < 1.5 (token 1) so 1 wins.
        var s = new Sampler(P(t: 0, penalty: 1.5f), 3);
        s.Observe([0]);
        Assert.Equal(1, s.Sample([2.0f, 1.5f, -5f]));
        // Negative seen logits get more negative: -1 * 1.5 = -1.5 < -1.2.
        var n = new Sampler(P(t: 0, penalty: 1.5f), 2);
        n.Observe([0]);
        Assert.Equal(1, n.Sample([-1.0f, -1.2f]));
    }

    [Fact]
    public void Sample_TopKOne_AlwaysArgmax()
    {
        var s = new Sampler(P(t: 5f, topK: 1, seed: 123), 4);
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(2, s.Sample([1f, 1.2f, 1.3f, 0.9f]));
        }
    }

    [Fact]
    public void Sample_TinyTopP_KeepsOnlyTheMostLikely()
    {
        var s = new Sampler(P(t: 1f, topP: 0.01f, seed: 5), 4);
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(0, s.Sample([3f, 2.9f, 2.8f, 0f]));
        }
    }

    [Fact]
    public void Sample_TopP_NeverDrawsOutsideTheNucleus()
    {
        // Softmax of [2, 1, 0, -10]: 0.665, 0.245, 0.090, 0.00003. top_p 0.8 keeps tokens 0 and 1 only.
        var s = new Sampler(P(t: 1f, topP: 0.8f, seed: 9), 4);
        var counts = new int[4];
        for (int i = 0; i < 4000; i++)
        {
            counts[s.Sample([2f, 1f, 0f, -10f])]++;
        }
        Assert.Equal(0, counts[2] + counts[3]);
        // Renormalized: p0 = 0.665 / 0.910 = 0.731; 4-sigma band on 4000 draws is ±0.028.
        Assert.InRange(counts[0] / 4000.0, 0.731 - 0.028, 0.731 + 0.028);
    }

    [Fact]
    public void Sample_Temperature_MatchesSoftmaxFrequencies()
    {
        float[] logits = [1f, 0f, -1f];
        const float T = 2f;
        double[] e = [.. logits.Select(l => Math.Exp(l / T))];
        double z = e.Sum();
        var s = new Sampler(P(t: T, seed: 42), 3);
        var counts = new int[3];
        const int N = 20000;
        for (int i = 0; i < N; i++)
        {
            counts[s.Sample(logits)]++;
        }
        for (int k = 0; k < 3; k++)
        {
            double p = e[k] / z;
            double sigma = Math.Sqrt(p * (1 - p) / N);
            Assert.InRange(counts[k] / (double)N, p - 4 * sigma, p + 4 * sigma);
        }
    }

    [Fact]
    public void Sample_SameSeed_SameSequence()
    {
        float[] logits = [.. Enumerable.Range(0, 50).Select(i => MathF.Sin(i))];
        int[] Draw(int seed)
        {
            var s = new Sampler(P(t: 1f, topK: 20, topP: 0.9f, seed: seed), 50);
            return [.. Enumerable.Range(0, 64).Select(_ => s.Sample(logits))];
        }
        Assert.Equal(Draw(7), Draw(7));
        Assert.NotEqual(Draw(7), Draw(8));
    }
}
