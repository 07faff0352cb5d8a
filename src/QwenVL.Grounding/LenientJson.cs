// A forgiving JSON reader for model output: single- or double-quoted strings, bare keys, trailing or
// doubled commas, Python's True/False/None. It returns null (never throws) on anything it cannot
// close, so a truncated answer fails only for the unfinished value. It deliberately does not repair
// unbalanced brackets or guess missing values: recovery happens one complete object at a time.
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace QwenVL.Grounding;

/// <summary>Lenient JSON value parser over a string.</summary>
public static class LenientJson
{
    // Deep enough for any answer seen (3 levels); bounded so "[[[[..." garbage cannot overflow the stack.
    private const int MaxDepth = 64;

    /// <summary>Parses the value starting at <paramref name="start"/>; on success <paramref name="end"/> is just past it.</summary>
    public static bool TryParseAt(string text, int start, out JsonNode? value, out int end)
    {
        ArgumentNullException.ThrowIfNull(text);
        int pos = start;
        bool ok = TryValue(text, ref pos, 0, out value);
        end = ok ? pos : start;
        return ok;
    }

    private static bool TryValue(string s, ref int pos, int depth, out JsonNode? value)
    {
        value = null;
        SkipWhitespace(s, ref pos);
        if (pos >= s.Length || depth > MaxDepth)
        {
            return false;
        }
        char c = s[pos];
        if (c == '{')
        {
            return TryObject(s, ref pos, depth, out value);
        }
        if (c == '[')
        {
            return TryArray(s, ref pos, depth, out value);
        }
        if (c is '"' or '\'')
        {
            bool ok = TryString(s, ref pos, out string? str);
            value = ok ? JsonValue.Create(str) : null;
            return ok;
        }
        if (c == '-' || c == '+' || c == '.' || char.IsAsciiDigit(c))
        {
            return TryNumber(s, ref pos, out value);
        }
        string word = ReadWord(s, ref pos);
        switch (word)
        {
            case "true" or "True":
                value = JsonValue.Create(true);
                return true;
            case "false" or "False":
                value = JsonValue.Create(false);
                return true;
            case "null" or "None":
                return true;
            default:
                return false;
        }
    }

    private static bool TryObject(string s, ref int pos, int depth, out JsonNode? value)
    {
        value = null;
        var obj = new JsonObject();
        pos++; // '{'
        while (true)
        {
            SkipWhitespace(s, ref pos);
            if (pos >= s.Length)
            {
                return false;
            }
            char c = s[pos];
            if (c == '}')
            {
                pos++;
                value = obj;
                return true;
            }
            if (c == ',')
            {
                pos++; // trailing or doubled comma
                continue;
            }
            string? key;
            if (c is '"' or '\'')
            {
                if (!TryString(s, ref pos, out key))
                {
                    return false;
                }
            }
            else
            {
                key = ReadWord(s, ref pos);
                if (key.Length == 0)
                {
                    return false;
                }
            }
            SkipWhitespace(s, ref pos);
            if (pos >= s.Length || s[pos] != ':')
            {
                return false;
            }
            pos++;
            if (!TryValue(s, ref pos, depth + 1, out JsonNode? item))
            {
                return false;
            }
            obj[key!] = item; // last duplicate wins, as in most JSON readers
            SkipWhitespace(s, ref pos);
            if (pos < s.Length && s[pos] is not (',' or '}'))
            {
                return false;
            }
        }
    }

    private static bool TryArray(string s, ref int pos, int depth, out JsonNode? value)
    {
        value = null;
        var array = new JsonArray();
        pos++; // '['
        while (true)
        {
            SkipWhitespace(s, ref pos);
            if (pos >= s.Length)
            {
                return false;
            }
            char c = s[pos];
            if (c == ']')
            {
                pos++;
                value = array;
                return true;
            }
            if (c == ',')
            {
                pos++;
                continue;
            }
            if (!TryValue(s, ref pos, depth + 1, out JsonNode? item))
            {
                return false;
            }
            array.Add(item);
            SkipWhitespace(s, ref pos);
            if (pos < s.Length && s[pos] is not (',' or ']'))
            {
                return false;
            }
        }
    }

    private static bool TryString(string s, ref int pos, out string? value)
    {
        value = null;
        char quote = s[pos++];
        var sb = new StringBuilder();
        while (pos < s.Length)
        {
            char c = s[pos++];
            if (c == quote)
            {
                value = sb.ToString();
                return true;
            }
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            if (pos >= s.Length)
            {
                return false;
            }
            char e = s[pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'u' when pos + 4 <= s.Length && ushort.TryParse(s.AsSpan(pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ushort u):
                    sb.Append((char)u);
                    pos += 4;
                    break;
                default: sb.Append(e); break; // \" \' \\ \/ and unknown escapes keep the character
            }
        }
        return false;
    }

    private static bool TryNumber(string s, ref int pos, out JsonNode? value)
    {
        value = null;
        int start = pos;
        if (s[pos] is '-' or '+')
        {
            pos++;
        }
        while (pos < s.Length && (char.IsAsciiDigit(s[pos]) || s[pos] is '.' or 'e' or 'E'
            || (s[pos] is '-' or '+' && s[pos - 1] is 'e' or 'E')))
        {
            pos++;
        }
        // A number cut off by the end of the text ("[12, 3") may be incomplete: the caller fails anyway
        // because the array never closes, so there is no need to special-case it here.
        if (!double.TryParse(s.AsSpan(start, pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d))
        {
            return false;
        }
        value = JsonValue.Create(d);
        return true;
    }

    private static string ReadWord(string s, ref int pos)
    {
        int start = pos;
        while (pos < s.Length && (char.IsLetterOrDigit(s[pos]) || s[pos] == '_'))
        {
            pos++;
        }
        return s[start..pos];
    }

    private static void SkipWhitespace(string s, ref int pos)
    {
        while (pos < s.Length && char.IsWhiteSpace(s[pos]))
        {
            pos++;
        }
    }
}
