// The engine's request vocabulary: roles with ordered text and image parts. Every front door (CLI
// JSON, OpenAI, DashScope, IChatClient) converts to this; nothing here knows a wire format.
namespace QwenVL.Engine.Conversations;

/// <summary>One part of a message's content.</summary>
public abstract record ContentPart;

/// <summary>Plain text.</summary>
public sealed record TextPart(string Text) : ContentPart;

/// <summary>An image with optional per-image pixel budget (Qwen's min_pixels/max_pixels).</summary>
public sealed record ImagePart(ImageInput Image, long? MinPixels = null, long? MaxPixels = null) : ContentPart;

/// <summary>A message: role ("system", "user", "assistant") and its parts in order.</summary>
public sealed record ChatMessage(string Role, IReadOnlyList<ContentPart> Parts)
{
    /// <summary>A text-only message.</summary>
    public static ChatMessage FromText(string role, string text) => new(role, [new TextPart(text)]);
}

/// <summary>An ordered list of messages.</summary>
public sealed record Conversation(IReadOnlyList<ChatMessage> Messages)
{
    /// <summary>Images in prompt order.</summary>
    public IEnumerable<ImagePart> Images => Messages.SelectMany(m => m.Parts).OfType<ImagePart>();
}
