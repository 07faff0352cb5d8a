// Syntax tree of a parsed template. Every node keeps the source offset of its first token so runtime
// errors can name a line and column. It deliberately has no nodes for inheritance, include or import.
namespace QwenVL.ChatTemplates.Jinja;

internal abstract record Node(int Pos);

// ---- statements ----
internal abstract record Stmt(int Pos) : Node(Pos);

internal sealed record TextStmt(int Pos, string Text) : Stmt(Pos);

internal sealed record PrintStmt(int Pos, Expr Value) : Stmt(Pos);

internal sealed record IfStmt(int Pos, List<(Expr Test, List<Stmt> Body)> Branches, List<Stmt>? Else) : Stmt(Pos);

internal sealed record ForStmt(int Pos, Target Target, Expr Iter, Expr? Filter, List<Stmt> Body, List<Stmt>? Else) : Stmt(Pos);

internal sealed record SetStmt(int Pos, Target Target, Expr Value) : Stmt(Pos);

/// <summary>{% set x %}...{% endset %}: captures the rendered body, optionally piped through filters.</summary>
internal sealed record SetBlockStmt(int Pos, Target Target, List<Stmt> Body, List<FilterExpr> Filters) : Stmt(Pos);

internal sealed record MacroStmt(int Pos, string Name, List<(string Name, Expr? Default)> Params, List<Stmt> Body) : Stmt(Pos);

/// <summary>{% filter upper %}...{% endfilter %}.</summary>
internal sealed record FilterBlockStmt(int Pos, List<FilterExpr> Filters, List<Stmt> Body) : Stmt(Pos);

/// <summary>A body rendered in place: {% generation %} (HF's assistant-mask tag) or {% with %}.</summary>
internal sealed record BlockStmt(int Pos, List<SetStmt> Assignments, List<Stmt> Body, bool NewScope) : Stmt(Pos);

internal sealed record BreakStmt(int Pos) : Stmt(Pos);

internal sealed record ContinueStmt(int Pos) : Stmt(Pos);

// ---- assignment targets ----
internal abstract record Target(int Pos);

internal sealed record NameTarget(int Pos, string Name) : Target(Pos);

internal sealed record AttrTarget(int Pos, string Object, string Attribute) : Target(Pos);

internal sealed record TupleTarget(int Pos, List<Target> Items) : Target(Pos);

// ---- expressions ----
internal abstract record Expr(int Pos) : Node(Pos);

internal sealed record ConstExpr(int Pos, object? Value) : Expr(Pos);

internal sealed record NameExpr(int Pos, string Name) : Expr(Pos);

internal sealed record ListExpr(int Pos, List<Expr> Items, bool IsTuple) : Expr(Pos);

internal sealed record DictExpr(int Pos, List<(Expr Key, Expr Value)> Items) : Expr(Pos);

internal sealed record GetAttrExpr(int Pos, Expr Object, string Name) : Expr(Pos);

internal sealed record GetItemExpr(int Pos, Expr Object, Expr Index) : Expr(Pos);

internal sealed record SliceExpr(int Pos, Expr Object, Expr? Start, Expr? Stop, Expr? Step) : Expr(Pos);

internal sealed record Arguments(List<Expr> Positional, List<(string Name, Expr Value)> Keyword, Expr? Star, Expr? DoubleStar)
{
    public static readonly Arguments None = new([], [], null, null);
}

internal sealed record CallExpr(int Pos, Expr Callee, Arguments Args) : Expr(Pos);

internal sealed record FilterExpr(int Pos, Expr? Input, string Name, Arguments Args) : Expr(Pos);

internal sealed record TestExpr(int Pos, Expr Input, string Name, Arguments Args, bool Negated) : Expr(Pos);

internal sealed record UnaryExpr(int Pos, string Op, Expr Operand) : Expr(Pos);

/// <summary>Arithmetic (+ - * / // % **), concatenation (~), and/or (short-circuit), in / not in.</summary>
internal sealed record BinaryExpr(int Pos, string Op, Expr Left, Expr Right) : Expr(Pos);

/// <summary>A comparison chain such as a &lt; b &lt;= c (Python semantics).</summary>
internal sealed record CompareExpr(int Pos, Expr First, List<(string Op, Expr Operand)> Rest) : Expr(Pos);

internal sealed record CondExpr(int Pos, Expr Test, Expr Then, Expr? Else) : Expr(Pos);
