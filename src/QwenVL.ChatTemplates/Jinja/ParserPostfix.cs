// Postfix and tail parts of expressions: `.attr`, `.0`, `[index]`, `[a:b:c]`, calls with positional,
// keyword, *args and **kwargs arguments, `| filter(args)` chains and `is [not] test arg`.
// It deliberately accepts at most one bare (unparenthesised) test argument, as jinja2 does.
namespace QwenVL.ChatTemplates.Jinja;

internal sealed partial class Parser
{
    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            Token t = Current;
            if (t.IsOp("."))
            {
                Next();
                Token attr = Current;
                node = attr.Kind switch
                {
                    TokenKind.Name => new GetAttrExpr(t.Pos, node, Next().Text),
                    TokenKind.Integer => new GetItemExpr(t.Pos, node, new ConstExpr(attr.Pos, Next().Value)),
                    _ => throw Error(attr, $"expected an attribute name after '.', got {attr.Describe()}"),
                };
            }
            else if (t.IsOp("["))
            {
                Next();
                node = ParseSubscript(t.Pos, node);
            }
            else if (t.IsOp("("))
            {
                node = new CallExpr(node.Pos, node, ParseCallArgs());
            }
            else
            {
                return node;
            }
        }
    }

    private Expr ParseSubscript(int pos, Expr node)
    {
        Expr? start = Current.IsOp(":") ? null : ParseExpression();
        if (!Current.IsOp(":"))
        {
            ExpectOp("]");
            return new GetItemExpr(pos, node, start!);
        }
        Next();
        Expr? stop = Current.IsOp("]") || Current.IsOp(":") ? null : ParseExpression();
        Expr? step = null;
        if (Current.IsOp(":"))
        {
            Next();
            step = Current.IsOp("]") ? null : ParseExpression();
        }
        ExpectOp("]");
        return new SliceExpr(pos, node, start, stop, step);
    }

    private Arguments ParseCallArgs()
    {
        ExpectOp("(");
        var positional = new List<Expr>();
        var keyword = new List<(string, Expr)>();
        Expr? star = null, doubleStar = null;
        bool first = true;
        while (!Current.IsOp(")"))
        {
            if (!first)
            {
                ExpectOp(",");
                if (Current.IsOp(")"))
                {
                    break;
                }
            }
            first = false;
            if (Current.IsOp("**"))
            {
                Next();
                doubleStar = ParseExpression();
            }
            else if (Current.IsOp("*"))
            {
                Next();
                star = ParseExpression();
            }
            else if (Current.Kind == TokenKind.Name && Peek.IsOp("="))
            {
                string name = Next().Text;
                Next();
                keyword.Add((name, ParseExpression()));
            }
            else if (keyword.Count > 0)
            {
                throw Error(Current, "positional argument follows keyword argument");
            }
            else
            {
                positional.Add(ParseExpression());
            }
        }
        Next();
        return new Arguments(positional, keyword, star, doubleStar);
    }

    /// <summary>Any mix of `| filter(args)`, `is [not] test arg` and a trailing call.</summary>
    private Expr ParseFilterTail(Expr node)
    {
        while (true)
        {
            if (Current.IsOp("|"))
            {
                Next();
                node = ParseOneFilter(node);
            }
            else if (Current.IsName("is"))
            {
                node = ParseTest(node);
            }
            else if (Current.IsOp("("))
            {
                node = new CallExpr(node.Pos, node, ParseCallArgs());
            }
            else
            {
                return node;
            }
        }
    }

    private FilterExpr ParseOneFilter(Expr? input)
    {
        Token name = Expect(TokenKind.Name, "a filter name");
        string full = name.Text;
        while (Current.IsOp("."))
        {
            Next();
            full += "." + ExpectName("a filter name");
        }
        var args = Current.IsOp("(") ? ParseCallArgs() : Arguments.None;
        return new FilterExpr(name.Pos, input, full, args);
    }

    /// <summary>Filters of {% filter %} / {% set x | f %}: applied later to the rendered body.</summary>
    private List<FilterExpr> ParseFilterChain(bool inline)
    {
        var filters = new List<FilterExpr>();
        if (inline)
        {
            filters.Add(ParseOneFilter(null));
        }
        while (Current.IsOp("|"))
        {
            Next();
            filters.Add(ParseOneFilter(null));
        }
        return filters;
    }

    private TestExpr ParseTest(Expr input)
    {
        int pos = Next().Pos;
        bool negated = false;
        if (Current.IsName("not"))
        {
            Next();
            negated = true;
        }
        string name = ExpectName("a test name after 'is'");
        Arguments args = Arguments.None;
        if (Current.IsOp("("))
        {
            args = ParseCallArgs();
        }
        else if ((Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                || Current.IsOp("[") || Current.IsOp("{"))
            && !(Current.Kind == TokenKind.Name && Current.Text is "else" or "or" or "and" or "if" or "is" or "in" or "not"))
        {
            // `x is divisibleby 3`, `x is sameas false`: one argument without parentheses.
            args = new Arguments([ParsePostfix(ParsePrimary())], [], null, null);
        }
        return new TestExpr(pos, input, name, args, negated);
    }
}
