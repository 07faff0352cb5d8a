// Python methods callable on template values: str (strip, split, startswith, ...), dict (get, items, ...)
// and the read-only list methods. Mutating methods (list.append, dict.update, ...) are refused, as HF's
// ImmutableSandboxedEnvironment refuses them. It deliberately implements str.format without format specs.
using System.Text;

namespace QwenVL.ChatTemplates.Jinja;

internal static class Methods
{
    private static readonly HashSet<string> StringMethods =
    [
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "upper", "lower",
        "title", "capitalize", "swapcase", "replace", "find", "rfind", "count", "join", "isdigit", "isnumeric",
        "isalpha", "isalnum", "isspace", "islower", "isupper", "removeprefix", "removesuffix", "format",
    ];

    private static readonly HashSet<string> DictMethods =
        ["get", "items", "keys", "values", "copy", "pop", "popitem", "setdefault", "update", "clear"];

    private static readonly HashSet<string> ListMethods =
        ["count", "index", "copy", "append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"];

    private static readonly HashSet<string> Mutating =
        ["pop", "popitem", "setdefault", "update", "clear", "append", "extend", "insert", "remove", "reverse", "sort"];

    public static bool IsStringMethod(string name) => StringMethods.Contains(name);

    public static bool IsDictMethod(string name) => DictMethods.Contains(name);

    public static bool IsListMethod(string name) => ListMethods.Contains(name);

    public static object? Call(object target, string name, CallArgs a)
    {
        if (Mutating.Contains(name) && target is PyList or PyDict)
        {
            throw new JinjaFault($"access to attribute '{name}' of '{PyOps.TypeName(target)}' object is unsafe (templates are immutable)");
        }
        return target switch
        {
            string s => StringMethod(s, name, a),
            PyDict d => DictMethod(d, name, a),
            PyList l => ListMethod(l, name, a),
            _ => throw new JinjaFault($"'{PyOps.TypeName(target)}' object has no method '{name}'"),
        };
    }

    private static object? DictMethod(PyDict d, string name, CallArgs a)
    {
        switch (name)
        {
            case "get":
                a.Check("dict.get", "key", "default");
                object? key = a.Get(0, "key");
                return key is not null && d.TryGetValue(key, out object? v) ? v : a.Get(1, "default");
            case "items":
                return new PyList(d.Select(kv => (object?)new PyTuple([kv.Key, kv.Value])));
            case "keys":
                return new PyList(d.Keys);
            case "values":
                return new PyList(d.Values);
            default:
                var copy = new PyDict();
                foreach (var kv in d)
                {
                    copy[kv.Key] = kv.Value;
                }
                return copy;
        }
    }

    private static object? ListMethod(PyList l, string name, CallArgs a)
    {
        switch (name)
        {
            case "count":
                return (long)l.Count(x => PyOps.Eq(x, a.Get(0, "value")));
            case "index":
                int i = l.FindIndex(x => PyOps.Eq(x, a.Get(0, "value")));
                return i >= 0 ? (long)i : throw new JinjaFault($"{PyFormat.Repr(a.Get(0, "value"))} is not in list");
            default:
                return new PyList(l);
        }
    }

    private static string Str(CallArgs a, int i, string name, string method) =>
        a.Get(i, name) as string ?? throw new JinjaFault($"str.{method}() argument '{name}' must be a string");

    private static object? StringMethod(string s, string name, CallArgs a)
    {
        switch (name)
        {
            case "strip": return PyString.Strip(s, a.Get(0, "chars") as string, true, true);
            case "lstrip": return PyString.Strip(s, a.Get(0, "chars") as string, true, false);
            case "rstrip": return PyString.Strip(s, a.Get(0, "chars") as string, false, true);
            case "split": return StringSplit.Split(s, a.Get(0, "sep") as string, (int)PyOps.ToLong(a.Get(1, "maxsplit", -1L)), false);
            case "rsplit": return StringSplit.Split(s, a.Get(0, "sep") as string, (int)PyOps.ToLong(a.Get(1, "maxsplit", -1L)), true);
            case "splitlines": return StringSplit.Lines(s, PyOps.Truthy(a.Get(0, "keepends", false)));
            case "startswith": return Affix(s, a.Get(0, "prefix"), (x, p) => x.StartsWith(p, StringComparison.Ordinal));
            case "endswith": return Affix(s, a.Get(0, "suffix"), (x, p) => x.EndsWith(p, StringComparison.Ordinal));
            case "upper": return s.ToUpperInvariant();
            case "lower": return s.ToLowerInvariant();
            case "swapcase": return string.Concat(s.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)));
            case "title": return Title(s);
            case "capitalize": return s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();
            case "replace":
                return Replace(s, Str(a, 0, "old", name), Str(a, 1, "new", name), PyOps.ToLong(a.Get(2, "count", -1L)));
            case "find": return (long)s.IndexOf(Str(a, 0, "sub", name), StringComparison.Ordinal);
            case "rfind": return (long)s.LastIndexOf(Str(a, 0, "sub", name), StringComparison.Ordinal);
            case "count":
                string sub = Str(a, 0, "sub", name);
                return sub.Length == 0 ? PyString.Length(s) + 1 : (long)((s.Length - s.Replace(sub, "", StringComparison.Ordinal).Length) / sub.Length);
            case "join": return string.Join(s, PyOps.Iterate(a.Get(0, "iterable")).Select(PyFormat.Str));
            case "isdigit" or "isnumeric": return s.Length > 0 && s.All(char.IsDigit);
            case "isalpha": return s.Length > 0 && s.All(char.IsLetter);
            case "isalnum": return s.Length > 0 && s.All(char.IsLetterOrDigit);
            case "isspace": return s.Length > 0 && s.All(PyString.IsPythonWhitespace);
            case "islower": return s.Any(char.IsLetter) && !s.Any(char.IsUpper);
            case "isupper": return s.Any(char.IsLetter) && !s.Any(char.IsLower);
            case "removeprefix":
                string prefix = Str(a, 0, "prefix", name);
                return s.StartsWith(prefix, StringComparison.Ordinal) ? s[prefix.Length..] : s;
            case "removesuffix":
                string suffix = Str(a, 0, "suffix", name);
                return suffix.Length > 0 && s.EndsWith(suffix, StringComparison.Ordinal) ? s[..^suffix.Length] : s;
            default: return Format(s, a);
        }
    }

    private static bool Affix(string s, object? arg, Func<string, string, bool> test) => arg switch
    {
        string p => test(s, p),
        PyList options => options.Any(o => o is string p && test(s, p)),
        _ => throw new JinjaFault($"startswith/endswith argument must be str or a tuple of str, not {PyOps.TypeName(arg)}"),
    };

    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0)
        {
            return old.Length == 0 ? Replace(s, old, replacement, long.MaxValue) : s.Replace(old, replacement, StringComparison.Ordinal);
        }
        var sb = new StringBuilder();
        int pos = 0;
        for (long n = 0; n < count; n++)
        {
            int at = old.Length == 0 ? (pos <= s.Length ? pos : -1) : s.IndexOf(old, pos, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }
            sb.Append(s, pos, at - pos).Append(replacement);
            if (old.Length == 0)
            {
                if (at < s.Length)
                {
                    sb.Append(s[at]);
                }
                pos = at + 1;
            }
            else
            {
                pos = at + old.Length;
            }
        }
        return pos <= s.Length ? sb.Append(s, pos, s.Length - pos).ToString() : sb.ToString();
    }

    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (char c in s)
        {
            sb.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsLetter(c);
        }
        return sb.ToString();
    }

    // "{} and {0} and {name}" with "{{"/"}}" escapes; format specs and conversions are not supported.
    private static string Format(string s, CallArgs a)
    {
        var sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if ((c == '{' || c == '}') && i + 1 < s.Length && s[i + 1] == c)
            {
                sb.Append(c);
                i++;
                continue;
            }
            if (c != '{')
            {
                sb.Append(c);
                continue;
            }
            int close = s.IndexOf('}', i);
            string field = close > i ? s[(i + 1)..close] : throw new JinjaFault("str.format: single '{' encountered");
            if (field.IndexOfAny([':', '!']) >= 0)
            {
                throw new JinjaFault($"str.format: format spec in '{{{field}}}' is not supported");
            }
            object? value = field.Length == 0 ? a.Get(auto++, "\0")
                : long.TryParse(field, out long n) ? a.Get((int)n, "\0")
                : a.Get(-1, field, new Undefined($"str.format: no argument '{field}'"));
            sb.Append(PyFormat.Str(value));
            i = close;
        }
        return sb.ToString();
    }
}
