// Request messages parsed in two steps so that validation is cheap and downloads wait for a slot:
// Parse() checks the structure, decodes data: URLs (size-capped) and leaves placeholders for http(s)
// images; ResolveAsync() downloads those once the request is admitted. Any other URL (a path,
// file://, oss://) is refused: an HTTP client never gets the server to read its own files.
using System.Text.Json.Nodes;
using QwenVL.Engine.Conversations;

namespace QwenVL.Server.Images;

/// <summary>A conversation whose remote images are not downloaded yet.</summary>
public sealed class PendingConversation
{
    private readonly Conversation _conversation;
    private readonly Dictionary<ImageInput, (string Url, string Field)> _remote;

    private PendingConversation(Conversation conversation, Dictionary<ImageInput, (string, string)> remote)
    {
        _conversation = conversation;
        _remote = remote;
    }

    /// <summary>Images still to download.</summary>
    public int RemoteImages => _remote.Count;

    /// <summary>Parses an OpenAI/DashScope messages array (EngineException or ApiException naming the field).</summary>
    public static PendingConversation Parse(JsonNode? messages, long maxImageBytes)
    {
        // Placeholders are told apart by reference: records compare by value and two may look alike.
        var remote = new Dictionary<ImageInput, (string, string)>(ReferenceEqualityComparer.Instance);
        Conversation conversation = MessageParser.Parse(messages, (url, field) =>
        {
            if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
            {
                int comma = url.IndexOf(',');
                long approx = comma < 0 ? 0 : (url.Length - comma - 1) / 4L * 3;
                if (approx > maxImageBytes)
                {
                    throw ApiException.BadRequest($"{field}: the data: URL image is about {approx} bytes; at most {maxImageBytes} bytes are accepted", field);
                }
                return ImageInput.FromDataUrl(url, field);
            }
            if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                var placeholder = new ImageInput(ReadOnlyMemory<byte>.Empty, field);
                remote[placeholder] = (url, field);
                return placeholder;
            }
            throw ApiException.BadRequest($"{field}: only http(s) and data: image URLs are accepted (no file paths)", field);
        });
        return new PendingConversation(conversation, remote);
    }

    /// <summary>Downloads the remote images (in parallel) and returns the complete conversation.</summary>
    public async Task<Conversation> ResolveAsync(ImageFetcher fetcher, CancellationToken cancellationToken)
    {
        if (_remote.Count == 0)
        {
            return _conversation;
        }
        var downloads = new Dictionary<ImageInput, Task<ImageInput>>(ReferenceEqualityComparer.Instance);
        foreach ((ImageInput placeholder, (string url, string field)) in _remote)
        {
            downloads[placeholder] = fetcher.FetchAsync(url, field, cancellationToken);
        }
        try
        {
            await Task.WhenAll(downloads.Values).ConfigureAwait(false);
        }
        catch
        {
            // Report the first failure in prompt order, not whichever finished first.
            foreach (Task<ImageInput> t in downloads.Values)
            {
                if (t.IsFaulted)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(t.Exception!.InnerException!);
                }
            }
            throw;
        }
        var messages = _conversation.Messages.Select(m => m with
        {
            Parts = [.. m.Parts.Select(p => p is ImagePart ip && downloads.TryGetValue(ip.Image, out Task<ImageInput>? d) ? ip with { Image = d.Result } : p)],
        });
        return new Conversation([.. messages]);
    }
}
