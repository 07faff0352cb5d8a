// Reads an OpenAI-style `messages` array (or an object holding one) into a Conversation. Accepts
// string content and content parts: {"type":"text"}, {"type":"image_url","image_url":{"url"}}
// (+ Qwen's min_pixels/max_pixels siblings), {"type":"image","image":url} and DashScope's bare
// {"image":url}/{"text":...}. Where an image URL points is decided by the caller's resolver.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenVL.Engine.Conversations;

/// <summary>Turns an image URL (path, data: URL, ...) from field <c>field</c> into bytes.</summary>
public delegate ImageInput ImageResolver(string url, string field);

/// <summary>Parses chat messages from JSON, naming the field at fault in every error.</summary>
public static class MessageParser
{
    private static readonly string[] Roles = ["system", "user", "assistant"];

    /// <summary>Parses JSON text.</summary>
    public static Conversation Parse(string json, ImageResolver resolver, string sourceName = "messages")
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new EngineException($"{sourceName}: invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {e.Message}", sourceName, e);
        }
        return Parse(root, resolver);
    }

    /// <summary>Parses a messages array, or an object with a "messages" array.</summary>
    public static Conversation Parse(JsonNode? root, ImageResolver resolver)
    {
        JsonArray array = root switch
        {
            JsonArray a => a,
            JsonObject o when o["messages"] is JsonArray a => a,
            _ => throw new EngineException("expected a JSON array of messages (or an object with a \"messages\" array)", "messages"),
        };
        if (array.Count == 0)
        {
            throw new EngineException("messages is empty", "messages");
        }
        var messages = new List<ChatMessage>(array.Count);
        for (int i = 0; i < array.Count; i++)
        {
            string field = $"messages[{i}]";
            if (array[i] is not JsonObject m)
            {
                throw new EngineException($"{field} must be an object with role and content", field);
            }
            string role = Str(m["role"], field + ".role") ?? throw new EngineException($"{field}.role is required", field + ".role");
            if (!Roles.Contains(role))
            {
                throw new EngineException($"{field}.role is '{role}'; supported roles are {string.Join(", ", Roles)}", field + ".role");
            }
            messages.Add(new ChatMessage(role, ParseContent(m["content"], field + ".content", resolver)));
        }
        return new Conversation(messages);
    }

    private static List<ContentPart> ParseContent(JsonNode? content, string field, ImageResolver resolver)
    {
        switch (content)
        {
            case null:
                return [];
            case JsonValue v when v.TryGetValue(out string? text):
                return [new TextPart(text)];
            case JsonArray parts:
                var result = new List<ContentPart>(parts.Count);
                for (int i = 0; i < parts.Count; i++)
                {
                    result.Add(ParsePart(parts[i], $"{field}[{i}]", resolver));
                }
                return result;
            default:
                throw new EngineException($"{field} must be a string or an array of content parts", field);
        }
    }

    private static ContentPart ParsePart(JsonNode? node, string field, ImageResolver resolver)
    {
        if (node is not JsonObject part)
        {
            throw new EngineException($"{field} must be an object", field);
        }
        string? type = Str(part["type"], field + ".type");
        if (type is "text" || (type is null && part.ContainsKey("text")))
        {
            return new TextPart(Str(part["text"], field + ".text") ?? throw new EngineException($"{field}.text is required", field + ".text"));
        }
        if (type is "image_url" or "image" || (type is null && (part.ContainsKey("image") || part.ContainsKey("image_url"))))
        {
            string urlField = part.ContainsKey("image_url") ? field + ".image_url" : field + ".image";
            string url = part["image_url"] switch
            {
                JsonObject o => Str(o["url"], urlField + ".url") ?? throw new EngineException($"{urlField}.url is required", urlField + ".url"),
                JsonValue v when v.TryGetValue(out string? s) => s,
                null => Str(part["image"], urlField) ?? throw new EngineException($"{field} has no image or image_url", field),
                _ => throw new EngineException($"{urlField} must be an object with a url", urlField),
            };
            return new ImagePart(resolver(url, urlField), Pixels(part, "min_pixels", field), Pixels(part, "max_pixels", field));
        }
        throw new EngineException($"{field}.type '{type}' is not supported (use text or image_url)", field + ".type");
    }

    private static long? Pixels(JsonObject part, string key, string field)
    {
        JsonNode? n = part[key];
        if (n is null)
        {
            return null;
        }
        return n is JsonValue v && v.TryGetValue(out double d) && d >= 1 && d == Math.Floor(d) && d <= long.MaxValue
            ? (long)d
            : throw new EngineException($"{field}.{key} must be a positive integer", $"{field}.{key}");
    }

    private static string? Str(JsonNode? n, string field) => n switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => throw new EngineException($"{field} must be a string", field),
    };
}
