// Finds added tokens in text with HF's rules: leftmost-longest match, then the single_word / lstrip /
// rstrip flags; the text between matches is returned as plain segments for the normal pipeline.
// It deliberately does not normalize: callers pass raw text (normalized=false tokens) or NFC text.
using System.Buffers;
using System.Globalization;
using System.Text;

namespace QwenVL.Tokenizer;

/// <summary>A slice of the input: an added token when <c>Token</c> is set, plain text otherwise.</summary>
internal readonly record struct Segment(int Start, int Length, AddedToken? Token);

internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, (string Content, AddedTokenSpec Spec)[]> _byFirstChar;
    private readonly SearchValues<char> _firstChars;

    /// <param name="specs">Tokens to find; empty contents are ignored.</param>
    /// <param name="contentOf">The form of each token's content to search for (e.g. its NFC form).</param>
    public AddedTokenMatcher(IEnumerable<AddedTokenSpec> specs, Func<string, string> contentOf)
    {
        _byFirstChar = specs
            .Select(s => (Content: contentOf(s.Token.Content), Spec: s))
            .Where(e => e.Content.Length > 0)
            .GroupBy(e => e.Content[0])
            // Longest first, so the first hit at a position is the leftmost-longest match.
            .ToDictionary(g => g.Key, g => g.OrderByDescending(e => e.Content.Length).ToArray());
        _firstChars = SearchValues.Create(_byFirstChar.Keys.ToArray());
    }

    public bool IsEmpty => _byFirstChar.Count == 0;

    /// <summary>Appends the segments of <paramref name="text"/> (offsets relative to it) to <paramref name="output"/>.</summary>
    public void Split(ReadOnlySpan<char> text, List<Segment> output)
    {
        int emitted = 0, search = 0;
        while (search < text.Length && FindLeftmostLongest(text, search, out int start, out AddedTokenSpec? spec, out int length))
        {
            int stop = start + length;
            search = stop;
            if (spec.SingleWord && (EndsWithWordChar(text[..start]) || StartsWithWordChar(text[stop..])))
            {
                continue; // inside a word: HF skips this match and resumes after it
            }
            if (spec.LStrip)
            {
                int spaces = text[..start].Length - text[..start].TrimEnd().Length;
                start = Math.Max(emitted, start - spaces); // never reclaim text a previous token took
            }
            if (spec.RStrip)
            {
                stop += text[stop..].Length - text[stop..].TrimStart().Length;
                search = stop;
            }
            if (start > emitted)
            {
                output.Add(new Segment(emitted, start - emitted, null));
            }
            output.Add(new Segment(start, stop - start, spec.Token));
            emitted = stop;
        }
        if (emitted < text.Length)
        {
            output.Add(new Segment(emitted, text.Length - emitted, null));
        }
    }

    private bool FindLeftmostLongest(ReadOnlySpan<char> text, int from, out int start, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AddedTokenSpec? spec, out int length)
    {
        int pos = from;
        while (pos < text.Length)
        {
            int hit = text[pos..].IndexOfAny(_firstChars);
            if (hit < 0)
            {
                break;
            }
            pos += hit;
            foreach ((string content, AddedTokenSpec candidate) in _byFirstChar[text[pos]])
            {
                if (text[pos..].StartsWith(content, StringComparison.Ordinal))
                {
                    (start, spec, length) = (pos, candidate, content.Length);
                    return true;
                }
            }
            pos++;
        }
        (start, spec, length) = (-1, null, 0);
        return false;
    }

    private static bool EndsWithWordChar(ReadOnlySpan<char> text) =>
        Rune.DecodeLastFromUtf16(text, out Rune rune, out _) == OperationStatus.Done && IsWordChar(rune);

    private static bool StartsWithWordChar(ReadOnlySpan<char> text) =>
        Rune.DecodeFromUtf16(text, out Rune rune, out _) == OperationStatus.Done && IsWordChar(rune);

    /// <summary>Approximates the Unicode <c>\w</c> of Rust's regex crate that HF uses for single_word:
    /// letters, marks, digits, letter numbers, connector punctuation and the two joiners.</summary>
    private static bool IsWordChar(Rune rune) => rune.Value is 0x200C or 0x200D || Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark or UnicodeCategory.DecimalDigitNumber
            or UnicodeCategory.LetterNumber or UnicodeCategory.ConnectorPunctuation => true,
        _ => false,
    };
}
