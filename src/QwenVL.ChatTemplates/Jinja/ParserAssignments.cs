// Assignment statements: {% set x = ... %}, {% set ns.attr = ... %}, {% set a, b = ... %}, block sets
// with optional filters, and {% with a = 1 %}. It deliberately allows attribute targets only in `set`
// (jinja2 accepts them nowhere else).
namespace QwenVL.ChatTemplates.Jinja;

internal sealed partial class Parser
{
    private Stmt ParseSet(int pos)
    {
        Next();
        Target target = ParseTarget(allowAttribute: true);
        if (Current.IsOp("="))
        {
            Next();
            Expr value = ParseTuple();
            ExpectBlockEnd();
            return new SetStmt(pos, target, value);
        }
        var filters = Current.IsOp("|") ? ParseFilterChain(inline: false) : [];
        ExpectBlockEnd();
        return new SetBlockStmt(pos, target, ParseClosed(["endset"], "set", pos), filters);
    }

    private BlockStmt ParseWith(int pos)
    {
        Next();
        var assignments = new List<SetStmt>();
        while (Current.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0)
            {
                ExpectOp(",");
            }
            Token at = Current;
            Target target = ParseTarget(allowAttribute: false);
            ExpectOp("=");
            assignments.Add(new SetStmt(at.Pos, target, ParseExpression()));
        }
        Next();
        return new BlockStmt(pos, assignments, ParseClosed(["endwith"], "with", pos), true);
    }

    /// <summary>`name`, `ns.attr` (set only), or a tuple of names `a, b` / `(a, b)`.</summary>
    private Target ParseTarget(bool allowAttribute)
    {
        Token first = Current;
        if (allowAttribute && first.Kind == TokenKind.Name && Peek.IsOp("."))
        {
            Next();
            Next();
            return new AttrTarget(first.Pos, first.Text, ExpectName("an attribute name"));
        }
        var items = new List<Target>();
        bool parens = Current.IsOp("(");
        if (parens)
        {
            Next();
        }
        do
        {
            if (items.Count > 0)
            {
                Next();
            }
            Token t = Expect(TokenKind.Name, "a variable name to assign to");
            items.Add(new NameTarget(t.Pos, t.Text));
        }
        while (Current.IsOp(","));
        if (parens)
        {
            ExpectOp(")");
        }
        return items.Count == 1 && !parens ? items[0] : new TupleTarget(first.Pos, items);
    }
}
