// Sampling defaults a checkpoint ships in generation_config.json (all optional). When do_sample is
// false the defaults are greedy, whatever temperature says, as in transformers. Callers override
// any of these per request; this type only records what the checkpoint asked for.
namespace QwenVL.Models.Common;

/// <summary>Decoding defaults from generation_config.json.</summary>
public sealed record GenerationDefaults(
    bool DoSample,
    float Temperature,
    float TopP,
    int TopK,
    float RepetitionPenalty,
    int[] EosTokenIds,
    int? MaxNewTokens)
{
    /// <summary>transformers' GenerationConfig defaults (greedy; top_k 50 and top_p 1 only matter when sampling).</summary>
    public static GenerationDefaults Default { get; } = new(false, 1f, 1f, 50, 1f, [], null);

    /// <summary>Reads generation_config.json; a missing file gives <see cref="Default"/>.</summary>
    public static GenerationDefaults Load(string path)
    {
        if (!File.Exists(path))
        {
            return Default;
        }
        ConfigReader r = ConfigReader.Load(path);
        float penalty = (float)r.Double("repetition_penalty", 1.0);
        if (penalty <= 0)
        {
            throw r.Error("repetition_penalty", $"must be positive, got {penalty}");
        }
        return new GenerationDefaults(
            r.Bool("do_sample", false),
            (float)r.Double("temperature", 1.0),
            (float)r.Double("top_p", 1.0),
            r.Int("top_k", 50),
            penalty,
            r.IntArray("eos_token_id") ?? [],
            r.OptionalInt("max_new_tokens"));
    }
}
