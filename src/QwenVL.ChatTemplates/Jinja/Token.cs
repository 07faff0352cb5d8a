// Tokens produced by the Lexer and the map from source offsets to 1-based line/column used by every
// error message. It deliberately keeps no token text beyond what the parser needs.
namespace QwenVL.ChatTemplates.Jinja;

internal enum TokenKind
{
    Data,
    VariableBegin,
    VariableEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    Eof,
}

/// <summary>One token; <see cref="Value"/> holds the decoded literal for strings and numbers.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Pos, object? Value = null)
{
    public bool Is(TokenKind kind, string text) => Kind == kind && Text == text;

    public bool IsName(string name) => Kind == TokenKind.Name && Text == name;

    public bool IsOp(string op) => Kind == TokenKind.Operator && Text == op;

    /// <summary>How the token reads in "expected X, got Y" messages.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.Eof => "end of template",
        TokenKind.BlockEnd => "end of statement block",
        TokenKind.VariableEnd => "end of print statement",
        TokenKind.BlockBegin => "begin of statement block",
        TokenKind.VariableBegin => "begin of print statement",
        TokenKind.Data => "template data",
        _ => $"'{Text}'",
    };
}

/// <summary>The normalised template source with a line index.</summary>
internal sealed class SourceText
{
    private readonly List<int> _lineStarts = [0];

    public SourceText(string name, string text)
    {
        Name = name;
        Text = text;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                _lineStarts.Add(i + 1);
            }
        }
    }

    public string Name { get; }

    public string Text { get; }

    public (int Line, int Column) Locate(int pos)
    {
        int idx = _lineStarts.BinarySearch(pos);
        int line = idx >= 0 ? idx : ~idx - 1;
        return (line + 1, pos - _lineStarts[line] + 1);
    }

    public TemplateException Error(int pos, string message)
    {
        var (line, column) = Locate(pos);
        return new TemplateException(Name, line, column, message);
    }
}
