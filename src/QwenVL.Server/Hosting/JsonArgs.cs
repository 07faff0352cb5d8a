// Typed reads of request JSON fields, each failing with a 400 that names the field and the type or
// range it needs. An explicit JSON null counts as absent (clients often send "stop": null). Reading
// the body itself lives here too, so malformed JSON and oversize bodies fail the same way everywhere.
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace QwenVL.Server.Hosting;

/// <summary>Validating accessors over a request object.</summary>
internal static class JsonArgs
{
    /// <summary>Reads the request body as a JSON object.</summary>
    public static async Task<JsonObject> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        JsonNode? root;
        try
        {
            // Duplicate keys are rejected while parsing; JsonObject would otherwise throw on first access (a 500).
            root = await JsonNode.ParseAsync(request.Body, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false },
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"The request body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", null, "invalid_json");
        }
        return root as JsonObject ?? throw ApiException.BadRequest("The request body must be a JSON object.", null, "invalid_json");
    }

    /// <summary>The node at <paramref name="name"/>, null when absent or JSON null.</summary>
    public static JsonNode? Get(JsonObject o, string name) =>
        o.TryGetPropertyValue(name, out JsonNode? n) && n is not null && n.GetValueKind() != JsonValueKind.Null ? n : null;

    /// <summary>Whether the field is present and not null.</summary>
    public static bool Has(JsonObject o, string name) => Get(o, name) is not null;

    public static string? String(JsonObject o, string name, string param) => Get(o, name) switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw ApiException.BadRequest($"{param} must be a string", param),
    };

    public static bool? Bool(JsonObject o, string name, string param) => Get(o, name) switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw ApiException.BadRequest($"{param} must be a boolean", param),
    };

    public static double? Number(JsonObject o, string name, string param, double min, double max, bool minExclusive = false)
    {
        JsonNode? n = Get(o, name);
        if (n is null)
        {
            return null;
        }
        if (n is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            throw ApiException.BadRequest($"{param} must be a number", param);
        }
        double d = v.GetValue<double>();
        if (d < min || d > max || (minExclusive && d == min))
        {
            throw ApiException.BadRequest($"{param} must be in {(minExclusive ? "(" : "[")}{min}, {max}], got {d}", param);
        }
        return d;
    }

    public static long? Integer(JsonObject o, string name, string param, long min, long max)
    {
        JsonNode? n = Get(o, name);
        if (n is null)
        {
            return null;
        }
        // 5.0 is accepted as 5 (some clients serialise every number as a double); 5.5 is not.
        if (n is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue(out double d) || d != Math.Floor(d))
        {
            throw ApiException.BadRequest($"{param} must be an integer", param);
        }
        if (d < min || d > max)
        {
            throw ApiException.BadRequest($"{param} must be in [{min}, {max}], got {d}", param);
        }
        return v.TryGetValue(out long l) ? l : (long)d;
    }

    /// <summary>A string or an array of non-empty strings.</summary>
    public static IReadOnlyList<string> Stop(JsonObject o, string name, string param)
    {
        switch (Get(o, name))
        {
            case null:
                return [];
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                string one = v.GetValue<string>();
                return one.Length == 0 ? throw ApiException.BadRequest($"{param} must not be empty", param) : [one];
            case JsonArray a:
                var list = new List<string>(a.Count);
                for (int i = 0; i < a.Count; i++)
                {
                    if (a[i] is not JsonValue s || s.GetValueKind() != JsonValueKind.String || s.GetValue<string>().Length == 0)
                    {
                        throw ApiException.BadRequest($"{param}[{i}] must be a non-empty string (token-id stop sequences are not supported)", $"{param}[{i}]");
                    }
                    list.Add(s.GetValue<string>());
                }
                return list;
            default:
                throw ApiException.BadRequest($"{param} must be a string or an array of strings", param);
        }
    }

    /// <summary>Folds a 64-bit seed into the engine's 32-bit one (equal seeds stay equal).</summary>
    public static int? Seed(long? seed) => seed is long s ? unchecked((int)(s ^ (s >> 32))) : null;
}
