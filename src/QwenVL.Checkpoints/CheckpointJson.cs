// Reads the small JSON files of a checkpoint (config.json, generation_config.json, the shard index)
// and typed getters whose errors name the file and the key ("config.json: key 'hidden_size' must be
// an integer, got string"). It deliberately knows no config schema; QwenVL.Models decides what is required.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenVL.Checkpoints;

/// <summary>JSON file reading and typed key access with <see cref="CheckpointException"/> errors.</summary>
public static class CheckpointJson
{
    /// <summary>Parses a file whose root must be a JSON object; duplicate keys are rejected.</summary>
    public static JsonObject ReadJsonObject(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointException(path, null, "file not found", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CheckpointException(path, null, $"cannot read file: {ex.Message}", ex);
        }
        ReadOnlySpan<byte> text = bytes;
        if (text.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            text = text[3..];
        }
        int bad = Utf8Check.FirstInvalidByte(text);
        if (bad >= 0)
        {
            throw new CheckpointException(path, null, $"file is not valid UTF-8 (bad byte 0x{text[bad]:X2} at offset {bad})");
        }
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            throw new CheckpointException(path, null,
                $"malformed JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}: {ex.Message}", ex);
        }
        if (root is not JsonObject obj)
        {
            throw new CheckpointException(path, null, $"root must be a JSON object, got {Describe(root)}");
        }
        return obj;
    }

    /// <summary>Integer value of <paramref name="key"/>; integral numbers like 1e3 are accepted.</summary>
    public static int GetInt(JsonObject obj, string key, string path) => TryGetInt(obj, key, path) ?? throw Missing(key, path);

    /// <summary>Integer value, or null when the key is absent or null.</summary>
    public static int? TryGetInt(JsonObject obj, string key, string path)
    {
        JsonNode? node = Lookup(obj, key);
        if (node is null)
        {
            return null;
        }
        if (TryInteger(node, out long value) && value is >= int.MinValue and <= int.MaxValue)
        {
            return (int)value;
        }
        throw WrongType(key, path, "an integer", node);
    }

    /// <summary>64-bit integer value of <paramref name="key"/>.</summary>
    public static long GetLong(JsonObject obj, string key, string path) => TryGetLong(obj, key, path) ?? throw Missing(key, path);

    /// <summary>64-bit integer value, or null when the key is absent or null.</summary>
    public static long? TryGetLong(JsonObject obj, string key, string path)
    {
        JsonNode? node = Lookup(obj, key);
        if (node is null)
        {
            return null;
        }
        return TryInteger(node, out long value) ? value : throw WrongType(key, path, "an integer", node);
    }

    /// <summary>Numeric value of <paramref name="key"/> (integers included).</summary>
    public static double GetDouble(JsonObject obj, string key, string path) => TryGetDouble(obj, key, path) ?? throw Missing(key, path);

    /// <summary>Numeric value, or null when the key is absent or null.</summary>
    public static double? TryGetDouble(JsonObject obj, string key, string path)
    {
        JsonNode? node = Lookup(obj, key);
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out double d))
        {
            return d;
        }
        throw WrongType(key, path, "a number", node);
    }

    /// <summary>String value of <paramref name="key"/>.</summary>
    public static string GetString(JsonObject obj, string key, string path) => TryGetString(obj, key, path) ?? throw Missing(key, path);

    /// <summary>String value, or null when the key is absent or null.</summary>
    public static string? TryGetString(JsonObject obj, string key, string path)
    {
        JsonNode? node = Lookup(obj, key);
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.TryGetValue(out string? s))
        {
            return s;
        }
        throw WrongType(key, path, "a string", node);
    }

    /// <summary>Boolean value of <paramref name="key"/> (JSON true/false only, not 0/1 or "true").</summary>
    public static bool GetBool(JsonObject obj, string key, string path) => TryGetBool(obj, key, path) ?? throw Missing(key, path);

    /// <summary>Boolean value, or null when the key is absent or null.</summary>
    public static bool? TryGetBool(JsonObject obj, string key, string path)
    {
        JsonNode? node = Lookup(obj, key);
        if (node is null)
        {
            return null;
        }
        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(key, path, "a boolean", node),
        };
    }

    /// <summary>Array of 32-bit integers at <paramref name="key"/>.</summary>
    public static int[] GetIntArray(JsonObject obj, string key, string path) => TryGetIntArray(obj, key, path) ?? throw Missing(key, path);

    /// <summary>Array of 32-bit integers, or null when the key is absent or null.</summary>
    public static int[]? TryGetIntArray(JsonObject obj, string key, string path)
    {
        JsonNode? node = Lookup(obj, key);
        if (node is null)
        {
            return null;
        }
        if (node is not JsonArray array)
        {
            throw WrongType(key, path, "an array of integers", node);
        }
        var result = new int[array.Count];
        for (int i = 0; i < result.Length; i++)
        {
            JsonNode? item = array[i];
            if (item is null || !TryInteger(item, out long value) || value is < int.MinValue or > int.MaxValue)
            {
                throw new CheckpointException(path, key,
                    $"key '{key}' must be an array of integers, but element {i} is {Describe(item)}");
            }
            result[i] = (int)value;
        }
        return result;
    }

    /// <summary>Nested object at <paramref name="key"/> (e.g. "vision_config").</summary>
    public static JsonObject GetObject(JsonObject obj, string key, string path) => TryGetObject(obj, key, path) ?? throw Missing(key, path);

    /// <summary>Nested object, or null when the key is absent or null.</summary>
    public static JsonObject? TryGetObject(JsonObject obj, string key, string path)
    {
        JsonNode? node = Lookup(obj, key);
        return node is null ? null : node as JsonObject ?? throw WrongType(key, path, "an object", node);
    }

    private static JsonNode? Lookup(JsonObject obj, string key)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(key);
        return obj.TryGetPropertyValue(key, out JsonNode? node) ? node : null;
    }

    private static bool TryInteger(JsonNode node, out long value)
    {
        value = 0;
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }
        if (v.TryGetValue(out long l))
        {
            value = l;
            return true;
        }
        // Integral values written in float syntax (64.0, 1e3) are integers too; 2^63 is the first double
        // that does not fit a long.
        if (v.TryGetValue(out double d) && d == Math.Floor(d) && d >= -9.2233720368547758E18 && d < 9.2233720368547758E18)
        {
            value = (long)d;
            return true;
        }
        return false;
    }

    private static CheckpointException Missing(string key, string path) =>
        new(path, key, $"required key '{key}' is missing or null");

    private static CheckpointException WrongType(string key, string path, string expected, JsonNode node) =>
        new(path, key, $"key '{key}' must be {expected}, got {Describe(node)}");

    private static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number " + node.ToJsonString(),
        JsonValueKind.True or JsonValueKind.False => "boolean",
        var kind => kind.ToString()!,
    };
}
