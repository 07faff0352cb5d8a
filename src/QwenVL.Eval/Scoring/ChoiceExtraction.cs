// Multiple-choice answer extraction without an LLM judge: VLMEvalKit can_infer (option letters,
// then option text), the official MMMU / lmms-eval parser (with a seeded random fallback whose use is
// reported), and lmms-eval's AI2D regex filter. Scoring and averaging live in BenchmarkScorer.
using System.Text.RegularExpressions;

namespace QwenVL.Eval.Scoring;

/// <summary>Letter extraction from free-form multiple-choice answers.</summary>
public static partial class ChoiceExtraction
{
    // VLMEvalKit refusals that map to the "no answer" letter Z.
    static readonly string[] Refusals =
    [
        "Sorry, I can't help with images of people yet.",
        "I can't process this file.",
        "I'm sorry, but without the image provided",
        "Cannot determine the answer",
    ];

    [GeneratedRegex(@"(?:correct\s+)?answer\s+is\s+\**([ABCD])\**", RegexOptions.IgnoreCase)]
    private static partial Regex AnswerIs();

    [GeneratedRegex(@"^\s*([A-Z])\.")]
    private static partial Regex LeadingLetter();

    /// <summary>VLMEvalKit can_infer: option letter first, then a unique option-text match; null if neither.</summary>
    public static string? CanInfer(string answer, IReadOnlyDictionary<string, string> choices) =>
        CanInferOption(answer, choices) ?? CanInferText(answer, choices);

    /// <summary>can_infer_option: a lone choice letter among the last 4 tokens, "Z" for refusals, or "answer is X".</summary>
    public static string? CanInferOption(string answer, IReadOnlyDictionary<string, string> choices)
    {
        if (answer.Contains("Failed to obtain answer via API", StringComparison.Ordinal)) return null;
        foreach (string r in Refusals)
            if (answer.Contains(r, StringComparison.Ordinal)) return "Z";
        string s = answer;
        foreach (char c in ".()[],:;!*#{}") s = s.Replace(c, ' ');
        string[] toks = VqaNormalizer.PySplit(s);
        int k = choices.Keys.Count(c => toks.Contains(c));
        if (k == 1)
        {
            foreach (string c in choices.Keys)
            {
                // Array.IndexOf is the FIRST occurrence, as Python list.index; it must be among the last 4 tokens.
                int at = Array.IndexOf(toks, c);
                if (at >= 0 && at > toks.Length - 5) return c;
            }
        }
        else if (k == 0 && toks.Contains("Z"))
        {
            return "Z";
        }
        Match m = AnswerIs().Match(answer);
        if (m.Success)
        {
            string letter = m.Groups[1].Value.ToUpperInvariant();
            if (choices.ContainsKey(letter)) return letter;
        }
        return null;
    }

    /// <summary>can_infer_text: exactly one option text contained in the (not too long) lower-cased answer.</summary>
    public static string? CanInferText(string answer, IReadOnlyDictionary<string, string> choices)
    {
        string a = VqaNormalizer.Lower(answer);
        // Answers longer than twice the total option text are not matched (VLMEvalKit guard).
        if (VqaNormalizer.CodePoints(a).Length > 2 * choices.Values.Sum(v => VqaNormalizer.CodePoints(v).Length)) return null;
        var hits = choices.Where(kv => a.Contains(VqaNormalizer.Lower(kv.Value), StringComparison.Ordinal)).Select(kv => kv.Key).ToList();
        return hits.Count == 1 ? hits[0] : null;
    }

    /// <summary>
    /// The official MMMU / lmms-eval multiple-choice parser. When nothing matches it picks a letter with
    /// <paramref name="rng"/> and sets <paramref name="randomFallback"/> (the upstream uses Python's
    /// unseeded random.choice, so the letter chosen cannot match upstream; only the count is comparable).
    /// </summary>
    public static string ParseMmmu(string response, IReadOnlyDictionary<string, string> choices, Random rng, out bool randomFallback)
    {
        randomFallback = false;
        string[] letters = [.. choices.Keys.Order(StringComparer.Ordinal)];
        string resp = response;
        // Each character is stripped from both ends in turn (str.strip(ch) per char, not as a set).
        foreach (char ch in ",.!?;:'") resp = resp.Trim(ch);
        string r = " " + resp + " ";
        bool indexAns = true, withBrackets = false;
        var cands = new List<string>();
        foreach (string c in letters)
            if (r.Contains($"({c})", StringComparison.Ordinal)) { cands.Add(c); withBrackets = true; }
        if (cands.Count == 0)
            foreach (string c in letters)
                if (r.Contains(c + " ", StringComparison.Ordinal)) cands.Add(c);
        if (cands.Count == 0)
            foreach (string c in letters)
                if (r.Contains(c + ".", StringComparison.Ordinal)) cands.Add(c);
        if (cands.Count == 0 && VqaNormalizer.PySplit(r).Length > 5)
        {
            string lr = VqaNormalizer.Lower(r);
            foreach (string c in letters)
                if (lr.Contains(VqaNormalizer.Lower(choices[c]), StringComparison.Ordinal)) { cands.Add(c); indexAns = false; }
        }
        if (cands.Count == 0)
        {
            randomFallback = true;
            return letters[rng.Next(letters.Length)];
        }
        if (cands.Count == 1) return cands[0];
        // Several candidates: the one mentioned last wins (argmax of rfind; ties keep the first).
        string lower = VqaNormalizer.Lower(r);
        int bestAt = int.MinValue;
        string best = cands[0];
        foreach (string c in cands)
        {
            int at = !indexAns ? lower.LastIndexOf(VqaNormalizer.Lower(choices[c]), StringComparison.Ordinal)
                : withBrackets ? r.LastIndexOf($"({c})", StringComparison.Ordinal)
                : r.LastIndexOf($" {c} ", StringComparison.Ordinal);
            if (at > bestAt) { bestAt = at; best = c; }
        }
        return best;
    }

    /// <summary>
    /// lmms-eval AI2D: take the letter of a leading "X." if present, else the whole response; correct iff it
    /// equals the target letter ignoring case and ASCII punctuation (whitespace is NOT ignored).
    /// </summary>
    public static bool LmmsEvalExactMatch(string response, string targetLetter)
    {
        Match m = LeadingLetter().Match(response);
        string filtered = m.Success ? m.Groups[1].Value : response;
        return StripPunctLower(filtered) == StripPunctLower(targetLetter);
    }

    static string StripPunctLower(string s)
    {
        const string punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
        return VqaNormalizer.Lower(new string(s.Where(c => !punctuation.Contains(c)).ToArray()));
    }

    /// <summary>
    /// The gold letter of a multiple-choice record: the answer itself if it is a choice key, else the key
    /// whose option text equals the answer; null if neither.
    /// </summary>
    public static string? GoldLetter(PredictionRecord r)
    {
        string gold = r.Answers.Count > 0 ? r.Answers[0].Trim() : "";
        if (r.Choices is null) return null;
        if (r.Choices.ContainsKey(gold)) return gold;
        foreach (var (k, v) in r.Choices)
            if (string.Equals(v.Trim(), gold, StringComparison.Ordinal)) return k;
        return null;
    }
}
