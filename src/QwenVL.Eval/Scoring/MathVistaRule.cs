// MathVista scored WITHOUT an LLM judge: the rule-based prefetch of VLMEvalKit / lmms-eval, then a
// deterministic extractor (quoted "The answer is X", "answer: X", last number, option letter) standing
// in for the GPT extraction step, then each framework's check. Under-scores verbose outputs vs judged numbers.
using System.Text.RegularExpressions;

namespace QwenVL.Eval.Scoring;

/// <summary>Outcome of one MathVista item.</summary>
/// <param name="Correct">Whether the extracted answer matches.</param>
/// <param name="Extracted">The extracted answer (null when nothing could be extracted).</param>
public readonly record struct MathVistaResult(bool Correct, string? Extracted);

/// <summary>Judge-free MathVista scoring ("MathVista-rule").</summary>
public static partial class MathVistaRule
{
    [GeneratedRegex(@"The answer is ""(.*)""\.")]
    private static partial Regex QuickExtract();

    [GeneratedRegex(@"(?:final\s+answer|answer)\s*(?:is|:)\s*[:\s]*\**\s*([^\n]+)", RegexOptions.IgnoreCase)]
    private static partial Regex AnswerIs();

    [GeneratedRegex(@"\(([a-zA-Z])\)")]
    private static partial Regex BracketLetter();

    [GeneratedRegex(@"-?\d+(?:\.\d+)?")]
    private static partial Regex Number();

    /// <summary>
    /// Scores one item. Record fields: QuestionType (multi_choice | free_form), Extra["answer_type"]
    /// (text | integer | float | list), Extra["precision"], Choices (letters to option text), Answers[0].
    /// </summary>
    public static MathVistaResult Score(PredictionRecord r, string mode)
    {
        string qt = r.QuestionType ?? (r.Choices is { Count: > 0 } ? "multi_choice" : "free_form");
        string at = r.Extra?.GetValueOrDefault("answer_type") ?? "text";
        string answer = r.Answers[0];
        string pred = r.Prediction;
        return mode == "lmms-eval" ? ScoreLmms(r, qt, at, answer, pred) : ScoreVlmEvalKit(r, qt, at, answer, pred);
    }

    static MathVistaResult ScoreVlmEvalKit(PredictionRecord r, string qt, string at, string answer, string pred)
    {
        if (qt == "multi_choice" && r.Choices is { Count: > 0 } choices)
        {
            // VLMEvalKit compares with the TSV's answer_option letter; derive it from the answer text otherwise.
            string? gold = r.Extra?.GetValueOrDefault("answer_option") ?? ChoiceExtraction.GoldLetter(r);
            // Prefetch on the raw prediction, then on the rule-extracted phrase (in place of the judge).
            string? letter = ChoiceExtraction.CanInfer(pred, choices);
            if (letter is null && Extract(pred, numeric: false) is { } phrase) letter = ChoiceExtraction.CanInfer(phrase, choices);
            return new MathVistaResult(letter is not null && letter == gold, letter);
        }
        if (at == "integer")
        {
            string? x = PyNumber.Int(pred) is not null ? pred.Trim() : Extract(pred, numeric: true);
            bool ok = x is not null && PyNumber.Int(x) is { } v && PyNumber.Int(answer) is { } a && v == a;
            return new MathVistaResult(ok, x);
        }
        if (at == "float")
        {
            string? x = PyNumber.Float(pred) is not null ? pred.Trim() : Extract(pred, numeric: true);
            // Exact float equality, no rounding to the stated precision (VLMEvalKit post_check).
            bool ok = x is not null && PyNumber.Float(x) is { } v && PyNumber.Float(answer) is { } a && v == a;
            return new MathVistaResult(ok, x);
        }
        // text / list: VLMEvalKit's post_check compares str(None) with the answer, so these never score (upstream bug).
        return new MathVistaResult(false, Extract(pred, numeric: false));
    }

    static MathVistaResult ScoreLmms(PredictionRecord r, string qt, string at, string answer, string pred)
    {
        string? extraction;
        var choiceTexts = r.Choices is null ? [] : r.Choices.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value).ToList();
        if (qt == "multi_choice" && choiceTexts.Contains(pred)) extraction = pred;
        else if (at == "integer" && PyNumber.Int(pred) is { } iv) extraction = iv.ToString(System.Globalization.CultureInfo.InvariantCulture);
        else if (at == "float" && PyNumber.Float(pred) is { } fv) extraction = PyNumber.Repr(fv);
        else if (QuickExtract().Match(pred) is { Success: true } q) extraction = q.Groups[1].Value;
        else
        {
            // Stand-in for the GPT extraction: "answer is X", the last number, or the whole short response.
            bool numeric = at is "integer" or "float";
            extraction = Extract(pred, numeric) ?? (numeric || pred.Trim().Length == 0 ? null : pred.Trim());
        }
        if (extraction is null) return new MathVistaResult(false, null);

        string? normalised = Normalise(extraction, choiceTexts, qt, at, r.Extra?.GetValueOrDefault("precision"));
        // For multiple choice the gold may be given as the option letter; compare texts.
        string gold = qt == "multi_choice" && r.Choices is not null && r.Choices.TryGetValue(answer.Trim(), out string? t) ? t : answer;
        return new MathVistaResult(normalised is not null && normalised.Trim() == gold.Trim(), normalised);
    }

    // normalize_extracted_answer (lmms-eval): "(X)" or bare letter to option text, else the closest option
    // by Levenshtein; integer -> str(int(float(x))); float -> str(round(float(x), precision)).
    static string? Normalise(string x, List<string> choices, string qt, string at, string? precision)
    {
        if (qt == "multi_choice" && choices.Count > 0)
        {
            x = x.Trim();
            Match m = BracketLetter().Match(x);
            if (m.Success) x = m.Groups[1].Value.ToUpperInvariant();
            int idx = x.Length == 1 ? x[0] - 'A' : -1;
            if (idx >= 0 && idx < choices.Count) return choices[idx];
            int[] xc = VqaNormalizer.CodePoints(x);
            return choices.MinBy(c => TextMetrics.Levenshtein(xc, VqaNormalizer.CodePoints(c)));
        }
        if (at == "integer") return PyNumber.Float(x) is { } v && !double.IsNaN(v) && !double.IsInfinity(v)
            ? ((long)Math.Truncate(v)).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        if (at == "float")
        {
            int digits = int.TryParse(precision, out int p) ? p : 0;
            if (!int.TryParse(precision, out _) && double.TryParse(precision, System.Globalization.CultureInfo.InvariantCulture, out double pd)) digits = (int)pd;
            return PyNumber.Float(x) is { } v ? PyNumber.Repr(Math.Round(v, digits, MidpointRounding.ToEven)) : null;
        }
        return x;
    }

    /// <summary>
    /// The deterministic stand-in for the judge: text after the last "answer is" / "answer:", else (for
    /// numeric answers) the last number in the response; null when nothing is found.
    /// </summary>
    public static string? Extract(string response, bool numeric)
    {
        MatchCollection ms = AnswerIs().Matches(response);
        string? phrase = ms.Count > 0 ? ms[^1].Groups[1].Value.Trim().TrimEnd('.').Trim('*', ' ', '"', '$') : null;
        if (!numeric) return string.IsNullOrEmpty(phrase) ? null : phrase;
        if (phrase is not null && Number().Match(phrase) is { Success: true } first) return first.Value;
        MatchCollection nums = Number().Matches(response);
        return nums.Count > 0 ? nums[^1].Value : null;
    }
}
