// Typed, error-naming access to one JSON object of a checkpoint file (config.json and friends).
// Every failure says the file, the key path and what was expected. It deliberately knows no
// defaults: callers state them, next to the key, with the reason.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenVL.Models.Common;

/// <summary>Reads typed values from a JSON object, naming file and key in every error.</summary>
public sealed class ConfigReader
{
    private readonly JsonObject _obj;

    /// <summary>Wraps an object found at <paramref name="path"/> (e.g. "vision_config.") of <paramref name="file"/>.</summary>
    public ConfigReader(JsonObject obj, string file, string path = "")
    {
        _obj = obj;
        File = file;
        Path = path;
    }

    /// <summary>File the object came from.</summary>
    public string File { get; }

    /// <summary>Key path of this object inside the file ("" for the root, else ending in ".").</summary>
    public string Path { get; }

    /// <summary>Reads and parses a JSON file whose root must be an object.</summary>
    public static ConfigReader Load(string file)
    {
        if (!System.IO.File.Exists(file))
        {
            throw new ModelException($"missing file {file}", file);
        }
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(System.IO.File.ReadAllText(file),
                documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new ModelException($"{file}: invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {e.Message}", file, null, e);
        }
        return node is JsonObject obj ? new ConfigReader(obj, file)
            : throw new ModelException($"{file}: the root must be a JSON object", file);
    }

    /// <summary>The underlying object.</summary>
    public JsonObject Json => _obj;

    /// <summary>True when the key is present and not null.</summary>
    public bool Has(string key) => _obj[key] is not null;

    /// <summary>A nested object, or null when absent.</summary>
    public ConfigReader? Object(string key) => _obj[key] switch
    {
        null => null,
        JsonObject o => new ConfigReader(o, File, Path + key + "."),
        _ => throw Error(key, "must be an object"),
    };

    /// <summary>An integer, or <paramref name="fallback"/> when absent; throws when absent and no fallback.</summary>
    public int Int(string key, int? fallback = null)
    {
        JsonNode? n = _obj[key];
        if (n is null)
        {
            return fallback ?? throw Error(key, "is required");
        }
        if (n is JsonValue v && v.TryGetValue(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
        {
            return (int)d;
        }
        throw Error(key, $"must be an integer, got {Describe(n)}");
    }

    /// <summary>An integer or null when absent.</summary>
    public int? OptionalInt(string key) => Has(key) ? Int(key) : null;

    /// <summary>A number, or <paramref name="fallback"/> when absent.</summary>
    public double Double(string key, double? fallback = null)
    {
        JsonNode? n = _obj[key];
        if (n is null)
        {
            return fallback ?? throw Error(key, "is required");
        }
        if (n is JsonValue v && v.TryGetValue(out double d))
        {
            return d;
        }
        throw Error(key, $"must be a number, got {Describe(n)}");
    }

    /// <summary>A number or null when absent.</summary>
    public double? OptionalDouble(string key) => Has(key) ? Double(key) : null;

    /// <summary>A boolean, or <paramref name="fallback"/> when absent.</summary>
    public bool Bool(string key, bool fallback)
    {
        JsonNode? n = _obj[key];
        if (n is null)
        {
            return fallback;
        }
        if (n is JsonValue v && v.TryGetValue(out bool b))
        {
            return b;
        }
        throw Error(key, $"must be true or false, got {Describe(n)}");
    }

    /// <summary>A string or null when absent.</summary>
    public string? String(string key)
    {
        JsonNode? n = _obj[key];
        if (n is null)
        {
            return null;
        }
        if (n is JsonValue v && v.TryGetValue(out string? s))
        {
            return s;
        }
        throw Error(key, $"must be a string, got {Describe(n)}");
    }

    /// <summary>An integer array, or null when absent. A single integer is read as a one-element array.</summary>
    public int[]? IntArray(string key)
    {
        JsonNode? n = _obj[key];
        switch (n)
        {
            case null:
                return null;
            case JsonArray a:
                var result = new int[a.Count];
                for (int i = 0; i < a.Count; i++)
                {
                    result[i] = a[i] is JsonValue v && v.TryGetValue(out double d) && d == Math.Floor(d)
                        ? (int)d
                        : throw Error(key, $"must be an array of integers; element {i} is {Describe(a[i])}");
                }
                return result;
            case JsonValue:
                return [Int(key)];
            default:
                throw Error(key, $"must be an array of integers, got {Describe(n)}");
        }
    }

    /// <summary>An error naming this file and key.</summary>
    public ModelException Error(string key, string problem) =>
        new($"{File}: key '{Path}{key}' {problem}", File, Path + key);

    private static string Describe(JsonNode? n) => n switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => $"the string \"{v}\"",
            JsonValueKind.Number => $"the number {v.ToJsonString()}",
            JsonValueKind.True or JsonValueKind.False => $"the boolean {v.ToJsonString()}",
            _ => v.ToJsonString(),
        },
        _ => n.ToJsonString(),
    };
}
