// The Jinja tests usable after `is` / `is not` (defined, none, string, mapping, number, ...), with jinja2
// 3.1 semantics: `number` includes booleans, `integer` excludes them, a dict is a `sequence`.
// It deliberately omits `escaped` and `test`/`filter` introspection of custom environments.
namespace QwenVL.ChatTemplates.Jinja;

internal delegate bool TestFunc(object? value, CallArgs args);

internal static class Tests
{
    private static object? Arg(CallArgs a, string test) =>
        a.Positional.Count > 0 ? a.Positional[0] : throw new JinjaFault($"test '{test}' needs an argument");

    private static readonly Dictionary<string, TestFunc> Table = new(StringComparer.Ordinal)
    {
        ["defined"] = (v, _) => v is not Undefined,
        ["undefined"] = (v, _) => v is Undefined,
        ["none"] = (v, _) => v is null,
        ["boolean"] = (v, _) => v is bool,
        ["true"] = (v, _) => v is true,
        ["false"] = (v, _) => v is false,
        ["integer"] = (v, _) => v is long,
        ["float"] = (v, _) => v is double,
        ["number"] = (v, _) => v is long or double or bool,
        ["string"] = (v, _) => v is string,
        ["mapping"] = (v, _) => v is PyDict,
        ["iterable"] = (v, _) => v is string or PyList or PyDict or Undefined or Namespace,
        ["sequence"] = (v, _) => v is string or PyList or PyDict or Undefined,
        ["callable"] = (v, _) => v is PyCallable,
        ["odd"] = (v, _) => PyOps.ToLong(v) % 2 != 0,
        ["even"] = (v, _) => PyOps.ToLong(v) % 2 == 0,
        ["divisibleby"] = (v, a) => PyOps.Eq(PyOps.Arith("%", v, Arg(a, "divisibleby")), 0L),
        // jinja2 tests str(value), so a dict whose repr has no capitals "is lower".
        ["lower"] = (v, _) => (bool)Methods.Call(PyFormat.Str(v), "islower", CallArgs.Empty)!,
        ["upper"] = (v, _) => (bool)Methods.Call(PyFormat.Str(v), "isupper", CallArgs.Empty)!,
        ["in"] = (v, a) => PyOps.Contains(Arg(a, "in"), v),
        // Python identity: None/True/False are singletons and CPython caches small ints.
        ["sameas"] = (v, a) => Arg(a, "sameas") is var o && (ReferenceEquals(v, o) || (v is null or bool or long && Equals(v, o))),
        ["eq"] = (v, a) => PyOps.Eq(v, Arg(a, "eq")),
        ["ne"] = (v, a) => !PyOps.Eq(v, Arg(a, "ne")),
        ["lt"] = (v, a) => PyOps.Compare(v, Arg(a, "lt"), "<") < 0,
        ["le"] = (v, a) => PyOps.Compare(v, Arg(a, "le"), "<=") <= 0,
        ["gt"] = (v, a) => PyOps.Compare(v, Arg(a, "gt"), ">") > 0,
        ["ge"] = (v, a) => PyOps.Compare(v, Arg(a, "ge"), ">=") >= 0,
    };

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["=="] = "eq", ["equalto"] = "eq", ["!="] = "ne", ["<"] = "lt", ["lessthan"] = "lt", ["<="] = "le",
        [">"] = "gt", ["greaterthan"] = "gt", [">="] = "ge",
    };

    public static bool Exists(string name) => Table.ContainsKey(Aliases.GetValueOrDefault(name, name));

    public static bool Apply(string name, object? value, CallArgs args) =>
        Table.TryGetValue(Aliases.GetValueOrDefault(name, name), out var test)
            ? test(value, args)
            : throw new JinjaFault($"No test named '{name}'");
}
