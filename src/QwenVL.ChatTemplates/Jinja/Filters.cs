// The Jinja filters chat templates use (`value | name(args)`), with jinja2 3.1 semantics, plus HF's tojson
// override (json.dumps with ensure_ascii=False). Sequence filters (sort, map, select, ...) live in
// SequenceFilters.cs. It deliberately omits HTML-centric and printf filters (urlize, striptags, format).
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace QwenVL.ChatTemplates.Jinja;

internal delegate object? FilterFunc(object? value, CallArgs args);

internal static partial class Filters
{
    private static readonly Dictionary<string, FilterFunc> Table = new(StringComparer.Ordinal)
    {
        ["tojson"] = ToJson,
        ["trim"] = (v, a) => PyString.Strip(PyFormat.Str(v), a.Get(0, "chars") as string, true, true),
        ["length"] = (v, _) => PyOps.Length(v),
        ["count"] = (v, _) => PyOps.Length(v),
        ["upper"] = (v, _) => PyFormat.Str(v).ToUpperInvariant(),
        ["lower"] = (v, _) => PyFormat.Str(v).ToLowerInvariant(),
        ["capitalize"] = (v, _) => Methods.Call(PyFormat.Str(v), "capitalize", CallArgs.Empty),
        ["title"] = (v, _) => Title(PyFormat.Str(v)),
        ["default"] = Default,
        ["d"] = Default,
        ["string"] = (v, _) => PyFormat.Str(v),
        ["int"] = ToInt,
        ["float"] = ToFloat,
        ["replace"] = (v, a) => Methods.Replace(PyFormat.Str(v), PyFormat.Str(a.Get(0, "old")), PyFormat.Str(a.Get(1, "new")),
            a.Get(2, "count") is { } c ? PyOps.ToLong(c) : -1),
        ["abs"] = (v, _) => v is double d ? (object)Math.Abs(d) : Math.Abs(PyOps.ToLong(v)),
        ["round"] = Round,
        ["safe"] = (v, _) => v,
        ["escape"] = (v, _) => Escape(PyFormat.Str(v)),
        ["e"] = (v, _) => Escape(PyFormat.Str(v)),
        ["forceescape"] = (v, _) => Escape(PyFormat.Str(v)),
        ["indent"] = Indent,
        ["center"] = (v, a) => Center(PyFormat.Str(v), (int)PyOps.ToLong(a.Get(0, "width", 80L))),
        ["wordcount"] = (v, _) => (long)WordRegex().Matches(PyFormat.Str(v)).Count,
        ["attr"] = (v, a) => Access.GetAttr(v, PyFormat.Str(a.Get(0, "name"))),
    };

    public static bool Exists(string name) => Table.ContainsKey(name) || SequenceTable.ContainsKey(name);

    public static object? Apply(string name, object? value, CallArgs args)
    {
        if (Table.TryGetValue(name, out var f) || SequenceTable.TryGetValue(name, out f))
        {
            return f(value, args);
        }
        throw new JinjaFault($"No filter named '{name}'");
    }

    private static object? ToJson(object? v, CallArgs a)
    {
        a.Check("tojson", "ensure_ascii", "indent", "separators", "sort_keys");
        string? indent = a.Get(1, "indent") switch
        {
            null => null,
            string s => s,
            var n => new string(' ', (int)Math.Max(0, PyOps.ToLong(n))),
        };
        string? itemSep = null, keySep = null;
        if (a.Get(2, "separators") is PyList { Count: 2 } seps)
        {
            itemSep = PyFormat.Str(seps[0]);
            keySep = PyFormat.Str(seps[1]);
        }
        return JsonBridge.Dumps(v, PyOps.Truthy(a.Get(0, "ensure_ascii", false)), indent, itemSep, keySep,
            PyOps.Truthy(a.Get(3, "sort_keys", false)));
    }

    private static object? Default(object? v, CallArgs a)
    {
        bool boolean = PyOps.Truthy(a.Get(1, "boolean", false));
        return v is Undefined || (boolean && !PyOps.Truthy(v)) ? a.Get(0, "default_value", "") : v;
    }

    private static object? ToInt(object? v, CallArgs a)
    {
        object? fallback = a.Get(0, "default", 0L);
        int numberBase = (int)PyOps.ToLong(a.Get(1, "base", 10L));
        switch (v)
        {
            case bool or long:
                return PyOps.ToLong(v);
            case double d:
                return double.IsFinite(d) ? (long)Math.Truncate(d) : fallback;
            case string s:
                string t = s.Trim().Replace("_", "", StringComparison.Ordinal);
                try
                {
                    bool negative = t.StartsWith('-');
                    string digits = t.TrimStart('+', '-');
                    if (digits.Length > 0)
                    {
                        long magnitude = Convert.ToInt64(digits, numberBase);
                        return negative ? -magnitude : magnitude;
                    }
                }
                catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
                {
                    // Not an integer in this base: jinja2 then tries int(float(value)).
                }
                return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && double.IsFinite(f)
                    ? (long)Math.Truncate(f) : fallback;
            default:
                return fallback;
        }
    }

    private static object? ToFloat(object? v, CallArgs a)
    {
        object? fallback = a.Get(0, "default", 0.0);
        return v switch
        {
            bool or long or double => PyOps.ToDouble(v),
            string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
            _ => fallback,
        };
    }

    private static object? Round(object? v, CallArgs a)
    {
        double x = PyOps.ToDouble(v);
        int precision = (int)PyOps.ToLong(a.Get(0, "precision", 0L));
        double scale = Math.Pow(10, precision);
        return PyFormat.Str(a.Get(1, "method", "common")) switch
        {
            // jinja2 calls Python's round(value, precision), which keeps ints as ints.
            "common" when v is long or bool => (object)PyOps.ToLong(v),
            "common" => Math.Round(x, Math.Clamp(precision, 0, 15), MidpointRounding.ToEven),
            "ceil" => Math.Ceiling(x * scale) / scale,
            "floor" => Math.Floor(x * scale) / scale,
            var m => throw new JinjaFault($"round(): method must be 'common', 'ceil' or 'floor', not '{m}'"),
        };
    }

    private static string Title(string s)
    {
        // jinja2 capitalises each chunk after a run of '-', whitespace or an opening bracket.
        var sb = new StringBuilder();
        foreach (string part in TitleSplitRegex().Split(s))
        {
            if (part.Length > 0)
            {
                sb.Append(char.ToUpperInvariant(part[0])).Append(part[1..].ToLowerInvariant());
            }
        }
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&#34;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);

    private static object? Indent(object? v, CallArgs a)
    {
        object? width = a.Get(0, "width", 4L);
        string pad = width as string ?? new string(' ', (int)PyOps.ToLong(width));
        bool first = PyOps.Truthy(a.Get(1, "first", false)), blank = PyOps.Truthy(a.Get(2, "blank", false));
        var lines = ((PyList)Methods.Call(PyFormat.Str(v) + "\n", "splitlines", CallArgs.Empty)!).Cast<string>().ToList();
        string result = blank
            ? string.Join("\n" + pad, lines)
            : lines[0] + string.Concat(lines.Skip(1).Select(l => "\n" + (l.Length > 0 ? pad + l : l)));
        return first ? pad + result : result;
    }

    private static string Center(string s, int width)
    {
        if (width <= s.Length)
        {
            return s;
        }
        int total = width - s.Length, left = (total / 2) + (total & width & 1);
        return new string(' ', left) + s + new string(' ', total - left);
    }

    [GeneratedRegex(@"([-\s({\[<]+)")]
    private static partial Regex TitleSplitRegex();

    [GeneratedRegex(@"\w+")]
    private static partial Regex WordRegex();
}
