// Teacher-forced top-1 agreement of a (quantized) model with the reference's 16 greedy tokens:
// prefill the golden prompt, then at each step compare the argmax with the reference id and feed
// the reference id (not ours), so one early miss does not derail the remaining steps.
using QwenVL.Engine;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;

namespace QwenVL.Models.Tests.Quantization;

/// <summary>One case's agreement and how far its prefill logits moved.</summary>
internal sealed record AgreementResult(string Model, string Case, WeightFormat Weights, int Agreed, int Steps, double LogitMaxDiff);

internal static class QuantizedParity
{
    public static Conversation Messages(Golden g) =>
        MessageParser.Parse(File.ReadAllText(g.MessagesFile), LocalImageResolver.Create(Path.GetDirectoryName(g.MessagesFile)!));

    /// <summary>Runs one golden case with <paramref name="weights"/> loaded from <paramref name="modelDir"/> (default: the fixture).</summary>
    public static AgreementResult Run(Golden g, WeightFormat weights, string? modelDir = null)
    {
        using InferenceEngine engine = InferenceEngine.Load(modelDir ?? g.ModelDir, new ModelLoadOptions { Weights = weights });
        PreparedPrompt p = engine.Prepare(Messages(g));
        VisionLanguageModel m = engine.Model;
        int[] reference = g.GreedyIds;
        ModelSession session = m.CreateSession(p.TokenIds.Length + reference.Length);
        float[] logits = session.Prefill(p.TokenIds, [m.Vision.Encode(p.Images[0].Pixels!)], p.Positions).ToArray();
        double logitDiff = ParityTests.MaxAbsDiff(g.Dump("last_logits"), logits);
        int agreed = 0;
        for (int step = 0; step < reference.Length; step++)
        {
            if (ArgMax(logits) == reference[step])
            {
                agreed++;
            }
            if (step + 1 < reference.Length)
            {
                logits = session.Decode(reference[step]).ToArray();
            }
        }
        return new AgreementResult(g.Model, g.Name, weights, agreed, reference.Length, logitDiff);
    }

    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }
}
