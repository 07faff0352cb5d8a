// Hand-written scanner equal to the Qwen2 Split regex (Oniguruma, leftmost-first alternation, greedy with
// backtracking) over Unicode scalar values, so astral letters (𝒜, 𠀀) count as \p{L} as they do in HF.
// It deliberately implements only this one pattern; other patterns go to RegexPreTokenizer.
using System.Globalization;

namespace QwenVL.Tokenizer;

/// <summary>
/// Pieces of <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>.
/// Every character is letter, number, whitespace or "other", so consecutive matches tile the text.
/// </summary>
internal sealed class Qwen2PreTokenizer : IPreTokenizer
{
    /// <summary>The pattern exactly as tokenizer.json stores it (after JSON unescaping).</summary>
    public const string Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public static readonly Qwen2PreTokenizer Instance = new();

    /// <summary>Character classes the pattern distinguishes; Newline is \r or \n, Space any other \s.</summary>
    private enum Kind : byte { Other, Letter, Number, Newline, Space }

    private static readonly Kind[] AsciiKinds = BuildAsciiKinds();

    public void Split(ReadOnlySpan<char> text, List<TextSpan> pieces)
    {
        int i = 0;
        while (i < text.Length)
        {
            int end = MatchEnd(text, i);
            pieces.Add(new TextSpan(i, end - i));
            i = end;
        }
    }

    /// <summary>End (exclusive) of the match that starts at <paramref name="i"/>; never empty.</summary>
    private static int MatchEnd(ReadOnlySpan<char> text, int i)
    {
        // 1. (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (text[i] == '\'')
        {
            int contraction = ContractionLength(text, i);
            if (contraction > 0)
            {
                return i + contraction;
            }
        }

        Kind k0 = KindAt(text, i, out int len0);
        int after0 = i + len0;

        // 2. [^\r\n\p{L}\p{N}]?\p{L}+ : a letter run, optionally led by one non-newline, non-number char.
        if (k0 == Kind.Letter)
        {
            return SkipRun(text, after0, Kind.Letter);
        }
        if (k0 != Kind.Newline && k0 != Kind.Number && after0 < text.Length
            && KindAt(text, after0, out int len1) == Kind.Letter)
        {
            return SkipRun(text, after0 + len1, Kind.Letter);
        }

        // 3. \p{N} : exactly one number character ("2024" is four pieces).
        if (k0 == Kind.Number)
        {
            return after0;
        }

        // 4. ' ?[^\s\p{L}\p{N}]+[\r\n]*' : punctuation/symbol run, optionally led by one U+0020, plus trailing newlines.
        if (k0 == Kind.Other
            || (text[i] == ' ' && after0 < text.Length && KindAt(text, after0, out _) == Kind.Other))
        {
            int end = SkipRun(text, after0, Kind.Other);
            while (end < text.Length && text[end] is '\r' or '\n')
            {
                end++;
            }
            return end;
        }

        // Whitespace from here on: measure the run, its last newline and its last character.
        int runEnd = i, lastRuneStart = i, lastNewlineEnd = -1;
        while (runEnd < text.Length)
        {
            Kind k = KindAt(text, runEnd, out int len);
            if (k != Kind.Space && k != Kind.Newline)
            {
                break;
            }
            if (k == Kind.Newline)
            {
                lastNewlineEnd = runEnd + len;
            }
            lastRuneStart = runEnd;
            runEnd += len;
        }

        // 5. \s*[\r\n]+ : \s* backtracks until [\r\n]+ fits, so the match ends after the run's last newline.
        if (lastNewlineEnd >= 0)
        {
            return lastNewlineEnd;
        }
        // 6. \s+(?!\S) : the whole run at the end of the text, else the run less its last char
        //    (which then leads the next word through alternative 2); 7. \s+ : a lone whitespace char.
        if (runEnd == text.Length || lastRuneStart == i)
        {
            return runEnd;
        }
        return lastRuneStart;
    }

    /// <summary>Length of a contraction at an apostrophe, or 0. Case-insensitive as Oniguruma folds case:
    /// 'S' and the long s 'ſ' (U+017F, case-folds to 's') both match 's'.</summary>
    private static int ContractionLength(ReadOnlySpan<char> text, int i)
    {
        if (i + 1 >= text.Length)
        {
            return 0;
        }
        char c1 = Fold(text[i + 1]);
        if (c1 is 's' or 't' or 'm' or 'd')
        {
            return 2;
        }
        if (i + 2 < text.Length)
        {
            char c2 = Fold(text[i + 2]);
            if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'))
            {
                return 3;
            }
        }
        return 0;
    }

    private static char Fold(char c) => c switch
    {
        >= 'A' and <= 'Z' => (char)(c | 0x20),
        '\u017F' => 's',
        _ => c,
    };

    private static int SkipRun(ReadOnlySpan<char> text, int pos, Kind kind)
    {
        while (pos < text.Length && KindAt(text, pos, out int len) == kind)
        {
            pos += len;
        }
        return pos;
    }

    /// <summary>Class of the scalar value at <paramref name="i"/>; <paramref name="length"/> is 2 for a
    /// surrogate pair, 1 otherwise (a lone surrogate is one "other" char, as U+FFFD would be).</summary>
    private static Kind KindAt(ReadOnlySpan<char> text, int i, out int length)
    {
        char c = text[i];
        if (c < 0x80)
        {
            length = 1;
            return AsciiKinds[c];
        }
        int codePoint = c;
        length = 1;
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
        {
            codePoint = char.ConvertToUtf32(c, text[i + 1]);
            length = 2;
        }
        else if (char.IsSurrogate(c))
        {
            return Kind.Other;
        }
        if (codePoint == 0x85)
        {
            return Kind.Space; // NEL is a Cc control but Oniguruma's \s (Unicode White_Space) includes it
        }
        return CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => Kind.Space,
            _ => Kind.Other,
        };
    }

    private static Kind[] BuildAsciiKinds()
    {
        var kinds = new Kind[128];
        for (int c = 0; c < 128; c++)
        {
            kinds[c] = c switch
            {
                '\r' or '\n' => Kind.Newline,
                '\t' or '\v' or '\f' or ' ' => Kind.Space, // 0x1C-0x1F are not \s in Oniguruma
                >= 'a' and <= 'z' or >= 'A' and <= 'Z' => Kind.Letter,
                >= '0' and <= '9' => Kind.Number,
                _ => Kind.Other,
            };
        }
        return kinds;
    }
}
