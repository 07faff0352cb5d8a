// Python's str() and repr() of template values, which is what `{{ value }}` prints: None -> "None",
// True -> "True", 1.0 -> "1.0", 1e16 -> "1e+16", lists/dicts with repr'd items ("['a', 1]").
// It deliberately does not reproduce Python's object addresses ("<built-in method ...>").
using System.Globalization;
using System.Text;

namespace QwenVL.ChatTemplates.Jinja;

internal static class PyFormat
{
    /// <summary>str(value); Undefined renders as the empty string (Jinja's default Undefined).</summary>
    public static string Str(object? v) => v switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(v),
    };

    public static string Repr(object? v)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, v);
        return sb.ToString();
    }

    private static void AppendRepr(StringBuilder sb, object? v)
    {
        switch (v)
        {
            case null: sb.Append("None"); break;
            case Undefined: break;
            case bool b: sb.Append(b ? "True" : "False"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(Float(d)); break;
            case string s: AppendStringRepr(sb, s); break;
            case PyList list:
                bool tuple = list is PyTuple;
                sb.Append(tuple ? '(' : '[');
                for (int i = 0; i < list.Count; i++)
                {
                    sb.Append(i > 0 ? ", " : "");
                    AppendRepr(sb, list[i]);
                }
                sb.Append(tuple ? (list.Count == 1 ? ",)" : ")") : "]");
                break;
            case PyDict dict:
                sb.Append('{');
                bool first = true;
                foreach (var kv in dict)
                {
                    sb.Append(first ? "" : ", ");
                    first = false;
                    AppendRepr(sb, kv.Key);
                    sb.Append(": ");
                    AppendRepr(sb, kv.Value);
                }
                sb.Append('}');
                break;
            case Namespace ns: sb.Append("<Namespace ").Append(Repr(ns.Attributes)).Append('>'); break;
            case LoopInfo: sb.Append("<LoopContext>"); break;
            case PyCallable c: sb.Append("<function ").Append(c.Name).Append('>'); break;
            default: sb.Append(v); break;
        }
    }

    /// <summary>Python float repr: shortest round-trip digits, exponent form when exp &lt; -4 or &gt;= 16.</summary>
    public static string Float(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }
        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }
        // .NET's "R" yields the shortest round-trip digits, e.g. "1E-05", "123.456", "-0".
        string r = d.ToString("R", CultureInfo.InvariantCulture);
        bool negative = r.StartsWith('-');
        if (negative)
        {
            r = r[1..];
        }
        int exp = 0;
        int e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
            r = r[..e];
        }
        int dot = r.IndexOf('.');
        string digits = dot >= 0 ? r.Remove(dot, 1) : r;
        int decpt = (dot >= 0 ? dot : r.Length) + exp;
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
        {
            lead++;
        }
        digits = digits[lead..];
        decpt -= lead;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            return negative ? "-0.0" : "0.0";
        }
        string body;
        if (decpt > -4 && decpt <= 16)
        {
            body = decpt <= 0 ? "0." + new string('0', -decpt) + digits
                : decpt >= digits.Length ? digits + new string('0', decpt - digits.Length) + ".0"
                : digits[..decpt] + "." + digits[decpt..];
        }
        else
        {
            int x = decpt - 1;
            body = digits[..1] + (digits.Length > 1 ? "." + digits[1..] : "") + "e" + (x < 0 ? "-" : "+")
                + Math.Abs(x).ToString("00", CultureInfo.InvariantCulture);
        }
        return negative ? "-" + body : body;
    }

    private static void AppendStringRepr(StringBuilder sb, string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        sb.Append(quote);
        foreach (Rune r in s.EnumerateRunes())
        {
            int c = r.Value;
            if (c == '\\' || c == quote)
            {
                sb.Append('\\').Append((char)c);
            }
            else if (c == '\n')
            {
                sb.Append("\\n");
            }
            else if (c == '\r')
            {
                sb.Append("\\r");
            }
            else if (c == '\t')
            {
                sb.Append("\\t");
            }
            else if (IsPrintable(r))
            {
                sb.Append(r.ToString());
            }
            else
            {
                sb.Append(c <= 0xff ? $"\\x{c:x2}" : c <= 0xffff ? $"\\u{c:x4}" : $"\\U{c:x8}");
            }
        }
        sb.Append(quote);
    }

    // Python's str.isprintable: everything but control, format, separator (except ' '), private-use,
    // surrogate and unassigned code points.
    private static bool IsPrintable(Rune r)
    {
        if (r.Value == ' ')
        {
            return true;
        }
        return Rune.GetUnicodeCategory(r) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }
}
