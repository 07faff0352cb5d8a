// Turns Microsoft.Extensions.AI chat messages into the engine's Conversation: roles, text, images
// from DataContent (bytes), UriContent (file:// read locally, http(s) fetched with the caller's
// HttpClient under a size cap) and data: URIs. It does not do tools or audio; those are refused.
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using QwenVL.Engine;
using QwenVL.Engine.Conversations;
using MEAI = Microsoft.Extensions.AI;
using EngineMessage = QwenVL.Engine.Conversations.ChatMessage;

namespace QwenVL.Extensions.AI;

/// <summary>Maps chat messages to an engine conversation.</summary>
internal static class ConversationMapper
{
    /// <summary>Builds the conversation; <paramref name="instructions"/> (ChatOptions.Instructions) becomes the system prompt.</summary>
    public static async Task<Conversation> MapAsync(IEnumerable<MEAI.ChatMessage> messages, string? instructions,
        QwenVLChatClientOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var result = new List<EngineMessage>();
        int i = 0;
        foreach (MEAI.ChatMessage message in messages)
        {
            string field = $"messages[{i++}]";
            string role = MapRole(message.Role, field);
            var parts = new List<ContentPart>(message.Contents.Count);
            for (int j = 0; j < message.Contents.Count; j++)
            {
                ContentPart? part = await MapContentAsync(message.Contents[j], $"{field}.contents[{j}]", options, cancellationToken).ConfigureAwait(false);
                if (part is not null)
                {
                    parts.Add(part);
                }
            }
            result.Add(new EngineMessage(role, parts));
        }
        if (!string.IsNullOrEmpty(instructions))
        {
            // The Qwen chat template reads only a leading system message, so instructions join it.
            if (result.Count > 0 && result[0].Role == "system")
            {
                result[0] = result[0] with { Parts = [new TextPart(instructions + "\n\n"), .. result[0].Parts] };
            }
            else
            {
                result.Insert(0, EngineMessage.FromText("system", instructions));
            }
        }
        if (result.Count == 0)
        {
            throw new EngineException("messages is empty", "messages");
        }
        return new Conversation(result);
    }

    private static string MapRole(MEAI.ChatRole role, string field)
    {
        if (role == MEAI.ChatRole.System || role == MEAI.ChatRole.User || role == MEAI.ChatRole.Assistant)
        {
            return role.Value;
        }
        throw new EngineException($"{field}.role is '{role.Value}'; supported roles are system, user, assistant", field + ".role");
    }

    private static async Task<ContentPart?> MapContentAsync(MEAI.AIContent content, string field, QwenVLChatClientOptions options, CancellationToken ct)
    {
        switch (content)
        {
            case MEAI.TextContent text:
                return new TextPart(text.Text);
            case MEAI.TextReasoningContent or MEAI.UsageContent:
                // Bookkeeping left in history by earlier responses: not part of the prompt.
                return null;
            case MEAI.DataContent data:
                RequireImage(data.MediaType, field);
                if (data.Data.Length > options.MaxImageBytes)
                {
                    throw new EngineException($"{field}: image is {data.Data.Length} bytes; the limit is {options.MaxImageBytes}", field);
                }
                return Image(new ImageInput(data.Data, data.Name ?? field), content, field);
            case MEAI.UriContent uri:
                if (!uri.HasTopLevelMediaType("image"))
                {
                    throw new EngineException($"{field}: media type '{uri.MediaType}' is not an image", field);
                }
                return Image(await LoadUriAsync(uri.Uri, field, options, ct).ConfigureAwait(false), content, field);
            default:
                throw new EngineException($"{field}: {content.GetType().Name} is not supported (text and images only)", field);
        }
    }

    private static void RequireImage(string mediaType, string field)
    {
        if (!mediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
        {
            throw new EngineException($"{field}: media type '{mediaType}' is not an image", field);
        }
    }

    // Per-image pixel budgets ride on the content's AdditionalProperties, like Qwen's per-image keys.
    private static ImagePart Image(ImageInput input, MEAI.AIContent content, string field) => new(input,
        Pixels(content.AdditionalProperties, "min_pixels", field), Pixels(content.AdditionalProperties, "max_pixels", field));

    private static async Task<ImageInput> LoadUriAsync(Uri uri, string field, QwenVLChatClientOptions options, CancellationToken ct)
    {
        if (uri.IsFile)
        {
            if (!options.AllowFileUris)
            {
                throw new EngineException($"{field}: file:// images are disabled (AllowFileUris = false)", field);
            }
            var file = new FileInfo(uri.LocalPath);
            if (!file.Exists)
            {
                throw new EngineException($"{field}: image file not found: {file.FullName}", field);
            }
            if (file.Length > options.MaxImageBytes)
            {
                throw new EngineException($"{field}: image file is {file.Length} bytes; the limit is {options.MaxImageBytes}", field);
            }
            return ImageInput.FromFile(file.FullName, field);
        }
        if (uri.Scheme is "http" or "https")
        {
            HttpClient http = options.HttpClient
                ?? throw new EngineException($"{field}: http(s) images need QwenVLChatClientOptions.HttpClient ({uri})", field);
            return new ImageInput(await FetchAsync(http, uri, field, options.MaxImageBytes, ct).ConfigureAwait(false), uri.ToString());
        }
        if (uri.Scheme == "data")
        {
            return ImageInput.FromDataUrl(uri.OriginalString, field);
        }
        throw new EngineException($"{field}: URI scheme '{uri.Scheme}' is not supported (file, http, https, data)", field);
    }

    private static async Task<byte[]> FetchAsync(HttpClient http, Uri uri, string field, long cap, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new EngineException($"{field}: cannot fetch {uri}: {e.Message}", field, e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new EngineException($"{field}: fetching {uri} timed out", field, e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new EngineException($"{field}: fetching {uri} returned HTTP {(int)response.StatusCode}", field);
            }
            MediaTypeHeaderValue? type = response.Content.Headers.ContentType;
            if (type?.MediaType is string mt && !mt.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
                && mt != "application/octet-stream")
            {
                throw new EngineException($"{field}: {uri} is '{mt}', not an image", field);
            }
            if (response.Content.Headers.ContentLength > cap)
            {
                throw new EngineException($"{field}: {uri} is {response.Content.Headers.ContentLength} bytes; the limit is {cap}", field);
            }
            // Content-Length may be absent or wrong: count while reading and stop one byte past the cap.
            await using Stream stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            byte[] chunk = new byte[81920];
            int n;
            while ((n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + n > cap)
                {
                    throw new EngineException($"{field}: {uri} is larger than the limit of {cap} bytes", field);
                }
                buffer.Write(chunk, 0, n);
            }
            return buffer.ToArray();
        }
    }

    /// <summary>Reads a positive integer from AdditionalProperties (int, long, double, string or JSON number).</summary>
    internal static long? Pixels(MEAI.AdditionalPropertiesDictionary? properties, string key, string field)
    {
        double? value = Number(properties, key, field);
        return value switch
        {
            null => null,
            double d when d >= 1 && d == Math.Floor(d) && d <= long.MaxValue => (long)d,
            _ => throw new EngineException($"{field}.{key} must be a positive integer", $"{field}.{key}"),
        };
    }

    /// <summary>Reads a number from AdditionalProperties, whatever numeric shape a caller stored.</summary>
    internal static double? Number(MEAI.AdditionalPropertiesDictionary? properties, string key, string field)
    {
        if (properties is null || !properties.TryGetValue(key, out object? raw) || raw is null)
        {
            return null;
        }
        return raw switch
        {
            JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
            IConvertible c and not string and not bool => c.ToDouble(CultureInfo.InvariantCulture),
            _ => throw new EngineException($"{field}.{key} must be a number", $"{field}.{key}"),
        };
    }
}
