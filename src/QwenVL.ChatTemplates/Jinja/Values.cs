// Runtime value model of the Jinja interpreter. Python values map onto plain .NET objects:
// None=null, bool, long (int), double (float), string, PyList/PyTuple, PyDict (insertion-ordered),
// plus the Jinja-specific Undefined, Namespace and callables. It deliberately has no Markup/escaping type.
namespace QwenVL.ChatTemplates.Jinja;

/// <summary>A Python list.</summary>
internal class PyList : List<object?>
{
    public PyList() { }
    public PyList(IEnumerable<object?> items) : base(items) { }
}

/// <summary>A Python tuple: behaves like a list but renders with parentheses.</summary>
internal sealed class PyTuple : PyList
{
    public PyTuple(IEnumerable<object?> items) : base(items) { }
}

/// <summary>A Python dict: insertion-ordered, keys compared with Python equality (1 == 1.0 == True).</summary>
internal sealed class PyDict : OrderedDictionary<object, object?>
{
    public PyDict() : base(PyKeyComparer.Instance) { }

    public static object Key(object? key) =>
        key ?? throw new JinjaFault("None cannot be used as a dict key here");
}

/// <summary>Python equality/hashing for dict keys.</summary>
internal sealed class PyKeyComparer : IEqualityComparer<object>
{
    public static readonly PyKeyComparer Instance = new();

    public new bool Equals(object? x, object? y) => PyOps.Eq(x, y);

    public int GetHashCode(object obj) => obj switch
    {
        bool b => b ? 1 : 0,
        long l => l.GetHashCode(),
        // Integral doubles must hash like the equal long (Python: hash(1.0) == hash(1)).
        double d when d == Math.Floor(d) && Math.Abs(d) < 9.2e18 => ((long)d).GetHashCode(),
        string s => StringComparer.Ordinal.GetHashCode(s),
        _ => obj.GetHashCode(),
    };
}

/// <summary>Jinja's default Undefined: renders empty, is falsy, iterates as empty.</summary>
internal sealed class Undefined(string message)
{
    /// <summary>Why the value is undefined, for error messages: "'foo' is undefined".</summary>
    public string Message { get; } = message;

    public static Undefined Named(string name) => new($"'{name}' is undefined");
}

/// <summary>The object made by namespace(...): the only thing `{% set x.attr = ... %}` may write to.</summary>
internal sealed class Namespace
{
    public PyDict Attributes { get; } = new();
}

/// <summary>Call arguments after evaluation: positional values and keyword values in call order.</summary>
internal sealed class CallArgs(List<object?> positional, List<KeyValuePair<string, object?>> keyword)
{
    public static readonly CallArgs Empty = new([], []);

    public List<object?> Positional { get; } = positional;
    public List<KeyValuePair<string, object?>> Keyword { get; } = keyword;

    /// <summary>Binds parameter <paramref name="index"/>/<paramref name="name"/>; returns <paramref name="fallback"/> if absent.</summary>
    public object? Get(int index, string name, object? fallback = null)
    {
        foreach (var kv in Keyword)
        {
            if (kv.Key == name)
            {
                return kv.Value;
            }
        }
        return index >= 0 && index < Positional.Count ? Positional[index] : fallback;
    }

    public bool Has(int index, string name) =>
        (index >= 0 && index < Positional.Count) || Keyword.Exists(kv => kv.Key == name);

    /// <summary>Rejects unknown keywords and surplus positionals, naming the callee.</summary>
    public void Check(string callee, params string[] parameters)
    {
        if (Positional.Count > parameters.Length)
        {
            throw new JinjaFault($"{callee}() takes at most {parameters.Length} argument(s) ({Positional.Count} given)");
        }
        foreach (var kv in Keyword)
        {
            if (Array.IndexOf(parameters, kv.Key) < 0)
            {
                throw new JinjaFault($"{callee}() got an unexpected keyword argument '{kv.Key}'");
            }
        }
    }
}

/// <summary>Anything callable from a template: builtins, bound methods, macros.</summary>
internal abstract class PyCallable(string name)
{
    public string Name { get; } = name;

    public abstract object? Invoke(CallArgs args);
}

/// <summary>A global function such as range() or namespace().</summary>
internal sealed class BuiltinFunction(string name, Func<CallArgs, object?> body) : PyCallable(name)
{
    public override object? Invoke(CallArgs args) => body(args);
}

/// <summary>A Python method looked up on a str/list/dict value, e.g. message.content.startswith.</summary>
internal sealed class BoundMethod(object target, string name) : PyCallable(name)
{
    public object Target { get; } = target;

    public override object? Invoke(CallArgs args) => Methods.Call(Target, Name, args);
}

/// <summary>A runtime error without a position yet; the evaluator attaches the node's line and column.</summary>
internal class JinjaFault(string message) : Exception(message);

/// <summary>raise_exception(msg) from the template: surfaces with exactly the template's message.</summary>
internal sealed class RaisedFault(string message) : JinjaFault(message);
