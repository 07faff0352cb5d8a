// The typed half of SchemaCompiler: one node per "type" (object, array, string, integer, number,
// boolean, null) and enum/const literals written as compact JSON. Bounds that leave no value
// (minLength > maxLength, minimum above maximum, a required name with no property) are reported.
// It deliberately does not reorder properties: they are generated in the schema's order.
using System.Text;
using System.Text.Json;

namespace QwenVL.Engine.Constraints;

internal sealed partial class SchemaCompiler
{
    private int Typed(JsonElement s, string type, string path, int level)
    {
        switch (type)
        {
            case "object":
                return ObjectNode(s, path, level);
            case "array":
            {
                int item = Free();
                if (s.TryGetProperty("items", out JsonElement items))
                {
                    item = items.ValueKind == JsonValueKind.Array
                        ? Fail(path + ".items", "tuple items (an array of schemas)")
                        : Node(items, path + ".items", level + 1);
                }
                (int min, int max) = Range(s, "minItems", "maxItems", path);
                return Add(new SchemaNode { Kind = NodeKind.Array, Child = item, Min = min, Max = max });
            }
            case "string":
            {
                (int min, int max) = Range(s, "minLength", "maxLength", path);
                return Add(new SchemaNode { Kind = NodeKind.String, Min = min, Max = max });
            }
            case "integer" or "number":
            {
                int frac = type == "integer" ? 0 : NumberSpec.DefaultFracDigits;
                (decimal? min, bool minEx) = Bound(s, "minimum", "exclusiveMinimum", path, lower: true);
                (decimal? max, bool maxEx) = Bound(s, "maximum", "exclusiveMaximum", path, lower: false);
                NumberSpec spec = NumberSpec.Create(frac, min, minEx, max, maxEx);
                if (!spec.IsSatisfiable)
                {
                    Problem(path, $"no {type} with at most {NumberSpec.DefaultIntDigits} integer and {frac} fraction digits lies in the range");
                }
                return Add(new SchemaNode { Kind = NodeKind.Number, Number = spec });
            }
            case "boolean":
                return Add(new SchemaNode { Kind = NodeKind.Literal, Literals = [Encoding.UTF8.GetBytes("true"), Encoding.UTF8.GetBytes("false")] });
            case "null":
                return Add(new SchemaNode { Kind = NodeKind.Literal, Literals = [Encoding.UTF8.GetBytes("null")] });
            default:
                return Fail(path + ".type", $"unknown type '{type}'");
        }
    }

    private int ObjectNode(JsonElement s, string path, int level)
    {
        bool closed = false;
        int extra = -1;
        if (s.TryGetProperty("additionalProperties", out JsonElement ap))
        {
            closed = ap.ValueKind == JsonValueKind.False;
            extra = closed || ap.ValueKind == JsonValueKind.True ? -1 : Node(ap, path + ".additionalProperties", level + 1);
        }
        var required = new List<string>();
        if (s.TryGetProperty("required", out JsonElement req))
        {
            if (req.ValueKind != JsonValueKind.Array || req.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
            {
                return Fail(path + ".required", "must be an array of strings");
            }
            required.AddRange(req.EnumerateArray().Select(r => r.GetString()!));
        }
        if (!s.TryGetProperty("properties", out JsonElement props) || props.ValueKind != JsonValueKind.Object)
        {
            if (required.Count > 0)
            {
                return Fail(path + ".required", "required names need \"properties\" to say what they hold");
            }
            // No declared properties: {} when closed, else free keys with the additionalProperties values.
            return closed
                ? Add(new SchemaNode { Kind = NodeKind.Object, RequiredFrom = [0] })
                : Add(new SchemaNode { Kind = NodeKind.Map, Child = extra >= 0 ? extra : Free(), KeyNode = PlainString() });
        }
        // With declared properties only those are generated (valid whatever additionalProperties says).
        var names = props.EnumerateObject().Select(p => p.Name).ToList();
        foreach (string r in required.Where(r => !names.Contains(r)))
        {
            Problem(path + ".required", $"'{r}' is not in properties");
        }
        var node = new SchemaNode
        {
            Kind = NodeKind.Object,
            Keys = [.. names.Select(n => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(n, Compact)))],
            Values = [.. props.EnumerateObject().Select(p => Node(p.Value, $"{path}.properties.{p.Name}", level + 1))],
            RequiredFrom = new int[names.Count + 1],
        };
        node.RequiredFrom[names.Count] = names.Count;
        for (int k = names.Count - 1; k >= 0; k--)
        {
            node.RequiredFrom[k] = required.Contains(names[k]) ? k : node.RequiredFrom[k + 1];
        }
        return Add(node);
    }

    private (int Min, int Max) Range(JsonElement s, string minName, string maxName, string path)
    {
        int min = Count(s, minName, path) ?? 0;
        int max = Count(s, maxName, path) ?? int.MaxValue;
        if (min > max)
        {
            Problem($"{path}.{minName}", $"{minName} {min} is above {maxName} {max}");
        }
        return (min, max);
    }

    private int? Count(JsonElement s, string name, string path)
    {
        if (!s.TryGetProperty(name, out JsonElement v))
        {
            return null;
        }
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out decimal d) && d >= 0 && d == Math.Floor(d))
        {
            return (int)Math.Min(d, int.MaxValue);
        }
        Problem($"{path}.{name}", "must be a non-negative integer");
        return null;
    }

    /// <summary>A lower or upper bound: the plain keyword, the numeric exclusive keyword (the tighter wins),
    /// or draft-4's boolean exclusive flag.</summary>
    private (decimal? Value, bool Exclusive) Bound(JsonElement s, string name, string exclusiveName, string path, bool lower)
    {
        decimal? value = Decimal(s, name, path);
        bool exclusive = false;
        if (s.TryGetProperty(exclusiveName, out JsonElement ex))
        {
            if (ex.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                exclusive = ex.ValueKind == JsonValueKind.True;
            }
            else if (Decimal(s, exclusiveName, path) is decimal e && (value is not decimal v || (lower ? e >= v : e <= v)))
            {
                (value, exclusive) = (e, true);
            }
        }
        return (value, exclusive);
    }

    private decimal? Decimal(JsonElement s, string name, string path)
    {
        if (!s.TryGetProperty(name, out JsonElement v))
        {
            return null;
        }
        if (v.ValueKind != JsonValueKind.Number)
        {
            Problem($"{path}.{name}", "must be a number");
            return null;
        }
        return v.TryGetDecimal(out decimal d) ? d : v.GetDouble() > 0 ? 1e20m : -1e20m; // beyond the digit limit either way
    }

    private int Literal(JsonElement s, JsonElement values, string path, bool isEnum)
    {
        if (isEnum && values.ValueKind != JsonValueKind.Array)
        {
            return Fail(path + ".enum", "must be an array");
        }
        string[] types = s.TryGetProperty("type", out JsonElement t)
            ? t.ValueKind == JsonValueKind.Array ? [.. t.EnumerateArray().Select(x => x.ToString())] : [t.ToString()]
            : [];
        var literals = new List<byte[]>();
        foreach (JsonElement v in isEnum ? [.. values.EnumerateArray()] : new[] { values })
        {
            byte[] text = Encoding.UTF8.GetBytes(CompactText(v));
            if ((types.Length == 0 || types.Any(ty => OfType(v, ty))) && !literals.Any(l => l.AsSpan().SequenceEqual(text)))
            {
                literals.Add(text);
            }
        }
        if (literals.Count == 0)
        {
            return Fail(path + (isEnum ? ".enum" : ".const"), "no value left (empty, or none of the declared type)");
        }
        return Add(new SchemaNode { Kind = NodeKind.Literal, Literals = [.. literals] });
    }

    private static bool OfType(JsonElement v, string type) => type switch
    {
        "object" => v.ValueKind == JsonValueKind.Object,
        "array" => v.ValueKind == JsonValueKind.Array,
        "string" => v.ValueKind == JsonValueKind.String,
        "number" => v.ValueKind == JsonValueKind.Number,
        "integer" => v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out decimal d) && d == Math.Floor(d),
        "boolean" => v.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => v.ValueKind == JsonValueKind.Null,
        _ => false,
    };

    /// <summary>Compact JSON with raw UTF-8 (no \u escapes for non-ASCII) and the number's own text.</summary>
    internal static string CompactText(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", v.EnumerateObject().Select(p => JsonSerializer.Serialize(p.Name, Compact) + ":" + CompactText(p.Value))) + "}",
        JsonValueKind.Array => "[" + string.Join(",", v.EnumerateArray().Select(CompactText)) + "]",
        JsonValueKind.String => JsonSerializer.Serialize(v.GetString(), Compact),
        _ => v.GetRawText(),
    };
}
