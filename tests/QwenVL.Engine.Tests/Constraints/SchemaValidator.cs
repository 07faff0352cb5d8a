// An independent checker for the JSON Schema subset, written against System.Text.Json's parsed values
// (not the automaton), plus the byte bound of the longest document a bounded schema allows: with
// max_tokens at least that bound (a token is at least one byte) a constrained run must finish.
// It deliberately supports only what the tests use.
using System.Text.Json;

namespace QwenVL.Engine.Tests.Constraints;

internal static class SchemaValidator
{
    /// <summary>Problems of <paramref name="v"/> against <paramref name="s"/> (empty = valid).</summary>
    public static List<string> Validate(JsonElement v, JsonElement s, string path = "$")
    {
        var errors = new List<string>();
        if (s.TryGetProperty("enum", out JsonElement e))
        {
            if (!e.EnumerateArray().Any(x => JsonElement.DeepEquals(x, v)))
            {
                errors.Add($"{path}: {v} not in enum");
            }
            return errors;
        }
        if (s.TryGetProperty("anyOf", out JsonElement any))
        {
            if (!any.EnumerateArray().Any(b => Validate(v, b, path).Count == 0))
            {
                errors.Add($"{path}: matches no anyOf branch");
            }
            return errors;
        }
        string type = s.GetProperty("type").GetString()!;
        switch (type)
        {
            case "object":
                if (v.ValueKind != JsonValueKind.Object)
                {
                    errors.Add($"{path}: not an object");
                    break;
                }
                JsonElement props = s.GetProperty("properties");
                foreach (JsonElement r in s.TryGetProperty("required", out JsonElement req) ? req.EnumerateArray() : default)
                {
                    if (!v.TryGetProperty(r.GetString()!, out _))
                    {
                        errors.Add($"{path}: missing {r}");
                    }
                }
                foreach (JsonProperty p in v.EnumerateObject())
                {
                    if (props.TryGetProperty(p.Name, out JsonElement ps))
                    {
                        errors.AddRange(Validate(p.Value, ps, $"{path}.{p.Name}"));
                    }
                    else
                    {
                        errors.Add($"{path}: extra property {p.Name}");
                    }
                }
                break;
            case "array":
                if (v.ValueKind != JsonValueKind.Array)
                {
                    errors.Add($"{path}: not an array");
                    break;
                }
                int n = v.GetArrayLength();
                if (n < Int(s, "minItems", 0) || n > Int(s, "maxItems", int.MaxValue))
                {
                    errors.Add($"{path}: {n} items");
                }
                int i = 0;
                foreach (JsonElement item in v.EnumerateArray())
                {
                    errors.AddRange(Validate(item, s.GetProperty("items"), $"{path}[{i++}]"));
                }
                break;
            case "string":
                if (v.ValueKind != JsonValueKind.String)
                {
                    errors.Add($"{path}: not a string");
                    break;
                }
                int len = v.GetString()!.EnumerateRunes().Count();
                if (len < Int(s, "minLength", 0) || len > Int(s, "maxLength", int.MaxValue))
                {
                    errors.Add($"{path}: length {len}");
                }
                break;
            case "integer" or "number":
                if (v.ValueKind != JsonValueKind.Number || (type == "integer" && !v.TryGetInt64(out _)))
                {
                    errors.Add($"{path}: not an {type}");
                    break;
                }
                decimal d = v.GetDecimal();
                if ((s.TryGetProperty("minimum", out JsonElement min) && d < min.GetDecimal())
                    || (s.TryGetProperty("maximum", out JsonElement max) && d > max.GetDecimal()))
                {
                    errors.Add($"{path}: {d} out of range");
                }
                break;
            case "boolean":
                if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add($"{path}: not a boolean");
                }
                break;
            default:
                throw new NotSupportedException(type);
        }
        return errors;
    }

    /// <summary>Most UTF-8 bytes of a document: 2 whitespace bytes per gap, 6 bytes per string character (\uXXXX),
    /// 23 per number (sign, 15 integer digits, point, 6 fraction digits).</summary>
    public static int MaxBytes(JsonElement s)
    {
        if (s.TryGetProperty("enum", out JsonElement e))
        {
            return e.EnumerateArray().Max(x => System.Text.Encoding.UTF8.GetByteCount(x.GetRawText()));
        }
        if (s.TryGetProperty("anyOf", out JsonElement any))
        {
            return any.EnumerateArray().Max(MaxBytes);
        }
        return s.GetProperty("type").GetString() switch
        {
            // { ws [ "key" ws : ws value ws , ws ]* }
            "object" => 2 + 2 + s.GetProperty("properties").EnumerateObject()
                .Sum(p => System.Text.Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(p.Name)) + 1 + 1 + 4 * 2 + MaxBytes(p.Value)),
            "array" => 2 + 2 + Int(s, "maxItems", int.MaxValue) * (MaxBytes(s.GetProperty("items")) + 1 + 2 * 2),
            "string" => 2 + 6 * Int(s, "maxLength", int.MaxValue),
            "integer" => 16,
            "number" => 23,
            "boolean" => 5,
            _ => throw new NotSupportedException(s.ToString()),
        };
    }

    private static int Int(JsonElement s, string name, int fallback) => s.TryGetProperty(name, out JsonElement v) ? v.GetInt32() : fallback;
}
