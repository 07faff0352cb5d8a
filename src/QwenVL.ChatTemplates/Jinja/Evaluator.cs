// Executes parsed statements into a StringBuilder: text, prints, if, for (fresh scope per iteration,
// loop filter, else, break/continue), set, macros, filter/with blocks. Runtime faults get the line and
// column of the innermost failing node. It deliberately keeps no state between Render calls.
using System.Text;

namespace QwenVL.ChatTemplates.Jinja;

internal sealed partial class Evaluator(SourceText src)
{
    private const int MaxMacroDepth = 200; // far below the .NET stack limit, far above any real template
    private int _macroDepth;

    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    public string Render(List<Stmt> body, Scope scope)
    {
        var output = new StringBuilder();
        Exec(body, scope, output);
        return output.ToString();
    }

    private Flow Exec(List<Stmt> body, Scope scope, StringBuilder output)
    {
        foreach (Stmt stmt in body)
        {
            Flow flow = ExecOne(stmt, scope, output);
            if (flow != Flow.Normal)
            {
                return flow;
            }
        }
        return Flow.Normal;
    }

    private Flow ExecOne(Stmt stmt, Scope scope, StringBuilder output)
    {
        switch (stmt)
        {
            case TextStmt t:
                output.Append(t.Text);
                return Flow.Normal;
            case PrintStmt p:
                output.Append(PyFormat.Str(Eval(p.Value, scope)));
                return Flow.Normal;
            case IfStmt i:
                foreach (var (test, body) in i.Branches)
                {
                    if (PyOps.Truthy(Eval(test, scope)))
                    {
                        return Exec(body, scope, output);
                    }
                }
                return i.Else is null ? Flow.Normal : Exec(i.Else, scope, output);
            case ForStmt f:
                return ExecFor(f, scope, output);
            case SetStmt s:
                Assign(s.Target, Eval(s.Value, scope), scope);
                return Flow.Normal;
            case SetBlockStmt sb:
                Assign(sb.Target, ApplyFilters(sb.Filters, RenderBody(sb.Body, scope), scope), scope);
                return Flow.Normal;
            case MacroStmt m:
                scope.Set(m.Name, new Macro(this, m, scope));
                return Flow.Normal;
            case FilterBlockStmt fb:
                output.Append(PyFormat.Str(ApplyFilters(fb.Filters, RenderBody(fb.Body, scope), scope)));
                return Flow.Normal;
            case BlockStmt b:
                Scope inner = b.NewScope ? new Scope(scope) : scope;
                foreach (SetStmt a in b.Assignments)
                {
                    Assign(a.Target, Eval(a.Value, scope), inner);
                }
                return Exec(b.Body, inner, output);
            case BreakStmt:
                return Flow.Break;
            case ContinueStmt:
                return Flow.Continue;
            default:
                throw Located(stmt.Pos, $"cannot execute {stmt.GetType().Name}");
        }
    }

    private string RenderBody(List<Stmt> body, Scope scope)
    {
        var sb = new StringBuilder();
        Exec(body, scope, sb);
        return sb.ToString();
    }

    private object? ApplyFilters(List<FilterExpr> filters, object? value, Scope scope)
    {
        foreach (FilterExpr f in filters)
        {
            value = Eval(f with { Input = new ConstExpr(f.Pos, value) }, scope);
        }
        return value;
    }

    private Flow ExecFor(ForStmt f, Scope scope, StringBuilder output)
    {
        object? iterable = Eval(f.Iter, scope);
        List<object?> items = Guard(f.Iter.Pos, () => PyOps.Iterate(iterable).ToList());
        if (f.Filter is not null)
        {
            items = items.Where(item =>
            {
                var probe = new Scope(scope);
                Assign(f.Target, item, probe);
                return PyOps.Truthy(Eval(f.Filter, probe));
            }).ToList();
        }
        if (items.Count == 0)
        {
            return f.Else is null ? Flow.Normal : Exec(f.Else, scope, output);
        }
        for (int i = 0; i < items.Count; i++)
        {
            // A fresh scope per iteration: jinja2 forgets a loop body's `set` at the end of each iteration.
            var iteration = new Scope(scope);
            Assign(f.Target, items[i], iteration);
            iteration.Set("loop", new LoopInfo(items, i));
            if (Exec(f.Body, iteration, output) == Flow.Break)
            {
                break;
            }
        }
        return Flow.Normal;
    }

    private void Assign(Target target, object? value, Scope scope)
    {
        switch (target)
        {
            case NameTarget n:
                scope.Set(n.Name, value);
                break;
            case AttrTarget a:
                if (scope.Get(a.Object) is not Namespace ns)
                {
                    throw Located(a.Pos, $"cannot assign attribute '{a.Attribute}' on '{a.Object}': it is not a namespace() object");
                }
                ns.Attributes[a.Attribute] = value;
                break;
            case TupleTarget t:
                var values = Guard(t.Pos, () => PyOps.Iterate(value).ToList());
                if (values.Count != t.Items.Count)
                {
                    throw Located(t.Pos, values.Count < t.Items.Count
                        ? $"not enough values to unpack (expected {t.Items.Count}, got {values.Count})"
                        : $"too many values to unpack (expected {t.Items.Count})");
                }
                for (int i = 0; i < values.Count; i++)
                {
                    Assign(t.Items[i], values[i], scope);
                }
                break;
        }
    }

    private TemplateException Located(int pos, string message, bool bare = false)
    {
        var (line, column) = src.Locate(pos);
        return new TemplateException(src.Name, line, column, message, bare);
    }

    private T Guard<T>(int pos, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (JinjaFault f)
        {
            throw Located(pos, f.Message, f is RaisedFault);
        }
    }

    /// <summary>A {% macro %}: called with its own scope whose parent is the scope it was defined in.</summary>
    private sealed class Macro(Evaluator evaluator, MacroStmt definition, Scope closure) : PyCallable(definition.Name)
    {
        public override object? Invoke(CallArgs args)
        {
            var ps = definition.Params;
            if (args.Positional.Count > ps.Count)
            {
                throw new JinjaFault($"macro '{Name}' takes not more than {ps.Count} argument(s)");
            }
            var scope = new Scope(closure);
            for (int i = 0; i < ps.Count; i++)
            {
                var (name, dflt) = ps[i];
                object? value = args.Has(i, name) ? args.Get(i, name)
                    : dflt is not null ? evaluator.Eval(dflt, scope)
                    : new Undefined($"parameter '{name}' was not provided");
                scope.Set(name, value);
            }
            foreach (var kv in args.Keyword)
            {
                if (!ps.Exists(p => p.Name == kv.Key))
                {
                    throw new JinjaFault($"macro '{Name}' takes no keyword argument '{kv.Key}'");
                }
            }
            if (++evaluator._macroDepth > MaxMacroDepth)
            {
                evaluator._macroDepth = 0;
                throw new JinjaFault($"maximum macro recursion depth ({MaxMacroDepth}) exceeded in '{Name}'");
            }
            try
            {
                return evaluator.RenderBody(definition.Body, scope);
            }
            finally
            {
                evaluator._macroDepth = Math.Max(0, evaluator._macroDepth - 1);
            }
        }
    }
}
