// Statement parser: turns the token stream into Stmt nodes for text, {{ }}, if/elif/else, for (with
// loop filter and else), macro, filter blocks, break/continue (HF enables loopcontrols) and HF's
// {% generation %}; set/with live in ParserAssignments.cs, expressions in ParserExpressions.cs.
// It deliberately rejects extends/block/include/import/call and recursive loops with a clear message.
namespace QwenVL.ChatTemplates.Jinja;

internal sealed partial class Parser
{
    private readonly SourceText _src;
    private readonly List<Token> _tokens;
    private int _index;
    private int _loopDepth;

    private Parser(SourceText src, List<Token> tokens)
    {
        _src = src;
        _tokens = tokens;
    }

    public static List<Stmt> Parse(SourceText src)
    {
        var parser = new Parser(src, Lexer.Tokenize(src));
        return parser.ParseBody([], null, 0);
    }

    private Token Current => _tokens[_index];

    private Token Peek => _tokens[Math.Min(_index + 1, _tokens.Count - 1)];

    private Token Next() => _tokens[_index++];

    private TemplateException Error(Token at, string message) => _src.Error(at.Pos, message);

    private Token Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind)
        {
            throw Error(Current, $"expected {what}, got {Current.Describe()}");
        }
        return Next();
    }

    private Token ExpectOp(string op)
    {
        if (!Current.IsOp(op))
        {
            throw Error(Current, $"expected '{op}', got {Current.Describe()}");
        }
        return Next();
    }

    private void ExpectBlockEnd() => Expect(TokenKind.BlockEnd, "end of statement block ('%}')");

    private string ExpectName(string what) => Expect(TokenKind.Name, what).Text;

    /// <summary>Parses until a block tag whose name is in <paramref name="endTags"/>; leaves that name current.</summary>
    private List<Stmt> ParseBody(string[] endTags, string? opener, int openerPos)
    {
        var body = new List<Stmt>();
        while (true)
        {
            Token t = Current;
            switch (t.Kind)
            {
                case TokenKind.Data:
                    body.Add(new TextStmt(t.Pos, t.Text));
                    Next();
                    break;
                case TokenKind.VariableBegin:
                    Next();
                    if (Current.Kind == TokenKind.VariableEnd)
                    {
                        throw Error(Current, "expected an expression, got end of print statement");
                    }
                    Expr value = ParseTuple();
                    Expect(TokenKind.VariableEnd, "end of print statement ('}}')");
                    body.Add(new PrintStmt(t.Pos, value));
                    break;
                case TokenKind.BlockBegin:
                    Next();
                    if (Current.Kind == TokenKind.Name && Array.IndexOf(endTags, Current.Text) >= 0)
                    {
                        return body;
                    }
                    body.Add(ParseStatement(t.Pos, endTags, opener));
                    break;
                case TokenKind.Eof:
                    if (opener is null)
                    {
                        return body;
                    }
                    var (line, column) = _src.Locate(openerPos);
                    throw Error(t, $"unexpected end of template, expected {Quote(endTags)} to close the '{opener}' block "
                        + $"opened at line {line}, column {column}");
                default:
                    throw Error(t, $"unexpected {t.Describe()}");
            }
        }
    }

    private static string Quote(string[] tags) => string.Join(" or ", tags.Select(x => $"'{{% {x} %}}'"));

    private Stmt ParseStatement(int pos, string[] endTags, string? opener)
    {
        Token tag = Current;
        if (tag.Kind != TokenKind.Name)
        {
            throw Error(tag, $"expected a tag name after '{{%', got {tag.Describe()}");
        }
        switch (tag.Text)
        {
            case "if": return ParseIf(pos);
            case "for": return ParseFor(pos);
            case "set": return ParseSet(pos);
            case "macro": return ParseMacro(pos);
            case "filter": return ParseFilterBlock(pos);
            case "with": return ParseWith(pos);
            case "generation":
                Next();
                ExpectBlockEnd();
                return new BlockStmt(pos, [], ParseClosed(["endgeneration"], "generation", pos), false);
            case "break" or "continue":
                if (_loopDepth == 0)
                {
                    throw Error(tag, $"'{{% {tag.Text} %}}' outside of a for loop");
                }
                Next();
                ExpectBlockEnd();
                return tag.Text == "break" ? new BreakStmt(pos) : new ContinueStmt(pos);
        }
        if (opener is not null && (tag.Text.StartsWith("end", StringComparison.Ordinal) || tag.Text is "else" or "elif"))
        {
            throw Error(tag, $"unexpected '{{% {tag.Text} %}}': the innermost open block is '{opener}', which expects {Quote(endTags)}");
        }
        if (tag.Text is "extends" or "block" or "include" or "import" or "from" or "call" or "do")
        {
            throw Error(tag, $"the '{tag.Text}' tag is not supported in chat templates");
        }
        throw Error(tag, $"Encountered unknown tag '{tag.Text}'");
    }

    /// <summary>Body up to the single closing tag, which is consumed with its '%}'.</summary>
    private List<Stmt> ParseClosed(string[] endTags, string opener, int openerPos)
    {
        var body = ParseBody(endTags, opener, openerPos);
        Next();
        ExpectBlockEnd();
        return body;
    }

    private IfStmt ParseIf(int pos)
    {
        Next();
        var branches = new List<(Expr, List<Stmt>)>();
        Expr test = ParseExpression();
        ExpectBlockEnd();
        while (true)
        {
            var body = ParseBody(["elif", "else", "endif"], "if", pos);
            branches.Add((test, body));
            string tag = Next().Text;
            if (tag == "elif")
            {
                test = ParseExpression();
                ExpectBlockEnd();
                continue;
            }
            ExpectBlockEnd();
            List<Stmt>? elseBody = tag == "else" ? ParseClosed(["endif"], "if", pos) : null;
            return new IfStmt(pos, branches, elseBody);
        }
    }

    private ForStmt ParseFor(int pos)
    {
        Next();
        Target target = ParseTarget(allowAttribute: false);
        if (!Current.IsName("in"))
        {
            throw Error(Current, $"expected 'in' in for loop, got {Current.Describe()}");
        }
        Next();
        Expr iter = ParseTuple(withCondExpr: false, extraEnd: ["if", "recursive"]);
        Expr? filter = null;
        if (Current.IsName("if"))
        {
            Next();
            filter = ParseExpression();
        }
        if (Current.IsName("recursive"))
        {
            throw Error(Current, "recursive for loops are not supported");
        }
        ExpectBlockEnd();
        _loopDepth++;
        var body = ParseBody(["endfor", "else"], "for", pos);
        _loopDepth--;
        List<Stmt>? elseBody = null;
        if (Next().Text == "else")
        {
            ExpectBlockEnd();
            elseBody = ParseBody(["endfor"], "for", pos);
            Next();
        }
        ExpectBlockEnd();
        return new ForStmt(pos, target, iter, filter, body, elseBody);
    }

    private MacroStmt ParseMacro(int pos)
    {
        Next();
        string name = ExpectName("a macro name");
        ExpectOp("(");
        var parameters = new List<(string, Expr?)>();
        while (!Current.IsOp(")"))
        {
            if (parameters.Count > 0)
            {
                ExpectOp(",");
                if (Current.IsOp(")"))
                {
                    break;
                }
            }
            string param = ExpectName("a parameter name");
            Expr? dflt = null;
            if (Current.IsOp("="))
            {
                Next();
                dflt = ParseExpression();
            }
            else if (parameters.Count > 0 && parameters[^1].Item2 is not null)
            {
                throw Error(Current, $"parameter '{param}' without a default follows one with a default");
            }
            parameters.Add((param, dflt));
        }
        Next();
        ExpectBlockEnd();
        int savedDepth = _loopDepth;
        _loopDepth = 0; // a macro body is not inside the caller's loop
        var body = ParseClosed(["endmacro"], "macro", pos);
        _loopDepth = savedDepth;
        return new MacroStmt(pos, name, parameters, body);
    }

    private FilterBlockStmt ParseFilterBlock(int pos)
    {
        Next();
        var filters = ParseFilterChain(inline: true);
        ExpectBlockEnd();
        return new FilterBlockStmt(pos, filters, ParseClosed(["endfilter"], "filter", pos));
    }
}
