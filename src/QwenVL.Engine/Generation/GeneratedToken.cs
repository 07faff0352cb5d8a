// What a generation stream yields: each token's id and the text it completes (possibly empty
// while a UTF-8 sequence or a possible stop string is held back). The last item carries the finish
// reason and the request's statistics.
namespace QwenVL.Engine.Generation;

/// <summary>Why generation ended.</summary>
public enum FinishReason
{
    /// <summary>An end-of-sequence token or a stop string.</summary>
    Stop,

    /// <summary>max_tokens or the context length was reached.</summary>
    Length,

    /// <summary>The caller cancelled.</summary>
    Cancelled,
}

/// <summary>
/// One step of a generation stream. <see cref="Id"/> is −1 on a final item that carries no token.
/// <see cref="Logprobs"/> is set only when <see cref="GenerationOptions.Logprobs"/> asked for it.
/// </summary>
public readonly record struct GeneratedToken(int Id, string Text, FinishReason? Finish, GenerationStats? Stats, TokenLogprobs? Logprobs = null);

/// <summary>Counts and timings of one request (milliseconds).</summary>
public sealed record GenerationStats(
    int PromptTokens,
    IReadOnlyList<int> ImageTokens,
    IReadOnlyList<(int Width, int Height, int ResizedWidth, int ResizedHeight)> ImageSizes,
    int CompletionTokens,
    double PreprocessMs,
    double VisionMs,
    double PrefillMs,
    double DecodeMs)
{
    /// <summary>Prompt tokens served from the KV prefix of an earlier turn (not prefilled again); OpenAI's cached_tokens.</summary>
    public int CachedTokens { get; init; }

    /// <summary>Time to first token: preprocessing, vision and prefill.</summary>
    public double TimeToFirstTokenMs => PreprocessMs + VisionMs + PrefillMs;

    /// <summary>Prompt tokens per second of prefill.</summary>
    public double PrefillTokensPerSecond => PrefillMs > 0 ? PromptTokens / (PrefillMs / 1000) : 0;

    /// <summary>Generated tokens per second after the first.</summary>
    public double DecodeTokensPerSecond => DecodeMs > 0 && CompletionTokens > 1 ? (CompletionTokens - 1) / (DecodeMs / 1000) : 0;
}
