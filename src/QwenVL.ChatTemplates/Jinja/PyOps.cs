// Python semantics for the operators Jinja expressions use: truthiness, equality, ordering, arithmetic,
// `in`, iteration and length. Strings are indexed by code point, as in Python. It deliberately does not
// implement printf-style `%` formatting on strings or arbitrary-precision integers (int overflow is an error).
namespace QwenVL.ChatTemplates.Jinja;

internal static class PyOps
{
    public static bool Truthy(object? v) => v switch
    {
        null => false,
        Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        PyList l => l.Count > 0,
        PyDict d => d.Count > 0,
        _ => true,
    };

    public static bool IsNumber(object? v) => v is bool or long or double;

    public static string TypeName(object? v) => v switch
    {
        null => "NoneType",
        Undefined => "Undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        PyTuple => "tuple",
        PyList => "list",
        PyDict => "dict",
        Namespace => "Namespace",
        LoopInfo => "LoopContext",
        PyCallable => "function",
        _ => v.GetType().Name,
    };

    public static bool Eq(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? ToDouble(a) == ToDouble(b) : ToLong(a) == ToLong(b);
        }
        switch (a)
        {
            case null: return b is null;
            case Undefined: return b is Undefined;
            case string sa: return b is string sb && string.Equals(sa, sb, StringComparison.Ordinal);
            case PyList la:
                if (b is not PyList lb || la.Count != lb.Count || (la is PyTuple) != (lb is PyTuple))
                {
                    return false;
                }
                for (int i = 0; i < la.Count; i++)
                {
                    if (!Eq(la[i], lb[i]))
                    {
                        return false;
                    }
                }
                return true;
            case PyDict da:
                if (b is not PyDict db || da.Count != db.Count)
                {
                    return false;
                }
                foreach (var kv in da)
                {
                    if (!db.TryGetValue(kv.Key, out object? other) || !Eq(kv.Value, other))
                    {
                        return false;
                    }
                }
                return true;
            default: return ReferenceEquals(a, b);
        }
    }

    /// <summary>Python ordering: numbers, strings (by code point) and lists lexicographically.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? ToDouble(a).CompareTo(ToDouble(b)) : ToLong(a).CompareTo(ToLong(b));
        }
        if (a is string sa && b is string sb)
        {
            return string.CompareOrdinal(sa, sb) switch { < 0 => -1, > 0 => 1, _ => 0 };
        }
        if (a is PyList la && b is PyList lb)
        {
            for (int i = 0; i < Math.Min(la.Count, lb.Count); i++)
            {
                if (!Eq(la[i], lb[i]))
                {
                    return Compare(la[i], lb[i], op);
                }
            }
            return la.Count.CompareTo(lb.Count);
        }
        throw new JinjaFault($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static long ToLong(object? v) => v switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        double d => (long)d,
        _ => throw new JinjaFault($"expected a number, got '{TypeName(v)}'"),
    };

    public static double ToDouble(object? v) => v switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        double d => d,
        _ => throw new JinjaFault($"expected a number, got '{TypeName(v)}'"),
    };

    public static bool Contains(object? container, object? item)
    {
        switch (container)
        {
            case string s:
                if (item is not string sub)
                {
                    throw new JinjaFault($"'in <string>' requires string as left operand, not {TypeName(item)}");
                }
                return s.Contains(sub, StringComparison.Ordinal);
            case PyDict d: return item is not null && d.ContainsKey(item);
            case PyList l: return l.Exists(x => Eq(x, item));
            case Namespace ns: return item is not null && ns.Attributes.ContainsKey(item);
            case Undefined: return false;
            default: throw new JinjaFault($"argument of type '{TypeName(container)}' is not iterable");
        }
    }

    /// <summary>Python iteration: lists, dict keys, string code points; Undefined iterates as empty.</summary>
    public static IEnumerable<object?> Iterate(object? v) => v switch
    {
        PyList l => l,
        PyDict d => d.Keys,
        string s => PyString.CodePoints(s),
        Undefined => [],
        Namespace ns => ns.Attributes.Keys,
        _ => throw new JinjaFault($"'{TypeName(v)}' object is not iterable"),
    };

    public static PyList ToList(object? v) => new(Iterate(v));

    public static long Length(object? v) => v switch
    {
        string s => PyString.Length(s),
        PyList l => l.Count,
        PyDict d => d.Count,
        Undefined => 0,
        _ => throw new JinjaFault($"object of type '{TypeName(v)}' has no len()"),
    };

    public static object? Add(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? (object)(ToDouble(a) + ToDouble(b)) : Checked(() => checked(ToLong(a) + ToLong(b)));
        }
        return (a, b) switch
        {
            (string sa, string sb) => sa + sb,
            (PyTuple ta, PyTuple tb) => new PyTuple(ta.Concat(tb)),
            (PyList la, PyList lb) when la is not PyTuple && lb is not PyTuple => new PyList(la.Concat(lb)),
            _ => throw Unsupported("+", a, b),
        };
    }

    public static object? Arith(string op, object? a, object? b)
    {
        if (op == "+")
        {
            return Add(a, b);
        }
        if (op == "*" && !(IsNumber(a) && IsNumber(b)))
        {
            return Repeat(a, b) ?? Repeat(b, a) ?? throw Unsupported(op, a, b);
        }
        if (!IsNumber(a) || !IsNumber(b))
        {
            throw Unsupported(op, a, b);
        }
        bool isFloat = a is double || b is double;
        switch (op)
        {
            case "-":
                return isFloat ? (object)(ToDouble(a) - ToDouble(b)) : Checked(() => checked(ToLong(a) - ToLong(b)));
            case "*":
                return isFloat ? (object)(ToDouble(a) * ToDouble(b)) : Checked(() => checked(ToLong(a) * ToLong(b)));
            case "/":
                return ToDouble(b) == 0 ? throw new JinjaFault("division by zero") : ToDouble(a) / ToDouble(b);
            case "//":
                if (ToDouble(b) == 0)
                {
                    throw new JinjaFault("integer division or modulo by zero");
                }
                return isFloat ? (object)Math.Floor(ToDouble(a) / ToDouble(b)) : FloorDiv(ToLong(a), ToLong(b));
            case "%":
                if (ToDouble(b) == 0)
                {
                    throw new JinjaFault("integer division or modulo by zero");
                }
                if (isFloat)
                {
                    double x = ToDouble(a), y = ToDouble(b), r = x % y;
                    return r != 0 && (r < 0) != (y < 0) ? r + y : r;
                }
                return ToLong(a) - (FloorDiv(ToLong(a), ToLong(b)) * ToLong(b));
            case "**":
                if (!isFloat && ToLong(b) >= 0)
                {
                    long result = 1, baseValue = ToLong(a);
                    for (long i = 0; i < ToLong(b); i++)
                    {
                        result = Checked(() => checked(result * baseValue));
                    }
                    return result;
                }
                return Math.Pow(ToDouble(a), ToDouble(b));
            default:
                throw new JinjaFault($"unknown operator '{op}'");
        }
    }

    private static long FloorDiv(long a, long b)
    {
        long q = a / b;
        return (a % b != 0) && ((a < 0) != (b < 0)) ? q - 1 : q;
    }

    private static object? Repeat(object? seq, object? count)
    {
        if (count is not (long or bool))
        {
            return null;
        }
        long n = Math.Max(0, ToLong(count));
        return seq switch
        {
            string s => string.Concat(Enumerable.Repeat(s, (int)n)),
            PyTuple t => new PyTuple(Enumerable.Range(0, (int)n).SelectMany(_ => t)),
            PyList l => new PyList(Enumerable.Range(0, (int)n).SelectMany(_ => l)),
            _ => null,
        };
    }

    private static long Checked(Func<long> f)
    {
        try
        {
            return f();
        }
        catch (OverflowException)
        {
            throw new JinjaFault("integer overflow (values beyond 64-bit are not supported)");
        }
    }

    private static JinjaFault Unsupported(string op, object? a, object? b)
    {
        if (a is Undefined ua)
        {
            return new JinjaFault(ua.Message);
        }
        if (b is Undefined ub)
        {
            return new JinjaFault(ub.Message);
        }
        return new JinjaFault($"unsupported operand type(s) for {op}: '{TypeName(a)}' and '{TypeName(b)}'");
    }
}
