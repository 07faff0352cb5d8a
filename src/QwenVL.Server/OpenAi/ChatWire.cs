// The JSON shapes of OpenAI's chat-completions API this server writes (serialized snake_case):
// completion, streaming chunk, usage, logprobs, model list and error. Field presence follows the
// OpenAI reference: finish_reason and logprobs are written as null, delta fields are omitted.
using System.Text.Json.Serialization;
using QwenVL.Server.Annotations;

namespace QwenVL.Server.OpenAi;

/// <summary>A non-streaming answer.</summary>
public sealed record ChatCompletion(string Id, string Object, long Created, string Model, IReadOnlyList<ChatChoice> Choices, ChatUsage Usage)
{
    /// <summary>Always null: one build serves one behaviour.</summary>
    public string? SystemFingerprint => null;
}

/// <summary>The single choice of an answer.</summary>
public sealed record ChatChoice(int Index, AssistantMessage Message, ChoiceLogprobs? Logprobs, string FinishReason);

/// <summary>The generated message.</summary>
public sealed record AssistantMessage(string Role, string Content)
{
    /// <summary>Never set: the model has no refusal channel.</summary>
    public string? Refusal => null;

    /// <summary>Extension: boxes/points/quads of the answer in original-image pixels, only when there are any.</summary>
    [JsonPropertyName("x_qwenvl_annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AnnotationsWire? Annotations { get; init; }
}

/// <summary>Per-token log-probabilities of a choice.</summary>
public sealed record ChoiceLogprobs(IReadOnlyList<TokenLogprob> Content)
{
    /// <summary>Never set.</summary>
    public IReadOnlyList<TokenLogprob>? Refusal => null;
}

/// <summary>One generated token with its log-probability and the most likely alternatives.</summary>
public sealed record TokenLogprob(string Token, float Logprob, IReadOnlyList<int> Bytes, IReadOnlyList<TopLogprob> TopLogprobs);

/// <summary>An alternative token.</summary>
public sealed record TopLogprob(string Token, float Logprob, IReadOnlyList<int> Bytes);

/// <summary>Token counts; prompt tokens include every image's tokens.</summary>
public sealed record ChatUsage(int PromptTokens, int CompletionTokens, int TotalTokens, PromptTokensDetails PromptTokensDetails)
{
    /// <summary>Extension read by the web page: per-image sizes and tokens, time to first token, decode speed.</summary>
    [JsonPropertyName("x_qwenvl")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public UsageExtension? Extension { get; init; }
}

/// <summary>The x_qwenvl usage extension (milliseconds, tokens per second).</summary>
public sealed record UsageExtension(IReadOnlyList<ImageUsage> Images, double TtftMs, double TokensPerS);

/// <summary>One prompt image: original size, size after smart_resize, and its token count.</summary>
public sealed record ImageUsage(int Width, int Height, int ResizedWidth, int ResizedHeight, int Tokens);

/// <summary>Breakdown of the prompt tokens (image_tokens is an extension; cached_tokens is always 0 here).</summary>
public sealed record PromptTokensDetails(int CachedTokens, int ImageTokens);

/// <summary>One streamed event.</summary>
public sealed record ChatChunk(string Id, string Object, long Created, string Model, IReadOnlyList<ChunkChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ChatUsage? Usage);

/// <summary>The choice of a chunk.</summary>
public sealed record ChunkChoice(int Index, ChunkDelta Delta, ChoiceLogprobs? Logprobs, string? FinishReason);

/// <summary>What a chunk adds to the message.</summary>
public sealed record ChunkDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content)
{
    /// <summary>Extension, on the final (finish_reason) chunk only: the whole answer's annotations.</summary>
    [JsonPropertyName("x_qwenvl_annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AnnotationsWire? Annotations { get; init; }
}

/// <summary>GET /v1/models.</summary>
public sealed record ModelList(string Object, IReadOnlyList<ModelCard> Data);

/// <summary>One served model name.</summary>
public sealed record ModelCard(string Id, string Object, long Created, string OwnedBy);

/// <summary>OpenAI's error envelope.</summary>
public sealed record OpenAiErrorResponse(OpenAiError Error);

/// <summary>OpenAI's error body.</summary>
public sealed record OpenAiError(string Message, string Type, string? Param, string? Code);
