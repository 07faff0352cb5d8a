// Resolved decoding parameters for one request: the caller's options over the checkpoint's
// generation_config.json, with do_sample=false meaning greedy unless the caller sets a temperature.
using QwenVL.Engine.Generation;
using QwenVL.Models.Common;

namespace QwenVL.Engine.Sampling;

/// <summary>Final decoding parameters.</summary>
public sealed record SamplingParameters(float Temperature, float TopP, int TopK, float RepetitionPenalty, int Seed)
{
    /// <summary>True when decoding is argmax.</summary>
    public bool Greedy => Temperature == 0;

    /// <summary>Merges request options over checkpoint defaults.</summary>
    public static SamplingParameters Resolve(GenerationOptions o, GenerationDefaults d) => new(
        o.Temperature ?? (d.DoSample ? d.Temperature : 0f),
        o.TopP ?? (d.DoSample ? d.TopP : 1f),
        o.TopK ?? (d.DoSample ? d.TopK : 0),
        o.RepetitionPenalty ?? d.RepetitionPenalty,
        o.Seed ?? Random.Shared.Next());
}
