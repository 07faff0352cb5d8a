// Pre-tokenizer seam: splits one normalized segment (text between added tokens) into the pieces that BPE
// encodes separately, as UTF-16 ranges of the segment. Implementations: Qwen2PreTokenizer (hand-written
// scanner for the Qwen2 pattern) and RegexPreTokenizer (any other Split pattern, via .NET Regex).
using System.Text.RegularExpressions;

namespace QwenVL.Tokenizer;

/// <summary>A piece of a segment: <c>Start</c> and <c>Length</c> in UTF-16 code units.</summary>
internal readonly record struct TextSpan(int Start, int Length);

/// <summary>Splits a segment into contiguous pieces covering it (the "Isolated" split behaviour).</summary>
internal interface IPreTokenizer
{
    void Split(ReadOnlySpan<char> text, List<TextSpan> pieces);
}

/// <summary>
/// Fallback for Split patterns other than Qwen2's. .NET's <c>\s</c>, <c>\p{L}</c> and <c>\p{N}</c> agree with
/// Oniguruma's for BMP text; astral letters (surrogate pairs) are not classified as letters here, which is why
/// the Qwen2 pattern has its own scanner.
/// </summary>
internal sealed class RegexPreTokenizer(string pattern) : IPreTokenizer
{
    private readonly Regex _regex = new(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);

    public void Split(ReadOnlySpan<char> text, List<TextSpan> pieces)
    {
        int last = 0;
        foreach (ValueMatch m in _regex.EnumerateMatches(text))
        {
            if (m.Length == 0)
            {
                continue; // empty matches split nothing in the Isolated behaviour
            }
            if (m.Index > last)
            {
                pieces.Add(new TextSpan(last, m.Index - last)); // unmatched gaps stay pieces of their own
            }
            pieces.Add(new TextSpan(m.Index, m.Length));
            last = m.Index + m.Length;
        }
        if (last < text.Length)
        {
            pieces.Add(new TextSpan(last, text.Length - last));
        }
    }
}

/// <summary>No regex split at all: the whole segment is one BPE piece.</summary>
internal sealed class WholeTextPreTokenizer : IPreTokenizer
{
    public static readonly WholeTextPreTokenizer Instance = new();

    public void Split(ReadOnlySpan<char> text, List<TextSpan> pieces)
    {
        if (!text.IsEmpty)
        {
            pieces.Add(new TextSpan(0, text.Length));
        }
    }
}
