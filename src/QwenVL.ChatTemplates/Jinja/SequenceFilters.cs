// Jinja filters over sequences and mappings: first/last/list/items/join/reverse/sort/unique/min/max/sum
// and the higher-order map/select/reject/selectattr/rejectattr. String comparisons are case-insensitive
// by default, as in jinja2. It deliberately omits groupby, batch, slice and dictsort.
namespace QwenVL.ChatTemplates.Jinja;

internal static partial class Filters
{
    private static readonly Dictionary<string, FilterFunc> SequenceTable = new(StringComparer.Ordinal)
    {
        ["first"] = (v, _) => PyOps.Iterate(v).Select(x => (object?)x).DefaultIfEmpty(new Undefined("No first item, sequence was empty.")).First(),
        ["last"] = (v, _) => PyOps.ToList(v) is { Count: > 0 } l ? l[^1] : new Undefined("No last item, sequence was empty."),
        ["list"] = (v, _) => PyOps.ToList(v),
        ["items"] = Items,
        ["join"] = Join,
        ["reverse"] = (v, _) => v is string s ? PyString.Slice(s, null, null, -1) : new PyList(PyOps.ToList(v).AsEnumerable().Reverse()),
        ["sort"] = Sort,
        ["unique"] = Unique,
        ["min"] = (v, a) => Extreme(v, a, -1),
        ["max"] = (v, a) => Extreme(v, a, 1),
        ["sum"] = Sum,
        ["map"] = Map,
        ["select"] = (v, a) => Select(v, a, false, true),
        ["reject"] = (v, a) => Select(v, a, false, false),
        ["selectattr"] = (v, a) => Select(v, a, true, true),
        ["rejectattr"] = (v, a) => Select(v, a, true, false),
    };

    private static object? Items(object? v, CallArgs _) => v switch
    {
        Undefined => new PyList(),
        PyDict d => Methods.Call(d, "items", CallArgs.Empty),
        _ => throw new JinjaFault("Can only get item pairs from a mapping."),
    };

    private static object? Join(object? v, CallArgs a)
    {
        string sep = PyFormat.Str(a.Get(0, "d", ""));
        var items = PyOps.Iterate(v);
        if (a.Get(1, "attribute") is { } attr and not Undefined)
        {
            items = items.Select(x => Lookup(x, attr));
        }
        return string.Join(sep, items.Select(PyFormat.Str));
    }

    /// <summary>Attribute lookup as in jinja2's make_attrgetter: "a.b" is dotted, "0" is an index.</summary>
    private static object? Lookup(object? item, object? attribute)
    {
        if (attribute is long or bool)
        {
            return Access.GetItem(item, attribute);
        }
        foreach (string part in PyFormat.Str(attribute).Split('.'))
        {
            item = long.TryParse(part, out long index) ? Access.GetItem(item, index) : Access.GetItem(item, part);
        }
        return item;
    }

    private static Func<object?, object?> SortKey(CallArgs a, int caseIndex, int attrIndex)
    {
        bool caseSensitive = PyOps.Truthy(a.Get(caseIndex, "case_sensitive", false));
        object? attribute = a.Get(attrIndex, "attribute");
        return x =>
        {
            object? key = attribute is null or Undefined ? x : Lookup(x, attribute);
            return !caseSensitive && key is string s ? s.ToLowerInvariant() : key;
        };
    }

    private static object? Sort(object? v, CallArgs a)
    {
        bool reverse = PyOps.Truthy(a.Get(0, "reverse", false));
        var key = SortKey(a, 1, 2);
        var items = PyOps.ToList(v);
        // A stable sort, as Python's sorted() is.
        var sorted = items.Select((x, i) => (x, i, k: key(x))).ToList();
        sorted.Sort((p, q) =>
        {
            int c = PyOps.Compare(p.k, q.k, "<");
            return c != 0 ? (reverse ? -c : c) : p.i.CompareTo(q.i);
        });
        return new PyList(sorted.Select(t => t.x));
    }

    private static object? Unique(object? v, CallArgs a)
    {
        var key = SortKey(a, 0, 1);
        var seen = new PyList();
        var result = new PyList();
        foreach (object? x in PyOps.Iterate(v))
        {
            object? k = key(x);
            if (!seen.Exists(s => PyOps.Eq(s, k)))
            {
                seen.Add(k);
                result.Add(x);
            }
        }
        return result;
    }

    private static object? Extreme(object? v, CallArgs a, int sign)
    {
        var key = SortKey(a, 0, 1);
        object? best = null;
        bool any = false;
        foreach (object? x in PyOps.Iterate(v))
        {
            if (!any || PyOps.Compare(key(x), key(best), "<") * sign > 0)
            {
                best = x;
                any = true;
            }
        }
        return any ? best : new Undefined($"No aggregated item, sequence was empty.");
    }

    private static object? Sum(object? v, CallArgs a)
    {
        object? attribute = a.Get(0, "attribute");
        object? total = a.Get(1, "start", 0L);
        foreach (object? x in PyOps.Iterate(v))
        {
            total = PyOps.Add(total, attribute is null or Undefined ? x : Lookup(x, attribute));
        }
        return total;
    }

    private static object? Map(object? v, CallArgs a)
    {
        if (!PyOps.Truthy(v))
        {
            return new PyList(); // jinja2 maps nothing over a falsy value, even a non-iterable one
        }
        if (a.Has(-1, "attribute"))
        {
            object? attribute = a.Get(-1, "attribute");
            object? fallback = a.Get(-1, "default", null);
            bool hasDefault = a.Has(-1, "default");
            return new PyList(PyOps.Iterate(v).Select(x =>
                Lookup(x, attribute) is Undefined u ? (hasDefault ? fallback : u) : Lookup(x, attribute)));
        }
        if (a.Positional.Count == 0)
        {
            throw new JinjaFault("map() needs a filter name or attribute=");
        }
        string filter = PyFormat.Str(a.Positional[0]);
        var rest = new CallArgs(a.Positional.Skip(1).ToList(), a.Keyword);
        return new PyList(PyOps.Iterate(v).Select(x => Apply(filter, x, rest)));
    }

    private static object? Select(object? v, CallArgs a, bool byAttribute, bool keep)
    {
        if (!PyOps.Truthy(v))
        {
            return new PyList();
        }
        int next = 0;
        object? attribute = null;
        if (byAttribute)
        {
            attribute = a.Positional.Count > 0 ? a.Positional[0] : throw new JinjaFault("selectattr/rejectattr need an attribute name");
            next = 1;
        }
        string? test = a.Positional.Count > next ? PyFormat.Str(a.Positional[next]) : null;
        var rest = new CallArgs(a.Positional.Skip(next + 1).ToList(), a.Keyword);
        return new PyList(PyOps.Iterate(v).Where(x =>
        {
            object? subject = byAttribute ? Lookup(x, attribute) : x;
            bool passed = test is null ? PyOps.Truthy(subject) : Tests.Apply(test, subject, rest);
            return passed == keep;
        }));
    }
}
