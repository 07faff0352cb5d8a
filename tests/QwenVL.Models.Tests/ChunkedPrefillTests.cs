// Prefill in chunks: the golden prompt run in chunks of several sizes, including ones whose short
// remainder joins the last chunk (≤ a quarter of the chunk) and ones whose remainder does not, gives
// the reference's last logits within the same 1e-3 as one chunk, the same argmax, and a following
// decode step that agrees with the one-chunk run within 1e-3.
using QwenVL.Engine;
using QwenVL.Engine.Generation;

namespace QwenVL.Models.Tests;

public sealed class ChunkedPrefillTests
{
    [Theory]
    [InlineData(5, true)]
    [InlineData(16, true)]
    [InlineData(40, true)]
    [InlineData(7, false)]
    [InlineData(24, false)]
    public void Prefill_InChunks_MatchesReferenceAndOneChunk(int chunkSeed, bool remainderJoins)
    {
        Golden g = Golden.Load("qwen2.5-vl-tiny", (string)Golden.Cases.First(c => (string)c[0] == "qwen2.5-vl-tiny")[1]);
        (float[] whole, float[] wholeNext, int n) = Run(g, 4096);
        // The first chunk size from the seed whose remainder joins the last chunk (n mod c in [1, c/4])
        // or, for the other cases, runs as a chunk of its own (n mod c > c/4).
        int chunk = Enumerable.Range(chunkSeed, 64).First(c => c < n && (remainderJoins ? n % c >= 1 && n % c <= c / 4 : n % c > c / 4));
        (float[] chunked, float[] chunkedNext, _) = Run(g, chunk);
        double toReference = ParityTests.MaxAbsDiff(g.Dump("last_logits"), chunked);
        Assert.True(toReference <= 1e-3, $"chunk {chunk} of {n}: last_logits max |diff| {toReference:E2} > 1e-3");
        Assert.Equal(ArgMax(whole), ArgMax(chunked));
        double next = ParityTests.MaxAbsDiff(wholeNext, chunkedNext);
        Assert.True(next <= 1e-3, $"chunk {chunk} of {n}: next-step logits max |diff| {next:E2} > 1e-3");
    }

    private static (float[] Last, float[] Next, int Tokens) Run(Golden g, int chunk)
    {
        using InferenceEngine engine = InferenceEngine.Load(g.ModelDir, new ModelLoadOptions { PrefillChunk = chunk });
        PreparedPrompt p = engine.Prepare(Quantization.QuantizedParity.Messages(g));
        VisionLanguageModel m = engine.Model;
        ModelSession s = m.CreateSession(p.TokenIds.Length + 1);
        float[] last = s.Prefill(p.TokenIds, [m.Vision.Encode(p.Images[0].Pixels!)], p.Positions).ToArray();
        float[] next = s.Decode(g.GreedyIds[0]).ToArray();
        return (last, next, p.TokenIds.Length);
    }

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());
}
