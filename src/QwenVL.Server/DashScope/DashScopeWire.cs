// DashScope's native multimodal-generation shapes (serialized snake_case): the response with
// output.choices[].message.content as a list of {"text"} items, usage with image_tokens, and the
// error body. finish_reason is the string "null" on streamed events before the last, as recorded.
using System.Text.Json.Serialization;
using QwenVL.Server.Annotations;

namespace QwenVL.Server.DashScope;

/// <summary>A native response or streamed event.</summary>
public sealed record DashScopeResponse(DashScopeOutput Output, DashScopeUsage Usage, string RequestId);

/// <summary>result_format "message" fills Choices; "text" fills Text and FinishReason.</summary>
public sealed record DashScopeOutput(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<DashScopeChoice>? Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FinishReason);

/// <summary>The single choice.</summary>
public sealed record DashScopeChoice(string FinishReason, DashScopeMessage Message);

/// <summary>The assistant message; content is a list of parts.</summary>
public sealed record DashScopeMessage(string Role, IReadOnlyList<DashScopeText> Content)
{
    /// <summary>Extension (non-streamed answer, or the last streamed event): annotations in original-image pixels, only when there are any.</summary>
    [JsonPropertyName("x_qwenvl_annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AnnotationsWire? Annotations { get; init; }
}

/// <summary>A text part.</summary>
public sealed record DashScopeText(string Text);

/// <summary>Token counts; input_tokens include image_tokens. Streamed events before the last carry only output_tokens (the engine reports prompt counts at the end).</summary>
public sealed record DashScopeUsage(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? InputTokens,
    int OutputTokens,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ImageTokens);

/// <summary>DashScope's error body.</summary>
public sealed record DashScopeError(string Code, string Message, string RequestId);
