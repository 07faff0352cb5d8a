// Global functions visible to every chat template: range, namespace, dict (jinja2 defaults) and
// raise_exception, strftime_now (added by HF's apply_chat_template). range() is capped at 100000 items
// like jinja2's sandbox. It deliberately omits lipsum, cycler and joiner.
using System.Globalization;
using System.Text;

namespace QwenVL.ChatTemplates.Jinja;

internal static class Globals
{
    private const long MaxRange = 100_000; // jinja2.sandbox.MAX_RANGE

    public static void Install(Scope scope)
    {
        scope.Set("range", new BuiltinFunction("range", Range));
        scope.Set("namespace", new BuiltinFunction("namespace", MakeNamespace));
        scope.Set("dict", new BuiltinFunction("dict", MakeDict));
        scope.Set("raise_exception", new BuiltinFunction("raise_exception",
            a => throw new RaisedFault(PyFormat.Str(a.Get(0, "message", "")))));
        scope.Set("strftime_now", new BuiltinFunction("strftime_now",
            a => StrFTime(DateTime.Now, PyFormat.Str(a.Get(0, "format", "")))));
    }

    private static object? Range(CallArgs a)
    {
        if (a.Keyword.Count > 0 || a.Positional.Count is 0 or > 3)
        {
            throw new JinjaFault("range() takes 1 to 3 positional arguments");
        }
        long start = 0, stop, step = 1;
        if (a.Positional.Count == 1)
        {
            stop = PyOps.ToLong(a.Positional[0]);
        }
        else
        {
            start = PyOps.ToLong(a.Positional[0]);
            stop = PyOps.ToLong(a.Positional[1]);
            step = a.Positional.Count == 3 ? PyOps.ToLong(a.Positional[2]) : 1;
        }
        if (step == 0)
        {
            throw new JinjaFault("range() arg 3 must not be zero");
        }
        long count = step > 0 ? Math.Max(0, (stop - start + step - 1) / step) : Math.Max(0, (start - stop - step - 1) / -step);
        if (count > MaxRange)
        {
            throw new JinjaFault($"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({MaxRange}).");
        }
        var list = new PyList();
        for (long i = 0; i < count; i++)
        {
            list.Add(start + (i * step));
        }
        return list;
    }

    private static object? MakeNamespace(CallArgs a)
    {
        var ns = new Namespace();
        foreach (object? initial in a.Positional)
        {
            if (initial is not PyDict d)
            {
                throw new JinjaFault("namespace() positional argument must be a dict");
            }
            foreach (var kv in d)
            {
                ns.Attributes[kv.Key] = kv.Value;
            }
        }
        foreach (var kv in a.Keyword)
        {
            ns.Attributes[kv.Key] = kv.Value;
        }
        return ns;
    }

    private static object? MakeDict(CallArgs a)
    {
        var d = new PyDict();
        foreach (object? initial in a.Positional)
        {
            foreach (object? key in PyOps.Iterate(initial))
            {
                d[PyDict.Key(key)] = initial is PyDict src ? src[key!] : throw new JinjaFault("dict() positional argument must be a dict");
            }
        }
        foreach (var kv in a.Keyword)
        {
            d[kv.Key] = kv.Value;
        }
        return d;
    }

    // The common C strftime directives used by chat templates ("%d %b %Y" in Llama 3.x).
    internal static string StrFTime(DateTime t, string format)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 == format.Length)
            {
                sb.Append(format[i]);
                continue;
            }
            char d = format[++i];
            sb.Append(d switch
            {
                'd' => t.ToString("dd", c),
                'm' => t.ToString("MM", c),
                'Y' => t.ToString("yyyy", c),
                'y' => t.ToString("yy", c),
                'H' => t.ToString("HH", c),
                'I' => t.ToString("hh", c),
                'M' => t.ToString("mm", c),
                'S' => t.ToString("ss", c),
                'p' => t.ToString("tt", c),
                'b' => t.ToString("MMM", c),
                'B' => t.ToString("MMMM", c),
                'a' => t.ToString("ddd", c),
                'A' => t.ToString("dddd", c),
                'j' => t.DayOfYear.ToString("000", c),
                'e' => t.Day.ToString(c).PadLeft(2),
                '%' => "%",
                _ => "%" + d,
            });
        }
        return sb.ToString();
    }
}
