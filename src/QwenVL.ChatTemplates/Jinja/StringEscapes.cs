// Decodes the backslash escapes of a template string literal as Python's "unicode-escape" codec does
// (\n \t \xNN \uNNNN \UNNNNNNNN octal ...); an unknown escape such as \q stays as written.
// It deliberately rejects \N{NAME} (no Unicode name table here).
using System.Globalization;
using System.Text;

namespace QwenVL.ChatTemplates.Jinja;

internal static class StringEscapes
{
    public static string Decode(string raw, Func<int, Exception> error)
    {
        if (!raw.Contains('\\'))
        {
            return raw;
        }
        var sb = new StringBuilder(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '\\' || i + 1 == raw.Length)
            {
                sb.Append(raw[i]);
                continue;
            }
            char c = raw[++i];
            switch (c)
            {
                case '\n': break; // backslash-newline is a line continuation
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case 'x': i = Hex(raw, i, 2, sb, error); break;
                case 'u': i = Hex(raw, i, 4, sb, error); break;
                case 'U': i = Hex(raw, i, 8, sb, error); break;
                case >= '0' and <= '7':
                    int end = i;
                    while (end < raw.Length && end < i + 3 && raw[end] is >= '0' and <= '7')
                    {
                        end++;
                    }
                    sb.Append((char)Convert.ToInt32(raw[i..end], 8));
                    i = end - 1;
                    break;
                case 'N': throw error(i - 1);
                default: sb.Append('\\').Append(c); break;
            }
        }
        return sb.ToString();
    }

    // Reads exactly `digits` hex digits after position i (the escape letter); returns the last index used.
    private static int Hex(string raw, int i, int digits, StringBuilder sb, Func<int, Exception> error)
    {
        if (i + digits > raw.Length - 1)
        {
            throw error(i - 1);
        }
        string hex = raw.Substring(i + 1, digits);
        if (!int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code) || code > 0x10FFFF)
        {
            throw error(i - 1);
        }
        sb.Append(char.ConvertFromUtf32(code is >= 0xD800 and <= 0xDFFF ? 0xFFFD : code));
        return i + digits;
    }
}
