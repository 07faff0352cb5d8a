// Evaluates expression nodes to values. Faults are located at the innermost failing node;
// raise_exception() keeps its message verbatim. It deliberately performs no constant folding or caching.
namespace QwenVL.ChatTemplates.Jinja;

internal sealed partial class Evaluator
{
    private object? Eval(Expr e, Scope scope)
    {
        try
        {
            return EvalCore(e, scope);
        }
        catch (JinjaFault f)
        {
            throw Located(e.Pos, f.Message, f is RaisedFault);
        }
        catch (Exception ex) when (ex is InvalidCastException or ArgumentException or FormatException
            or OverflowException or IndexOutOfRangeException or KeyNotFoundException)
        {
            throw Located(e.Pos, ex.Message);
        }
    }

    private object? EvalCore(Expr e, Scope scope)
    {
        switch (e)
        {
            case ConstExpr c:
                return c.Value;
            case NameExpr n:
                return scope.Get(n.Name);
            case ListExpr l:
                var items = l.Items.Select(x => Eval(x, scope));
                return l.IsTuple ? new PyTuple(items) : new PyList(items);
            case DictExpr d:
                var dict = new PyDict();
                foreach (var (k, v) in d.Items)
                {
                    dict[PyDict.Key(Eval(k, scope))] = Eval(v, scope);
                }
                return dict;
            case GetAttrExpr g:
                return Access.GetAttr(Eval(g.Object, scope), g.Name);
            case GetItemExpr gi:
                return Access.GetItem(Eval(gi.Object, scope), Eval(gi.Index, scope));
            case SliceExpr s:
                return Access.GetSlice(Eval(s.Object, scope), Bound(s.Start, scope), Bound(s.Stop, scope), Bound(s.Step, scope));
            case CallExpr call:
                return Call(call, scope);
            case FilterExpr f:
                if (!Filters.Exists(f.Name))
                {
                    throw new JinjaFault($"No filter named '{f.Name}'");
                }
                return Filters.Apply(f.Name, f.Input is null ? null : Eval(f.Input, scope), EvalArgs(f.Args, scope));
            case TestExpr t:
                if (!Tests.Exists(t.Name))
                {
                    throw new JinjaFault($"No test named '{t.Name}'");
                }
                return Tests.Apply(t.Name, Eval(t.Input, scope), EvalArgs(t.Args, scope)) != t.Negated;
            case UnaryExpr u:
                return Unary(u.Op, Eval(u.Operand, scope));
            case BinaryExpr b:
                return Binary(b, scope);
            case CompareExpr cmp:
                return Compare(cmp, scope);
            case CondExpr ce:
                return PyOps.Truthy(Eval(ce.Test, scope)) ? Eval(ce.Then, scope)
                    : ce.Else is not null ? Eval(ce.Else, scope)
                    : new Undefined("the inline if-expression evaluated to false and no else section was defined");
            default:
                throw new JinjaFault($"cannot evaluate {e.GetType().Name}");
        }
    }

    private long? Bound(Expr? e, Scope scope) => e is null ? null : Eval(e, scope) switch
    {
        null or Undefined => null,
        var v when v is long or bool => PyOps.ToLong(v),
        var v => throw new JinjaFault($"slice indices must be integers or None, not {PyOps.TypeName(v)}"),
    };

    private object? Call(CallExpr call, Scope scope)
    {
        object? callee = Eval(call.Callee, scope);
        return callee switch
        {
            PyCallable f => f.Invoke(EvalArgs(call.Args, scope)),
            Undefined u => throw new JinjaFault(call.Callee is NameExpr n ? $"'{n.Name}' is undefined" : u.Message),
            _ => throw new JinjaFault($"'{PyOps.TypeName(callee)}' object is not callable"),
        };
    }

    private CallArgs EvalArgs(Arguments a, Scope scope)
    {
        if (a.Positional.Count == 0 && a.Keyword.Count == 0 && a.Star is null && a.DoubleStar is null)
        {
            return CallArgs.Empty;
        }
        var positional = a.Positional.Select(x => Eval(x, scope)).ToList();
        if (a.Star is not null)
        {
            positional.AddRange(PyOps.Iterate(Eval(a.Star, scope)));
        }
        var keyword = a.Keyword.Select(kv => new KeyValuePair<string, object?>(kv.Name, Eval(kv.Value, scope))).ToList();
        if (a.DoubleStar is not null)
        {
            if (Eval(a.DoubleStar, scope) is not PyDict extra)
            {
                throw new JinjaFault("argument after ** must be a mapping");
            }
            keyword.AddRange(extra.Select(kv => new KeyValuePair<string, object?>(PyFormat.Str(kv.Key), kv.Value)));
        }
        return new CallArgs(positional, keyword);
    }

    private static object? Unary(string op, object? v)
    {
        if (op == "not")
        {
            return !PyOps.Truthy(v);
        }
        return v switch
        {
            double d => (object)(op == "-" ? -d : d),
            long or bool => op == "-" ? -PyOps.ToLong(v) : PyOps.ToLong(v),
            Undefined u => throw new JinjaFault(u.Message),
            _ => throw new JinjaFault($"bad operand type for unary {op}: '{PyOps.TypeName(v)}'"),
        };
    }

    private object? Binary(BinaryExpr b, Scope scope)
    {
        object? left = Eval(b.Left, scope);
        switch (b.Op)
        {
            case "and":
                return PyOps.Truthy(left) ? Eval(b.Right, scope) : left;
            case "or":
                return PyOps.Truthy(left) ? left : Eval(b.Right, scope);
            case "~":
                return PyFormat.Str(left) + PyFormat.Str(Eval(b.Right, scope));
            default:
                return PyOps.Arith(b.Op, left, Eval(b.Right, scope));
        }
    }

    private bool Compare(CompareExpr c, Scope scope)
    {
        object? left = Eval(c.First, scope);
        foreach (var (op, operand) in c.Rest)
        {
            object? right = Eval(operand, scope);
            bool ok = op switch
            {
                "==" => PyOps.Eq(left, right),
                "!=" => !PyOps.Eq(left, right),
                "<" => PyOps.Compare(left, right, op) < 0,
                "<=" => PyOps.Compare(left, right, op) <= 0,
                ">" => PyOps.Compare(left, right, op) > 0,
                ">=" => PyOps.Compare(left, right, op) >= 0,
                "in" => PyOps.Contains(right, left),
                _ => !PyOps.Contains(right, left),
            };
            if (!ok)
            {
                return false;
            }
            left = right;
        }
        return true;
    }
}
