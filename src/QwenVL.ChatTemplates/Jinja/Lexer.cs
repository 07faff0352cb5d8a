// Splits a template into data and tag tokens the way jinja2's lexer does with HF's settings:
// trim_blocks (drop the first newline after a block/comment tag), lstrip_blocks (drop spaces/tabs before
// a block/comment tag that starts a line), `-`/`+` modifiers, {% raw %}, and one trailing newline removed.
// It deliberately supports only the default delimiters and no line statements.
using System.Text.RegularExpressions;

namespace QwenVL.ChatTemplates.Jinja;

internal sealed partial class Lexer
{
    private static readonly string[] TwoCharOps = ["//", "**", "==", "!=", ">=", "<="];
    private const string OneCharOps = "+-/*%~[](){}><=.:|,;";

    private readonly SourceText _src;
    private readonly string _s;
    private readonly List<Token> _tokens = [];
    private int _pos;
    private bool _lineStarting = true;

    private Lexer(SourceText src)
    {
        _src = src;
        _s = src.Text;
    }

    /// <summary>jinja2 turns \r\n and \r into \n and drops one trailing newline (keep_trailing_newline=False).</summary>
    public static string Normalize(string source)
    {
        string text = source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        return text.EndsWith('\n') ? text[..^1] : text;
    }

    public static List<Token> Tokenize(SourceText src)
    {
        var lexer = new Lexer(src);
        lexer.Run();
        lexer._tokens.Add(new Token(TokenKind.Eof, "", src.Text.Length));
        return lexer._tokens;
    }

    private void Run()
    {
        while (_pos < _s.Length)
        {
            int tag = FindTagStart(_pos);
            if (tag < 0)
            {
                Emit(TokenKind.Data, _s[_pos..], _pos);
                break;
            }
            char kind = _s[tag + 1];
            int p = tag + 2;
            char sign = p < _s.Length && (_s[p] == '-' || _s[p] == '+') ? _s[p] : '\0';
            p += sign == '\0' ? 0 : 1;
            string text = StripBefore(_s[_pos..tag], sign, allowLStrip: kind != '{');
            Emit(TokenKind.Data, text, _pos);
            Match raw = kind == '%' ? RawBeginRegex().Match(_s, p) : Match.Empty;
            if (raw.Success)
            {
                LexRaw(tag, raw.Index + raw.Length);
            }
            else if (kind == '#')
            {
                LexComment(tag, p);
            }
            else
            {
                _tokens.Add(new Token(kind == '{' ? TokenKind.VariableBegin : TokenKind.BlockBegin, _s[tag..p], tag));
                _pos = LexTag(tag, p, kind == '{');
            }
            _lineStarting = _pos > 0 && _s[_pos - 1] == '\n';
        }
    }

    private int FindTagStart(int from)
    {
        for (int i = _s.IndexOf('{', from); i >= 0 && i + 1 < _s.Length; i = _s.IndexOf('{', i + 1))
        {
            if (_s[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }
        return -1;
    }

    private void Emit(TokenKind kind, string text, int pos)
    {
        if (text.Length > 0)
        {
            _tokens.Add(new Token(kind, text, pos));
        }
    }

    // `-` strips all whitespace before the tag; otherwise lstrip_blocks strips the spaces/tabs that
    // precede a block or comment tag when only whitespace separates it from the start of its line.
    private string StripBefore(string text, char sign, bool allowLStrip)
    {
        if (sign == '-')
        {
            return PyString.Strip(text, null, false, true);
        }
        if (sign == '+' || !allowLStrip)
        {
            return text;
        }
        int lineStart = text.LastIndexOf('\n') + 1;
        if ((lineStart > 0 || _lineStarting) && lineStart < text.Length
            && text[lineStart..].All(char.IsWhiteSpace))
        {
            return text[..lineStart];
        }
        return text;
    }

    private void LexRaw(int tag, int bodyStart)
    {
        _lineStarting = _s[bodyStart - 1] == '\n';
        Match end = RawEndRegex().Match(_s, bodyStart);
        if (!end.Success)
        {
            throw _src.Error(tag, "Missing end of raw directive ({% endraw %})");
        }
        char sign = end.Groups["sign"].Value is { Length: 1 } g ? g[0] : '\0';
        Emit(TokenKind.Data, StripBefore(end.Groups["body"].Value, sign, allowLStrip: true), bodyStart);
        _pos = end.Index + end.Length;
    }

    private void LexComment(int tag, int bodyStart)
    {
        int close = _s.IndexOf("#}", bodyStart, StringComparison.Ordinal);
        if (close < 0)
        {
            throw _src.Error(tag, "Missing end of comment tag (#})");
        }
        char sign = close - 1 >= bodyStart ? _s[close - 1] : '\0';
        _pos = close + 2;
        AfterTagEnd(sign, trim: true);
    }

    // After `-%}` all following whitespace goes; after a plain `%}`/`#}` trim_blocks drops one newline.
    private void AfterTagEnd(char sign, bool trim)
    {
        if (sign == '-')
        {
            while (_pos < _s.Length && char.IsWhiteSpace(_s[_pos]))
            {
                _pos++;
            }
        }
        else if (sign != '+' && trim && _pos < _s.Length && _s[_pos] == '\n')
        {
            _pos++;
        }
    }

    private int LexTag(int tag, int p, bool variable)
    {
        var brackets = new Stack<(char Closer, int Pos)>();
        string close = variable ? "}}" : "%}";
        while (true)
        {
            while (p < _s.Length && char.IsWhiteSpace(_s[p]))
            {
                p++;
            }
            if (p >= _s.Length)
            {
                if (brackets.Count > 0)
                {
                    throw _src.Error(brackets.Peek().Pos, $"unexpected end of template: this bracket is never closed (expected '{brackets.Peek().Closer}')");
                }
                throw _src.Error(tag, $"unexpected end of template: the tag opened here is never closed (expected '{close}')");
            }
            if (brackets.Count == 0)
            {
                char sign = _s[p] is '-' or '+' && string.CompareOrdinal(_s, p + 1, close, 0, 2) == 0 ? _s[p] : '\0';
                if (sign == '-' || (sign == '+' && !variable) || string.CompareOrdinal(_s, p, close, 0, 2) == 0)
                {
                    int end = p + (sign == '\0' ? 2 : 3);
                    _tokens.Add(new Token(variable ? TokenKind.VariableEnd : TokenKind.BlockEnd, _s[p..end], p));
                    _pos = end;
                    AfterTagEnd(sign, trim: !variable);
                    return _pos;
                }
            }
            p = LexExpressionToken(p, brackets);
        }
    }

    private int LexExpressionToken(int p, Stack<(char Closer, int Pos)> brackets)
    {
        char c = _s[p];
        if (char.IsLetter(c) || c == '_')
        {
            int e = p + 1;
            while (e < _s.Length && (char.IsLetterOrDigit(_s[e]) || _s[e] == '_'))
            {
                e++;
            }
            _tokens.Add(new Token(TokenKind.Name, _s[p..e], p));
            return e;
        }
        if (char.IsAsciiDigit(c))
        {
            return LexNumber(p);
        }
        if (c is '\'' or '"')
        {
            return LexString(p);
        }
        string? op = Array.Find(TwoCharOps, o => string.CompareOrdinal(_s, p, o, 0, 2) == 0)
            ?? (OneCharOps.Contains(c) ? c.ToString() : null);
        if (op is null)
        {
            throw _src.Error(p, $"unexpected char '{c}'");
        }
        if (op is "(" or "[" or "{")
        {
            brackets.Push((op switch { "(" => ')', "[" => ']', _ => '}' }, p));
        }
        else if (op is ")" or "]" or "}")
        {
            if (brackets.Count == 0)
            {
                throw _src.Error(p, $"unexpected '{op}'");
            }
            char expected = brackets.Pop().Closer;
            if (expected != op[0])
            {
                throw _src.Error(p, $"unexpected '{op}', expected '{expected}'");
            }
        }
        _tokens.Add(new Token(TokenKind.Operator, op, p));
        return p + op.Length;
    }

    private int LexNumber(int p)
    {
        if (p == 0 || _s[p - 1] != '.')
        {
            Match f = FloatRegex().Match(_s, p);
            if (f.Success)
            {
                double value = double.Parse(f.Value.Replace("_", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
                _tokens.Add(new Token(TokenKind.Float, f.Value, p, value));
                return p + f.Length;
            }
        }
        Match m = IntegerRegex().Match(_s, p);
        string digits = m.Value.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        int numberBase = digits.StartsWith("0x", StringComparison.Ordinal) ? 16 : digits.StartsWith("0o", StringComparison.Ordinal) ? 8
            : digits.StartsWith("0b", StringComparison.Ordinal) ? 2 : 10;
        try
        {
            long value = Convert.ToInt64(numberBase == 10 ? digits : digits[2..], numberBase);
            _tokens.Add(new Token(TokenKind.Integer, m.Value, p, value));
        }
        catch (OverflowException)
        {
            throw _src.Error(p, $"integer literal {m.Value} does not fit in 64 bits");
        }
        return p + m.Length;
    }

    private int LexString(int p)
    {
        char quote = _s[p];
        int e = p + 1;
        while (e < _s.Length && _s[e] != quote)
        {
            e += _s[e] == '\\' ? 2 : 1;
        }
        if (e >= _s.Length)
        {
            throw _src.Error(p, $"unterminated string literal (missing closing {quote})");
        }
        string value = StringEscapes.Decode(_s[(p + 1)..e], offset => _src.Error(p + 1 + offset, "invalid escape sequence in string literal"));
        _tokens.Add(new Token(TokenKind.String, _s[p..(e + 1)], p, value));
        return e + 1;
    }

    [GeneratedRegex(@"\G\s*raw\s*(?:-%\}\s*|%\})")]
    private static partial Regex RawBeginRegex();

    [GeneratedRegex(@"\G(?<body>.*?)\{%(?<sign>[-+]?)\s*endraw\s*(?:\+%\}|-%\}\s*|%\}\n?)", RegexOptions.Singleline)]
    private static partial Regex RawEndRegex();

    [GeneratedRegex(@"\G([0-9]+_)*[0-9]+((\.([0-9]+_)*[0-9]+)?[eE][+\-]?([0-9]+_)*[0-9]+|\.([0-9]+_)*[0-9]+)")]
    private static partial Regex FloatRegex();

    [GeneratedRegex(@"\G(0[bB](_?[01])+|0[oO](_?[0-7])+|0[xX](_?[0-9a-fA-F])+|[1-9](_?[0-9])*|0(_?0)*)")]
    private static partial Regex IntegerRegex();
}
