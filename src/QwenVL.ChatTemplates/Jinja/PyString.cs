// Code-point view of .NET strings, so len(), indexing and slicing count characters as Python does
// (an emoji is 1, not 2 UTF-16 units). It deliberately does no Unicode normalisation or grapheme logic.
using System.Text;

namespace QwenVL.ChatTemplates.Jinja;

internal static class PyString
{
    private static bool HasSurrogates(string s)
    {
        foreach (char c in s)
        {
            if (char.IsSurrogate(c))
            {
                return true;
            }
        }
        return false;
    }

    public static long Length(string s) => HasSurrogates(s) ? s.EnumerateRunes().Count() : s.Length;

    /// <summary>Each code point as its own string (lone surrogates stay single chars).</summary>
    public static List<object?> CodePoints(string s)
    {
        var result = new List<object?>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                result.Add(s.Substring(i, 2));
                i++;
            }
            else
            {
                result.Add(s[i].ToString());
            }
        }
        return result;
    }

    public static object? Index(string s, long index)
    {
        if (!HasSurrogates(s))
        {
            long i = index < 0 ? index + s.Length : index;
            return i >= 0 && i < s.Length ? s[(int)i].ToString() : new Undefined("string index out of range");
        }
        var cps = CodePoints(s);
        long j = index < 0 ? index + cps.Count : index;
        return j >= 0 && j < cps.Count ? cps[(int)j] : new Undefined("string index out of range");
    }

    public static string Slice(string s, long? start, long? stop, long? step)
    {
        if (!HasSurrogates(s) && (step ?? 1) == 1)
        {
            var (from, to, _) = Sequence.SliceBounds(s.Length, start, stop, 1);
            return to > from ? s[from..to] : "";
        }
        var sb = new StringBuilder();
        foreach (object? cp in Sequence.Slice(CodePoints(s), start, stop, step))
        {
            sb.Append((string)cp!);
        }
        return sb.ToString();
    }

    public static bool IsPythonWhitespace(char c) => char.IsWhiteSpace(c) || (c >= '\x1c' && c <= '\x1f');

    public static string Strip(string s, string? chars, bool left, bool right)
    {
        int a = 0, b = s.Length;
        Func<char, bool> drop = chars is null ? IsPythonWhitespace : c => chars.Contains(c);
        while (left && a < b && drop(s[a]))
        {
            a++;
        }
        while (right && b > a && drop(s[b - 1]))
        {
            b--;
        }
        return s[a..b];
    }
}

/// <summary>Python slice arithmetic shared by lists and strings.</summary>
internal static class Sequence
{
    public static (int From, int To, int Step) SliceBounds(int length, long? start, long? stop, long step)
    {
        if (step == 0)
        {
            throw new JinjaFault("slice step cannot be zero");
        }
        long Clamp(long? v, long dflt, long lo, long hi)
        {
            if (v is null)
            {
                return dflt;
            }
            long x = v.Value < 0 ? v.Value + length : v.Value;
            return Math.Clamp(x, lo, hi);
        }
        return step > 0
            ? ((int)Clamp(start, 0, 0, length), (int)Clamp(stop, length, 0, length), (int)step)
            : ((int)Clamp(start, length - 1, -1, length - 1), (int)Clamp(stop, -1, -1, length - 1), (int)step);
    }

    public static List<object?> Slice(IReadOnlyList<object?> items, long? start, long? stop, long? step)
    {
        var (from, to, st) = SliceBounds(items.Count, start, stop, step ?? 1);
        var result = new List<object?>();
        for (int i = from; st > 0 ? i < to : i > to; i += st)
        {
            result.Add(items[i]);
        }
        return result;
    }
}
