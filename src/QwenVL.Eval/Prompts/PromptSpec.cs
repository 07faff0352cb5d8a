// A prompt ready to send: an optional system text, the user turn as ordered image/text parts, and
// the decoding budget, tagged with a stable id so every result line and report says which template
// produced it. Built by PromptTable; this file only holds data.
namespace QwenVL.Eval.Prompts;

/// <summary>One part of the user turn: an image (index into the item's images) or text.</summary>
/// <param name="ImageIndex">Image index, or -1 for a text part.</param>
/// <param name="Text">Text of a text part.</param>
public readonly record struct PromptPart(int ImageIndex, string? Text)
{
    /// <summary>An image part.</summary>
    public static PromptPart Image(int index) => new(index, null);

    /// <summary>A text part.</summary>
    public static PromptPart Of(string text) => new(-1, text);

    /// <summary>True for an image part.</summary>
    public bool IsImage => ImageIndex >= 0;
}

/// <summary>A built prompt.</summary>
/// <param name="Id">Stable template id, e.g. "vlmevalkit/qwen2-vl-custom/vqa".</param>
/// <param name="System">System message, or null for none (VLMEvalKit Qwen2VLChat sends none).</param>
/// <param name="Parts">The user turn.</param>
/// <param name="MaxTokens">The framework's max_new_tokens for this benchmark.</param>
public sealed record PromptSpec(string Id, string? System, IReadOnlyList<PromptPart> Parts, int MaxTokens)
{
    /// <summary>All text parts joined (for tests and logs).</summary>
    public string Text => string.Concat(Parts.Where(p => !p.IsImage).Select(p => p.Text));
}
