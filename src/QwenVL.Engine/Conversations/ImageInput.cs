// Image bytes plus a name for error messages ("photo.png", "messages[1].content[0]"). Loading from
// files and data: URLs lives here; fetching http(s) URLs is the server's job, with its own limits.
namespace QwenVL.Engine.Conversations;

/// <summary>Encoded image bytes and where they came from.</summary>
public sealed record ImageInput(ReadOnlyMemory<byte> Bytes, string Source)
{
    /// <summary>Reads a file; EngineException naming the path when it cannot.</summary>
    public static ImageInput FromFile(string path, string? field = null)
    {
        try
        {
            return new ImageInput(File.ReadAllBytes(path), path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new EngineException($"cannot read image file '{path}': {e.Message}", field, e);
        }
    }

    /// <summary>Decodes a <c>data:[mime][;base64],payload</c> URL.</summary>
    public static ImageInput FromDataUrl(string url, string? field = null)
    {
        int comma = url.IndexOf(',');
        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase) || comma < 0)
        {
            throw new EngineException("malformed data: URL (expected data:<mime>;base64,<payload>)", field);
        }
        string meta = url[5..comma];
        string payload = url[(comma + 1)..];
        if (!meta.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
        {
            throw new EngineException("data: URL images must be base64-encoded (data:<mime>;base64,...)", field);
        }
        try
        {
            return new ImageInput(Convert.FromBase64String(payload), field ?? "data: URL");
        }
        catch (FormatException e)
        {
            throw new EngineException($"data: URL payload is not valid base64: {e.Message}", field, e);
        }
    }
}
