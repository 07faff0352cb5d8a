// MMMU open-answer scoring as in the official MMMU eval_utils (ported in lmms-eval): pull key
// phrases after "is", "so", "answer", "=" ..., add every number found, normalise (numbers rounded to
// 2 decimals), then a string answer must appear as a substring and a number must be equal.
// Candidates are de-duplicated in first-seen order (upstream uses a set; any match wins, so order is moot).
using System.Globalization;
using System.Text.RegularExpressions;

namespace QwenVL.Eval.Scoring;

/// <summary>A normalised MMMU answer: either a number (rounded to 2 dp) or a lower-cased string.</summary>
public readonly record struct MmmuValue(double? Number, string? Text);

/// <summary>MMMU open-question parser and checker.</summary>
public static partial class MmmuOpen
{
    static readonly string[] Indicators = ["could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result "];

    [GeneratedRegex(@"\.\s(?=[A-Z])|\n")]
    private static partial Regex SentenceSplit();

    [GeneratedRegex(@"-?\b\d{1,3}(?:,\d{3})+\b")]
    private static partial Regex NumbersWithCommas();

    [GeneratedRegex(@"-?\d+(?:\.\d+)?[eE][+-]?\d+")]
    private static partial Regex NumbersScientific();

    [GeneratedRegex(@"-?(?:\d+\.\d+|\.\d+|\d+)(?![eE][+-]?\d+)(?![,\d])")]
    private static partial Regex NumbersSimple();

    /// <summary>parse_open_response: the candidate answers found in a response.</summary>
    public static IReadOnlyList<MmmuValue> Parse(string response)
    {
        var keys = KeySubResponses(response);
        var raw = new List<string>(keys);
        foreach (string k in keys)
        {
            raw.AddRange(NumbersWithCommas().Matches(k).Select(m => m.Value));
            raw.AddRange(NumbersScientific().Matches(k).Select(m => m.Value));
            raw.AddRange(NumbersSimple().Matches(k).Select(m => m.Value));
        }
        return raw.SelectMany(Normalize).Distinct().ToList();
    }

    static List<string> KeySubResponses(string response)
    {
        // Lower-cased BEFORE splitting, so the "(?=[A-Z])" sentence split never fires and only '\n' splits (as upstream).
        string resp = VqaNormalizer.Lower(response.Trim().Trim('.'));
        string[] subs = SentenceSplit().Split(resp);
        var keys = new List<string>();
        var indicators = new List<string>(Indicators);
        for (int i = 0; i < subs.Length; i++)
        {
            // The last segment may be just an equation, so "=" also counts there.
            if (i == subs.Length - 1) indicators.Add("=");
            string? shortest = null;
            foreach (string ind in indicators)
            {
                int at = subs[i].LastIndexOf(ind, StringComparison.Ordinal);
                if (at < 0) continue;
                string tail = subs[i][(at + ind.Length)..].Trim();
                if (shortest is null || tail.Length < shortest.Length) shortest = tail;
            }
            if (!string.IsNullOrEmpty(shortest) && shortest.Trim() is not (":" or "," or "." or "!" or "?" or ";" or "'"))
                keys.Add(shortest);
        }
        return keys.Count == 0 ? [resp] : keys;
    }

    /// <summary>normalize_str: numbers (commas removed) rounded to 2 dp; 1-char strings padded both ways.</summary>
    public static IEnumerable<MmmuValue> Normalize(string s)
    {
        string t = s.Trim();
        if (PyNumber.Float(t.Replace(",", "", StringComparison.Ordinal)) is { } v)
            return [new MmmuValue(Math.Round(v, 2, MidpointRounding.ToEven), null)];
        string lower = VqaNormalizer.Lower(t);
        return lower.Length == 1 ? [new MmmuValue(null, " " + lower), new MmmuValue(null, lower + " ")] : [new MmmuValue(null, lower)];
    }

    /// <summary>eval_open: a string prediction contains a normalised gold string, or a number equals a gold number.</summary>
    public static bool IsCorrect(IReadOnlyList<string> gold, IReadOnlyList<MmmuValue> predictions)
    {
        var norm = gold.SelectMany(Normalize).ToList();
        foreach (MmmuValue p in predictions)
        {
            if (p.Text is { } text)
            {
                if (norm.Any(g => g.Text is { } gt && text.Contains(gt, StringComparison.Ordinal))) return true;
            }
            else if (norm.Any(g => g.Number is { } gn && gn == p.Number)) return true;
        }
        return false;
    }

    /// <summary>Formats a parsed value for notes and debugging.</summary>
    public static string Show(MmmuValue v) => v.Number is { } n ? n.ToString(CultureInfo.InvariantCulture) : $"'{v.Text}'";
}
