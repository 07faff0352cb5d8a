// Converts System.Text.Json nodes into template values, and template values back to JSON text with
// Python json.dumps semantics (", "/": " separators, or "," plus newlines with indent; ensure_ascii off
// by default as in HF's tojson override). It deliberately does not serialise Undefined, callables or loops.
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenVL.ChatTemplates.Jinja;

internal static class JsonBridge
{
    public static object? FromNode(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonArray array:
                return new PyList(array.Select(FromNode));
            case JsonObject obj:
                var dict = new PyDict();
                foreach (var kv in obj)
                {
                    dict[kv.Key] = FromNode(kv.Value);
                }
                return dict;
            case JsonValue value:
                return value.GetValueKind() switch
                {
                    JsonValueKind.String => value.GetValue<string>(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Null or JsonValueKind.Undefined => null,
                    JsonValueKind.Number => Number(value.ToJsonString()),
                    var other => throw new JinjaFault($"unsupported JSON value kind {other}"),
                };
            default:
                throw new JinjaFault($"unsupported JSON node {node.GetType().Name}");
        }
    }

    // Python's json.loads: a number with '.', 'e' or 'E' is a float, otherwise an int.
    private static object Number(string text)
    {
        if (text.IndexOfAny(['.', 'e', 'E']) < 0
            && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
        {
            return l;
        }
        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>json.dumps(value, ensure_ascii, indent, separators, sort_keys).</summary>
    public static string Dumps(object? value, bool ensureAscii, string? indent, string? itemSep, string? keySep, bool sortKeys)
    {
        itemSep ??= indent is null ? ", " : ",";
        keySep ??= ": ";
        var sb = new StringBuilder();
        Write(sb, value, new Options(ensureAscii, indent, itemSep, keySep, sortKeys), 0);
        return sb.ToString();
    }

    private sealed record Options(bool EnsureAscii, string? Indent, string ItemSep, string KeySep, bool SortKeys);

    private static void Write(StringBuilder sb, object? v, Options o, int depth)
    {
        switch (v)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : PyFormat.Float(d));
                break;
            case string s: WriteString(sb, s, o.EnsureAscii); break;
            case PyList list:
                WriteContainer(sb, '[', ']', list.Count, o, depth, i => Write(sb, list[i], o, depth + 1));
                break;
            case PyDict dict:
                var entries = dict.ToList();
                if (o.SortKeys)
                {
                    entries.Sort((x, y) => PyOps.Compare(x.Key, y.Key, "<"));
                }
                WriteContainer(sb, '{', '}', entries.Count, o, depth, i =>
                {
                    object key = entries[i].Key;
                    WriteString(sb, key is string ks ? ks : JsonKey(key), o.EnsureAscii);
                    sb.Append(o.KeySep);
                    Write(sb, entries[i].Value, o, depth + 1);
                });
                break;
            case Namespace ns: Write(sb, ns.Attributes, o, depth); break;
            case Undefined u: throw new JinjaFault($"Object of type Undefined is not JSON serializable ({u.Message})");
            default: throw new JinjaFault($"Object of type {PyOps.TypeName(v)} is not JSON serializable");
        }
    }

    // json.dumps turns non-string keys into strings: true -> "true", None -> "null", 1.5 -> "1.5".
    private static string JsonKey(object key) => key switch
    {
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => PyFormat.Float(d),
        _ => throw new JinjaFault($"keys must be str, int, float, bool or None, not {PyOps.TypeName(key)}"),
    };

    private static void WriteContainer(StringBuilder sb, char open, char close, int count, Options o, int depth, Action<int> item)
    {
        sb.Append(open);
        if (count == 0)
        {
            sb.Append(close);
            return;
        }
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                sb.Append(o.ItemSep);
            }
            if (o.Indent is not null)
            {
                sb.Append('\n').Insert(sb.Length, o.Indent, depth + 1);
            }
            item(i);
        }
        if (o.Indent is not null)
        {
            sb.Append('\n').Insert(sb.Length, o.Indent, depth);
        }
        sb.Append(close);
    }

    private static void WriteString(StringBuilder sb, string s, bool ensureAscii)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    // Python escapes C0 controls always and, with ensure_ascii, every non-ASCII UTF-16 unit.
                    if (c < 0x20 || (ensureAscii && c > 0x7e))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
    }
}
