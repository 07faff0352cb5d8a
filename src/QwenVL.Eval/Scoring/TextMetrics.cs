// Per-item text metrics: ANLS (DocVQA/InfoVQA), ChartQA relaxed accuracy in both argument orders,
// VQA accuracy (10 annotators, leave-one-out) and OCRBench substring hits. Each returns a value in
// [0,1] for one item; averaging and reporting happen in BenchmarkScorer. No answer extraction here.
using System.Globalization;

namespace QwenVL.Eval.Scoring;

/// <summary>Which string lengths divide the ANLS edit distance.</summary>
public enum AnlsLength
{
    /// <summary>Lengths of the raw strings: official RRC script, lmms-eval, VLMEvalKit HEAD (len(gt.upper())).</summary>
    Raw,

    /// <summary>Lengths of the normalised strings: older VLMEvalKit snapshots (e.g. 0a04a1d2); not the default.</summary>
    Normalised,
}

/// <summary>Text metrics for one item.</summary>
public static class TextMetrics
{
    /// <summary>ANLS threshold: an item scoring below 0.5 counts 0; exactly 0.5 is kept.</summary>
    public const double AnlsThreshold = 0.5;

    /// <summary>ChartQA relative tolerance for numeric answers (5 %).</summary>
    public const double RelaxedTolerance = 0.05;

    /// <summary>ANLS of one prediction against its answers: 1 - min normalised Levenshtein, zeroed below 0.5.</summary>
    public static double Anls(string prediction, IReadOnlyList<string> answers, AnlsLength length = AnlsLength.Raw)
    {
        double best = double.PositiveInfinity;
        int[] det = VqaNormalizer.CodePoints(VqaNormalizer.CollapseWs(VqaNormalizer.Lower(prediction.Trim())));
        foreach (string gt in answers)
        {
            int[] gtNorm = VqaNormalizer.CodePoints(VqaNormalizer.CollapseWs(VqaNormalizer.Lower(gt.Trim())));
            int d = Levenshtein(gtNorm, det);
            int len = length == AnlsLength.Normalised
                ? Math.Max(gtNorm.Length, det.Length)
                : Math.Max(VqaNormalizer.CodePoints(gt).Length, VqaNormalizer.CodePoints(prediction).Length);
            best = Math.Min(best, len == 0 ? 0.0 : (double)d / len);
        }
        double s = 1 - best;
        return s < AnlsThreshold ? 0.0 : s;
    }

    /// <summary>Levenshtein distance with unit costs over code points.</summary>
    public static int Levenshtein(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        if (a.Length > b.Length) { var t = a; a = b; b = t; }
        var prev = new int[a.Length + 1];
        var cur = new int[a.Length + 1];
        for (int i = 0; i <= a.Length; i++) prev[i] = i;
        for (int j = 0; j < b.Length; j++)
        {
            cur[0] = j + 1;
            for (int i = 0; i < a.Length; i++)
                cur[i + 1] = a[i] == b[j] ? prev[i] : 1 + Math.Min(prev[i], Math.Min(prev[i + 1], cur[i]));
            (prev, cur) = (cur, prev);
        }
        return prev[a.Length];
    }

    /// <summary>
    /// pix2struct / VLMEvalKit relaxed_correctness(target, prediction): numeric within 5 % of a non-zero
    /// target, otherwise case-insensitive equality. Pass the arguments swapped to reproduce the
    /// pre-Sept-2025 Qwen-VL / VLMEvalKit order (tolerance relative to the prediction).
    /// </summary>
    public static bool RelaxedCorrectness(string target, string prediction)
    {
        double? p = ToFloat(prediction);
        double? t = ToFloat(target);
        // A target of 0 is falsy in Python, so it falls through to the string comparison ("0.0" != "0").
        if (p is { } pv && t is { } tv && tv != 0)
            return Math.Abs(pv - tv) / Math.Abs(tv) <= RelaxedTolerance;
        return VqaNormalizer.Lower(prediction) == VqaNormalizer.Lower(target);
    }

    // _to_float: a trailing '%' divides by 100 ("45%" -> 0.45); no comma stripping ("1,000" is text).
    static double? ToFloat(string text) =>
        text.EndsWith('%') ? PyNumber.Float(text.TrimEnd('%')) is { } v ? v / 100.0 : null : PyNumber.Float(text);

    /// <summary>
    /// VQA accuracy over already-normalised answers: mean over the leave-one-out subsets of
    /// min(1, matches/3). With 10 answers k matches give 0, 0.3, 0.6, 0.9, 1.0 for k = 0..4+.
    /// </summary>
    public static double VqaAccuracy(string normalisedPrediction, IReadOnlyList<string> normalisedAnswers)
    {
        if (normalisedAnswers.Count == 0) return 0;
        int k = normalisedAnswers.Count(a => a == normalisedPrediction);
        double sum = 0;
        foreach (string a in normalisedAnswers)
        {
            int others = k - (a == normalisedPrediction ? 1 : 0);
            sum += Math.Min(1.0, others / 3.0);
        }
        return sum / normalisedAnswers.Count;
    }

    /// <summary>VQA accuracy with the named normaliser: "official", "vlmevalkit" or "lmms-eval" (EvalAI).</summary>
    public static double VqaScore(string prediction, IReadOnlyList<string> answers, string mode)
    {
        switch (mode)
        {
            case "official":
            {
                string pred = VqaNormalizer.OfficialBasic(prediction);
                var gts = answers.Select(VqaNormalizer.OfficialBasic).ToList();
                // Normalise only if the answers are not all identical (so 10x "yes" vs "Yes" scores 0).
                if (gts.Distinct(StringComparer.Ordinal).Count() > 1)
                {
                    pred = VqaNormalizer.Official(pred);
                    gts = gts.Select(VqaNormalizer.Official).ToList();
                }
                return VqaAccuracy(pred, gts);
            }
            case "lmms-eval":
                return VqaAccuracy(VqaNormalizer.EvalAi(prediction), answers.Select(VqaNormalizer.EvalAi).ToList());
            default:
                return VqaAccuracy(VqaNormalizer.VlmEvalKit(prediction), answers.Select(VqaNormalizer.VlmEvalKit).ToList());
        }
    }

    /// <summary>OCRBench category whose comparison keeps case and drops all spaces.</summary>
    public const string HmeCategory = "Handwritten Mathematical Expression Recognition";

    /// <summary>
    /// OCRBench hit: any answer is a SUBSTRING of the prediction (lower-cased, newlines to spaces);
    /// HME keeps case and removes every space. <paramref name="foldFullWidth"/> reproduces lmms-eval's
    /// full-width ASCII folding (U+FF01-FF5E, U+3000), which it skips for HME.
    /// </summary>
    public static bool OcrBenchHit(string prediction, IReadOnlyList<string> answers, string? category, bool foldFullWidth)
    {
        bool hme = category is HmeCategory or "HME100k";
        foreach (string gt in answers)
        {
            string a, p;
            if (hme)
            {
                a = gt.Trim().Replace("\n", " ", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
                p = prediction.Trim().Replace("\n", " ", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
            }
            else
            {
                string g0 = foldFullWidth ? FoldFullWidth(gt) : gt;
                string p0 = foldFullWidth ? FoldFullWidth(prediction) : prediction;
                a = VqaNormalizer.Lower(g0).Trim().Replace("\n", " ", StringComparison.Ordinal);
                p = VqaNormalizer.Lower(p0).Trim().Replace("\n", " ", StringComparison.Ordinal);
            }
            if (p.Contains(a, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>Full-width ASCII (U+FF01-FF5E) to ASCII and the ideographic space U+3000 to ' '.</summary>
    public static string FoldFullWidth(string s) => string.Create(s.Length, s, static (span, src) =>
    {
        for (int i = 0; i < src.Length; i++)
        {
            char c = src[i];
            span[i] = c is >= '\uFF01' and <= '\uFF5E' ? (char)(c - 0xFEE0) : c == '\u3000' ? ' ' : c;
        }
    });

    /// <summary>pix2struct exact match: case-sensitive equality with any answer.</summary>
    public static bool ExactMatch(string prediction, IReadOnlyList<string> answers) => answers.Contains(prediction);
}

/// <summary>Python float()/int() parsing rules, which the reference scorers rely on.</summary>
public static class PyNumber
{
    /// <summary>Python float(s): surrounding whitespace allowed, inf/nan words, no thousands separators.</summary>
    public static double? Float(string s)
    {
        string t = s.Trim();
        if (t.Length == 0) return null;
        string bare = t.TrimStart('+', '-').ToLowerInvariant();
        if (bare is "inf" or "infinity") return t.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
        if (bare is "nan") return double.NaN;
        if (!char.IsAsciiDigit(t[^1]) && t[^1] != '.') return null;
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;
    }

    /// <summary>Python int(s): optional sign and digits only (no '.', no exponent).</summary>
    public static long? Int(string s)
    {
        string t = s.Trim();
        return t.Length > 0 && long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v : null;
    }

    /// <summary>Python repr of a float: "2.0" for whole numbers, shortest round-trip otherwise.</summary>
    public static string Repr(double v)
    {
        if (double.IsNaN(v)) return "nan";
        if (double.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
        if (v == Math.Floor(v) && Math.Abs(v) < 1e16) return v.ToString("F1", CultureInfo.InvariantCulture);
        return v.ToString("R", CultureInfo.InvariantCulture);
    }
}
