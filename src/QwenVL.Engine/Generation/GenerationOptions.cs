// What a caller may set per request. Null means "use the checkpoint's generation_config.json
// default"; Temperature 0 means greedy. Pixel limits override preprocessor_config.json for every
// image of the request (a part's own min/max_pixels win over these).
namespace QwenVL.Engine.Generation;

/// <summary>Per-request decoding and preprocessing options.</summary>
public sealed record GenerationOptions
{
    /// <summary>Most new tokens (default 512).</summary>
    public int MaxTokens { get; init; } = 512;

    /// <summary>Softmax temperature; 0 = greedy.</summary>
    public float? Temperature { get; init; }

    /// <summary>Nucleus sampling mass (0, 1].</summary>
    public float? TopP { get; init; }

    /// <summary>Keep only the k most likely tokens; 0 = off.</summary>
    public int? TopK { get; init; }

    /// <summary>CTRL repetition penalty (https://arxiv.org/abs/1909.05858), 1 = off.</summary>
    public float? RepetitionPenalty { get; init; }

    /// <summary>Random seed; null draws one.</summary>
    public int? Seed { get; init; }

    /// <summary>Strings that end the reply (not included in it).</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Smallest resized image area in pixels.</summary>
    public long? MinPixels { get; init; }

    /// <summary>Largest resized image area in pixels.</summary>
    public long? MaxPixels { get; init; }

    /// <summary>Largest decoded image (pixels) accepted before resizing (decompression-bomb guard).</summary>
    public long MaxImagePixels { get; init; } = 100_000_000;

    /// <summary>When set, every token carries its log-probability and this many most likely alternatives (0-20).</summary>
    public int? Logprobs { get; init; }

    /// <summary>When set, the reply is JSON of this shape (constrained decoding); null = free text.</summary>
    public Constraints.JsonResponseFormat? ResponseFormat { get; init; }

    /// <summary>Checks ranges; throws <see cref="EngineException"/> naming the option.</summary>
    public void Validate()
    {
        ResponseFormat?.Validate(); // compiles (cached): unsupported schema keywords fail here, field "response_format"

        if (MaxTokens < 1)
        {
            throw new EngineException($"max_tokens must be at least 1, got {MaxTokens}", "max_tokens");
        }
        if (Temperature is < 0 or float.NaN)
        {
            throw new EngineException($"temperature must be >= 0, got {Temperature}", "temperature");
        }
        if (TopP is <= 0 or > 1 or float.NaN)
        {
            throw new EngineException($"top_p must be in (0, 1], got {TopP}", "top_p");
        }
        if (TopK < 0)
        {
            throw new EngineException($"top_k must be >= 0, got {TopK}", "top_k");
        }
        if (RepetitionPenalty is <= 0 or float.NaN)
        {
            throw new EngineException($"repetition_penalty must be > 0, got {RepetitionPenalty}", "repetition_penalty");
        }
        if (MinPixels is < 1 || MaxPixels is < 1 || MinPixels > MaxPixels)
        {
            throw new EngineException($"min_pixels ({MinPixels}) and max_pixels ({MaxPixels}) must be positive with min <= max", "min_pixels");
        }
        if (Logprobs is < 0 or > TokenLogprobs.MaxTop)
        {
            throw new EngineException($"top_logprobs must be in [0, {TokenLogprobs.MaxTop}], got {Logprobs}", "top_logprobs");
        }
        if (Stop.Any(string.IsNullOrEmpty))
        {
            throw new EngineException("stop strings must not be empty", "stop");
        }
    }
}
