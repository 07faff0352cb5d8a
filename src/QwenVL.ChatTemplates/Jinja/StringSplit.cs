// Python's str.split / str.rsplit (whitespace runs or an exact separator, with maxsplit) and
// str.splitlines (all of Python's line boundaries, optional keepends).
// It deliberately works on UTF-16 text: every boundary character is in the BMP.
namespace QwenVL.ChatTemplates.Jinja;

internal static class StringSplit
{
    public static PyList Split(string s, string? sep, int maxSplit, bool fromRight)
    {
        if (sep is null)
        {
            var words = s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
            if (maxSplit >= 0 && words.Count > maxSplit + 1)
            {
                // Keep the unsplit remainder verbatim (inner whitespace preserved), as Python does.
                string rest = fromRight ? PyString.Strip(s, null, false, true) : PyString.Strip(s, null, true, false);
                return fromRight ? RSplitWhitespace(rest, maxSplit) : LSplitWhitespace(rest, maxSplit);
            }
            return new PyList(words);
        }
        if (sep.Length == 0)
        {
            throw new JinjaFault("empty separator");
        }
        var parts = s.Split(sep).ToList();
        if (maxSplit >= 0 && parts.Count > maxSplit + 1)
        {
            parts = fromRight
                ? [string.Join(sep, parts.Take(parts.Count - maxSplit)), .. parts.Skip(parts.Count - maxSplit)]
                : [.. parts.Take(maxSplit), string.Join(sep, parts.Skip(maxSplit))];
        }
        return new PyList(parts);
    }

    private static PyList LSplitWhitespace(string s, int maxSplit)
    {
        var result = new PyList();
        int i = 0;
        while (result.Count < maxSplit)
        {
            int end = i;
            while (end < s.Length && !PyString.IsPythonWhitespace(s[end]))
            {
                end++;
            }
            result.Add(s[i..end]);
            i = end;
            while (i < s.Length && PyString.IsPythonWhitespace(s[i]))
            {
                i++;
            }
        }
        result.Add(s[i..]);
        return result;
    }

    private static PyList RSplitWhitespace(string s, int maxSplit)
    {
        var result = new PyList();
        int j = s.Length;
        while (result.Count < maxSplit)
        {
            int start = j;
            while (start > 0 && !PyString.IsPythonWhitespace(s[start - 1]))
            {
                start--;
            }
            result.Insert(0, s[start..j]);
            j = start;
            while (j > 0 && PyString.IsPythonWhitespace(s[j - 1]))
            {
                j--;
            }
        }
        result.Insert(0, s[..j]);
        return result;
    }

    public static PyList Lines(string s, bool keepEnds)
    {
        var result = new PyList();
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                int end = c == '\r' && i + 1 < s.Length && s[i + 1] == '\n' ? i + 2 : i + 1;
                result.Add(s[start..(keepEnds ? end : i)]);
                start = end;
                i = end - 1;
            }
        }
        if (start < s.Length)
        {
            result.Add(s[start..]);
        }
        return result;
    }
}
