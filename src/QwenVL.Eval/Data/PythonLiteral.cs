// Parses the Python literals VLMEvalKit stores in TSV cells: a list of strings/numbers such as
// "['a', \"b's\", 3]" (single or double quotes, backslash escapes). It is not an evaluator: dicts,
// tuples, nested lists and expressions are rejected with the offending position.
using System.Text;

namespace QwenVL.Eval.Data;

/// <summary>Small parser for Python list-of-scalars literals.</summary>
public static class PythonLiteral
{
    /// <summary>True when the text looks like a list literal (starts with '[' after spaces).</summary>
    public static bool LooksLikeList(string text) => text.AsSpan().TrimStart().StartsWith("[");

    /// <summary>Parses a list literal into its items as strings (numbers keep their text); FormatException names the position.</summary>
    public static List<string> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int i = 0;
        SkipSpace(text, ref i);
        Expect(text, ref i, '[');
        var items = new List<string>();
        SkipSpace(text, ref i);
        if (i < text.Length && text[i] == ']') { i++; return End(text, i, items); }
        while (true)
        {
            SkipSpace(text, ref i);
            if (i >= text.Length) throw new FormatException("list literal ends early");
            char c = text[i];
            if (c is '\'' or '"') items.Add(ReadString(text, ref i));
            else if (c == ']') { i++; break; }   // trailing comma: "['a',]"
            else items.Add(ReadBare(text, ref i));
            SkipSpace(text, ref i);
            if (i >= text.Length) throw new FormatException("list literal ends early (missing ']')");
            if (text[i] == ',') { i++; continue; }
            if (text[i] == ']') { i++; break; }
            throw new FormatException($"expected ',' or ']' at position {i}, found '{text[i]}'");
        }
        return End(text, i, items);
    }

    static List<string> End(string text, int i, List<string> items)
    {
        SkipSpace(text, ref i);
        if (i != text.Length) throw new FormatException($"unexpected text after the list at position {i}");
        return items;
    }

    static string ReadString(string s, ref int i)
    {
        char quote = s[i++];
        var sb = new StringBuilder();
        while (i < s.Length)
        {
            char c = s[i++];
            if (c == quote) return sb.ToString();
            if (c != '\\') { sb.Append(c); continue; }
            if (i >= s.Length) break;
            char e = s[i++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '\\': case '\'': case '"': sb.Append(e); break;
                case 'x' when i + 2 <= s.Length: sb.Append((char)Convert.ToInt32(s.Substring(i, 2), 16)); i += 2; break;
                case 'u' when i + 4 <= s.Length: sb.Append((char)Convert.ToInt32(s.Substring(i, 4), 16)); i += 4; break;
                default: sb.Append('\\').Append(e); break;   // Python keeps unknown escapes verbatim
            }
        }
        throw new FormatException("unterminated string in list literal");
    }

    // Numbers, True/False/None: kept as their literal text.
    static string ReadBare(string s, ref int i)
    {
        int start = i;
        while (i < s.Length && s[i] is not (',' or ']') && !char.IsWhiteSpace(s[i])) i++;
        string token = s[start..i];
        bool ok = token is "True" or "False" or "None"
            || double.TryParse(token, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);
        return ok ? token : throw new FormatException($"unsupported value '{token}' at position {start} (only strings and numbers)");
    }

    static void SkipSpace(string s, ref int i) { while (i < s.Length && char.IsWhiteSpace(s[i])) i++; }

    static void Expect(string s, ref int i, char c)
    {
        if (i >= s.Length || s[i] != c) throw new FormatException($"expected '{c}' at position {i}");
        i++;
    }
}
