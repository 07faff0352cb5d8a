// The CLI's image resolver: data: URLs, file:// URLs, absolute paths, and paths relative to the
// messages file. Remote http(s) URLs are refused with a pointer to the server (which fetches them
// with size caps and SSRF protection); a CLI silently downloading would bypass those limits.
namespace QwenVL.Engine.Conversations;

/// <summary>Resolves image URLs against the local file system.</summary>
public static class LocalImageResolver
{
    /// <summary>A resolver that reads relative paths from <paramref name="baseDirectory"/>.</summary>
    public static ImageResolver Create(string baseDirectory) => (url, field) =>
    {
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return ImageInput.FromDataUrl(url, field);
        }
        if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            throw new EngineException($"{field}: remote image URLs are not fetched by the CLI; download the image and give its path ({url})", field);
        }
        string path = url.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? new Uri(url).LocalPath : url;
        if (!Path.IsPathRooted(path))
        {
            path = Path.GetFullPath(Path.Combine(baseDirectory, path));
        }
        if (!File.Exists(path))
        {
            throw new EngineException($"{field}: image file not found: {path}", field);
        }
        return ImageInput.FromFile(path, field);
    };
}
