// Expression parser with jinja2's precedence, lowest first: `a if c else b`, or, and, not, comparisons
// and in/not in, + -, ~, * / // %, ** (left-associative, as in jinja2), unary - +, then primaries;
// postfix access, calls, filters and tests are in ParserPostfix.cs. It has no generator expressions.
namespace QwenVL.ChatTemplates.Jinja;

internal sealed partial class Parser
{
    private static readonly HashSet<string> CompareOps = ["==", "!=", "<", ">", "<=", ">="];

    private Expr ParseExpression(bool withCondExpr = true) => withCondExpr ? ParseCondExpr() : ParseOr();

    /// <summary>One expression, or a tuple when commas separate several (`{{ a, b }}`, `set x = 1, 2`).</summary>
    private Expr ParseTuple(bool withCondExpr = true, bool explicitParens = false, string[]? extraEnd = null)
    {
        int pos = Current.Pos;
        var items = new List<Expr>();
        bool isTuple = false;
        while (true)
        {
            if (items.Count > 0)
            {
                ExpectOp(",");
            }
            if (IsTupleEnd(extraEnd))
            {
                break;
            }
            items.Add(ParseExpression(withCondExpr));
            if (Current.IsOp(","))
            {
                isTuple = true;
            }
            else
            {
                break;
            }
        }
        if (!isTuple && items.Count == 1)
        {
            return items[0];
        }
        if (items.Count == 0 && !explicitParens)
        {
            throw Error(Current, $"expected an expression, got {Current.Describe()}");
        }
        return new ListExpr(pos, items, true);
    }

    private bool IsTupleEnd(string[]? extraEnd) =>
        Current.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.Eof || Current.IsOp(")")
        || (extraEnd is not null && Current.Kind == TokenKind.Name && Array.IndexOf(extraEnd, Current.Text) >= 0);

    private Expr ParseCondExpr()
    {
        Expr expr = ParseOr();
        while (Current.IsName("if"))
        {
            int pos = Next().Pos;
            Expr test = ParseOr();
            Expr? otherwise = null;
            if (Current.IsName("else"))
            {
                Next();
                otherwise = ParseCondExpr();
            }
            expr = new CondExpr(pos, test, expr, otherwise);
        }
        return expr;
    }

    private Expr ParseOr()
    {
        Expr left = ParseAnd();
        while (Current.IsName("or"))
        {
            int pos = Next().Pos;
            left = new BinaryExpr(pos, "or", left, ParseAnd());
        }
        return left;
    }

    private Expr ParseAnd()
    {
        Expr left = ParseNot();
        while (Current.IsName("and"))
        {
            int pos = Next().Pos;
            left = new BinaryExpr(pos, "and", left, ParseNot());
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            int pos = Next().Pos;
            return new UnaryExpr(pos, "not", ParseNot());
        }
        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        int pos = Current.Pos;
        Expr first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            if (Current.Kind == TokenKind.Operator && CompareOps.Contains(Current.Text))
            {
                rest.Add((Next().Text, ParseMath1()));
            }
            else if (Current.IsName("in"))
            {
                Next();
                rest.Add(("in", ParseMath1()));
            }
            else if (Current.IsName("not") && Peek.IsName("in"))
            {
                Next();
                Next();
                rest.Add(("not in", ParseMath1()));
            }
            else
            {
                break;
            }
        }
        return rest.Count == 0 ? first : new CompareExpr(pos, first, rest);
    }

    private Expr ParseBinary(Func<Expr> operand, params string[] ops)
    {
        Expr left = operand();
        while (Current.Kind == TokenKind.Operator && Array.IndexOf(ops, Current.Text) >= 0)
        {
            Token op = Next();
            left = new BinaryExpr(op.Pos, op.Text, left, operand());
        }
        return left;
    }

    private Expr ParseMath1() => ParseBinary(ParseConcat, "+", "-");

    private Expr ParseConcat() => ParseBinary(ParseMath2, "~");

    private Expr ParseMath2() => ParseBinary(ParsePow, "*", "/", "//", "%");

    private Expr ParsePow() => ParseBinary(() => ParseUnary(true), "**");

    private Expr ParseUnary(bool withFilter)
    {
        Expr node;
        if (Current.IsOp("-") || Current.IsOp("+"))
        {
            Token op = Next();
            node = new UnaryExpr(op.Pos, op.Text, ParseUnary(false));
        }
        else
        {
            node = ParsePrimary();
        }
        node = ParsePostfix(node);
        return withFilter ? ParseFilterTail(node) : node;
    }

    private Expr ParsePrimary()
    {
        Token t = Current;
        switch (t.Kind)
        {
            case TokenKind.Name:
                Next();
                return t.Text switch
                {
                    "true" or "True" => new ConstExpr(t.Pos, true),
                    "false" or "False" => new ConstExpr(t.Pos, false),
                    "none" or "None" => new ConstExpr(t.Pos, null),
                    _ => new NameExpr(t.Pos, t.Text),
                };
            case TokenKind.String:
                // Adjacent literals concatenate: {{ "a" "b" }} is "ab".
                string text = (string)Next().Value!;
                while (Current.Kind == TokenKind.String)
                {
                    text += (string)Next().Value!;
                }
                return new ConstExpr(t.Pos, text);
            case TokenKind.Integer or TokenKind.Float:
                Next();
                return new ConstExpr(t.Pos, t.Value);
        }
        if (t.IsOp("("))
        {
            Next();
            Expr inner = ParseTuple(explicitParens: true);
            ExpectOp(")");
            return inner;
        }
        if (t.IsOp("["))
        {
            Next();
            var items = new List<Expr>();
            while (!Current.IsOp("]"))
            {
                if (items.Count > 0)
                {
                    ExpectOp(",");
                    if (Current.IsOp("]"))
                    {
                        break;
                    }
                }
                items.Add(ParseExpression());
            }
            Next();
            return new ListExpr(t.Pos, items, false);
        }
        if (t.IsOp("{"))
        {
            Next();
            var pairs = new List<(Expr, Expr)>();
            while (!Current.IsOp("}"))
            {
                if (pairs.Count > 0)
                {
                    ExpectOp(",");
                    if (Current.IsOp("}"))
                    {
                        break;
                    }
                }
                Expr key = ParseExpression();
                ExpectOp(":");
                pairs.Add((key, ParseExpression()));
            }
            Next();
            return new DictExpr(t.Pos, pairs);
        }
        throw Error(t, $"expected an expression, got {t.Describe()}");
    }
}
