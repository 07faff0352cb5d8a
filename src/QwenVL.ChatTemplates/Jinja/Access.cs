// Attribute and subscript lookup with Jinja's rules: `a.b` tries the Python attribute (a method such as
// dict.items) before the key, `a['b']` tries the key first; anything missing is Undefined, never an error.
// Deliberate deviation from jinja2: attributes of an Undefined are Undefined too (jinja2 raises).
namespace QwenVL.ChatTemplates.Jinja;

internal static class Access
{
    public static object? GetAttr(object? obj, string name)
    {
        switch (obj)
        {
            case PyDict d:
                if (Methods.IsDictMethod(name))
                {
                    return new BoundMethod(d, name);
                }
                return d.TryGetValue(name, out object? v) ? v : Missing(obj, name);
            case string s:
                return Methods.IsStringMethod(name) ? new BoundMethod(s, name) : Missing(obj, name);
            case PyList l:
                return Methods.IsListMethod(name) ? new BoundMethod(l, name) : Missing(obj, name);
            case Namespace ns:
                return ns.Attributes.TryGetValue(name, out object? a) ? a : Missing(obj, name);
            case LoopInfo loop:
                return loop.Attribute(name);
            case Undefined u:
                return u;
            default:
                return Missing(obj, name);
        }
    }

    public static object? GetItem(object? obj, object? key)
    {
        switch (obj)
        {
            case PyDict d when key is not null && d.TryGetValue(key, out object? v):
                return v;
            case PyList l when key is long or bool:
                long i = PyOps.ToLong(key);
                long j = i < 0 ? i + l.Count : i;
                return j >= 0 && j < l.Count ? l[(int)j] : new Undefined($"list object has no element {i}");
            case string s when key is long or bool:
                return PyString.Index(s, PyOps.ToLong(key));
            case Undefined u:
                return u;
        }
        // Jinja falls back to the attribute when the subscript fails and the key is a string.
        return key is string name ? GetAttr(obj, name) : Missing(obj, PyFormat.Repr(key));
    }

    public static object? GetSlice(object? obj, long? start, long? stop, long? step) => obj switch
    {
        string s => PyString.Slice(s, start, stop, step),
        PyTuple t => new PyTuple(Sequence.Slice(t, start, stop, step)),
        PyList l => new PyList(Sequence.Slice(l, start, stop, step)),
        Undefined u => u,
        _ => throw new JinjaFault($"'{PyOps.TypeName(obj)}' object is not subscriptable"),
    };

    private static Undefined Missing(object? obj, string name) =>
        new($"'{PyOps.TypeName(obj)} object' has no attribute '{name}'");
}
