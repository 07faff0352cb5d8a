// Variable scopes and the `loop` object. Jinja gives every for-loop iteration and every macro call a fresh
// child scope (a `set` inside a loop is gone after the iteration, hence namespace()); `if` opens no scope.
// It deliberately has no notion of template inheritance blocks or exported macros.
namespace QwenVL.ChatTemplates.Jinja;

internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _vars = new(StringComparer.Ordinal);

    public Scope? Parent { get; } = parent;

    public bool TryGet(string name, out object? value)
    {
        for (Scope? s = this; s is not null; s = s.Parent)
        {
            if (s._vars.TryGetValue(name, out value))
            {
                return true;
            }
        }
        value = null;
        return false;
    }

    public object? Get(string name) => TryGet(name, out object? v) ? v : Undefined.Named(name);

    public void Set(string name, object? value) => _vars[name] = value;
}

/// <summary>The `loop` variable inside a for block.</summary>
internal sealed class LoopInfo(IReadOnlyList<object?> items, int index0)
{
    public object? Attribute(string name) => name switch
    {
        "index" => (long)(index0 + 1),
        "index0" => (long)index0,
        "revindex" => (long)(items.Count - index0),
        "revindex0" => (long)(items.Count - index0 - 1),
        "first" => index0 == 0,
        "last" => index0 == items.Count - 1,
        "length" => (long)items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => index0 > 0 ? items[index0 - 1] : new Undefined("there is no previous item"),
        "nextitem" => index0 + 1 < items.Count ? items[index0 + 1] : new Undefined("there is no next item"),
        "cycle" => new BuiltinFunction("loop.cycle", Cycle),
        _ => new Undefined($"'LoopContext object' has no attribute '{name}'"),
    };

    private object? Cycle(CallArgs args)
    {
        if (args.Positional.Count == 0)
        {
            throw new JinjaFault("loop.cycle() needs at least one argument");
        }
        return args.Positional[index0 % args.Positional.Count];
    }
}
