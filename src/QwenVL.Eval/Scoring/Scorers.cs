// One function per benchmark: applies the item metric chosen by the mode, fills the accumulator
// (item scores, buckets, failure counts, notes). Items missing a field their metric needs are skipped
// and reported, never guessed. The metrics themselves live in TextMetrics, ChoiceExtraction, etc.
namespace QwenVL.Eval.Scoring;

/// <summary>Per-benchmark scoring.</summary>
internal static class Scorers
{
    public static IReadOnlyCollection<double>? Anls(List<PredictionRecord> items, ScoreOptions o, ScoreAccumulator acc)
    {
        // All three anchors at HEAD divide the edit distance by the RAW string lengths (VLMEvalKit e8e78f05,
        // lmms-eval 75571cfe, RRC script); only older VLMEvalKit snapshots used the normalised lengths.
        const AnlsLength len = AnlsLength.Raw;
        acc.Notes.Add($"ANLS, threshold {TextMetrics.AnlsThreshold}, max over answers, distance / max raw length");
        foreach (var r in items) acc.Add(r.Id, TextMetrics.Anls(r.Prediction, r.Answers, len), r.QuestionType);
        return null;
    }

    public static IReadOnlyCollection<double>? ChartQa(List<PredictionRecord> items, ScoreOptions o, ScoreAccumulator acc)
    {
        int swappedHits = 0, fixedHits = 0;
        foreach (var r in items)
        {
            // VLMEvalKit strips the prediction; lmms-eval passes it as generated.
            string pred = o.Mode == "lmms-eval" ? r.Prediction : r.Prediction.Trim();
            bool hit = r.Answers.Any(gt => TextMetrics.RelaxedCorrectness(gt, pred));
            if (hit) fixedHits++;
            if (r.Answers.Any(gt => TextMetrics.RelaxedCorrectness(pred, gt))) swappedHits++;
            string? type = r.QuestionType ?? r.Extra?.GetValueOrDefault("type");
            acc.Add(r.Id, hit ? 1 : 0, type is null ? null : "type:" + type);
        }
        acc.Notes.Add("relaxed accuracy, 5% tolerance, order relaxed_correctness(target, prediction) (fixed, VLMEvalKit >= 677e30a5); "
            + "sub-score relaxed_pred_target is the swapped pre-Sept-2025 Qwen-VL/VLMEvalKit order");
        acc.SetSubScore("relaxed_target_pred", items.Count == 0 ? 0 : 100.0 * fixedHits / items.Count);
        acc.SetSubScore("relaxed_pred_target", items.Count == 0 ? 0 : 100.0 * swappedHits / items.Count);
        return null;
    }

    public static IReadOnlyCollection<double>? TextVqa(List<PredictionRecord> items, ScoreOptions o, ScoreAccumulator acc)
    {
        acc.Notes.Add(o.Mode switch
        {
            "official" => "VQA accuracy, official GT-Vision-Lab normaliser (normalises only when the answers differ)",
            "lmms-eval" => "VQA accuracy, EvalAI normaliser (lmms-eval / TextVQA server)",
            _ => "VQA accuracy, VLMEvalKit normaliser",
        });
        foreach (var r in items) acc.Add(r.Id, TextMetrics.VqaScore(r.Prediction, r.Answers, o.Mode), r.QuestionType);
        return null;
    }

    public static IReadOnlyCollection<double>? VanillaChoice(List<PredictionRecord> items, ScoreOptions o, ScoreAccumulator acc)
    {
        bool lmms = o.Mode == "lmms-eval";
        acc.Notes.Add(lmms ? "lmms-eval MultiChoiceRegexFilter + exact match (case and punctuation ignored)"
            : "VLMEvalKit exact_matching: can_infer (letter, then option text); no LLM judge, unmatched answers count wrong");
        foreach (var r in items)
        {
            if (r.Choices is not { Count: > 0 } choices || ChoiceExtraction.GoldLetter(r) is not { } gold) { acc.Skip(r.Id, "choices/answer letter"); continue; }
            bool hit;
            if (lmms) hit = ChoiceExtraction.LmmsEvalExactMatch(r.Prediction, gold);
            else
            {
                string? letter = ChoiceExtraction.CanInfer(r.Prediction, choices);
                if (letter is null) acc.ExtractionFailures++;
                hit = letter == gold;
            }
            acc.Add(r.Id, hit ? 1 : 0, Category(r));
        }
        return null;
    }

    public static IReadOnlyCollection<double>? Mmmu(List<PredictionRecord> items, ScoreOptions o, ScoreAccumulator acc)
    {
        bool vk = o.Mode == "vlmevalkit";
        var rng = new Random(o.Seed);
        acc.Notes.Add(vk ? "VLMEvalKit MMMU: open questions as 2-way MCQ (A = gold, B = 'Other Answers'), can_infer, no LLM judge"
            : $"official MMMU parser (lmms-eval); random fallback seeded with {o.Seed} (System.Random, not Python's, so the letters differ from upstream)");
        foreach (var r in items)
        {
            bool open = r.QuestionType == "open" || r.Choices is not { Count: > 0 };
            bool hit;
            if (vk)
            {
                var choices = open ? new Dictionary<string, string> { ["A"] = r.Answers[0], ["B"] = "Other Answers" } : r.Choices!;
                string? gold = open ? "A" : ChoiceExtraction.GoldLetter(r);
                if (gold is null) { acc.Skip(r.Id, "answer letter"); continue; }
                string? letter = ChoiceExtraction.CanInfer(r.Prediction, choices);
                if (letter is null) acc.ExtractionFailures++;
                hit = letter == gold;
            }
            else if (open) hit = MmmuOpen.IsCorrect(r.Answers, MmmuOpen.Parse(r.Prediction));
            else
            {
                if (ChoiceExtraction.GoldLetter(r) is not { } gold) { acc.Skip(r.Id, "answer letter"); continue; }
                string letter = ChoiceExtraction.ParseMmmu(r.Prediction, r.Choices!, rng, out bool fallback);
                if (fallback) { acc.RandomFallbacks++; acc.ExtractionFailures++; }
                hit = letter == gold;
            }
            acc.Add(r.Id, hit ? 1 : 0, open ? "question_type:open" : "question_type:multiple-choice", Subject(r));
        }
        return null;
    }

    public static IReadOnlyCollection<double>? MathVista(List<PredictionRecord> items, ScoreOptions o, ScoreAccumulator acc)
    {
        acc.Notes.Add("MathVista-rule: rule-based extraction, NO LLM judge (upstream uses GPT extraction); expect <= judged numbers for verbose outputs");
        if (o.Mode != "lmms-eval") acc.Notes.Add("VLMEvalKit post_check: text/list answers never score (upstream str(None) bug reproduced)");
        foreach (var r in items)
        {
            MathVistaResult res = MathVistaRule.Score(r, o.Mode);
            if (res.Extracted is null) acc.ExtractionFailures++;
            string? at = r.Extra?.GetValueOrDefault("answer_type");
            acc.Add(r.Id, res.Correct ? 1 : 0, r.QuestionType is null ? null : "question_type:" + r.QuestionType,
                at is null ? null : "answer_type:" + at, Category(r));
        }
        return null;
    }

    public static IReadOnlyCollection<double> Circular(List<PredictionRecord> items, ScoreAccumulator acc)
    {
        acc.Notes.Add("circular evaluation: a question counts only if every rotation is right; can_infer, no LLM judge (unmatched = wrong)");
        var groups = new Dictionary<string, List<PredictionRecord>>(StringComparer.Ordinal);
        foreach (var r in items)
        {
            // VLMEvalKit g_index = index % 1e6 when no explicit group is given.
            string g = r.Group ?? (long.TryParse(r.Id, out long idx) ? (idx % 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture) : r.Id);
            if (!groups.TryGetValue(g, out var list)) groups[g] = list = [];
            list.Add(r);
        }
        var units = new List<double>();
        int vanillaHits = 0;
        foreach (var (g, rows) in groups)
        {
            bool all = true;
            var hits = new Dictionary<string, bool>(StringComparer.Ordinal);
            foreach (var r in rows)
            {
                string? gold = ChoiceExtraction.GoldLetter(r);
                string? letter = r.Choices is { Count: > 0 } c ? ChoiceExtraction.CanInfer(r.Prediction, c) : null;
                if (letter is null) acc.ExtractionFailures++;
                hits[r.Id] = gold is not null && letter == gold;
                all &= hits[r.Id];
            }
            // The main row is the one whose id equals the group (index == g_index), else the first.
            PredictionRecord main = rows.FirstOrDefault(r => r.Id == g) ?? rows[0];
            if (hits[main.Id]) vanillaHits++;
            foreach (var r in rows) acc.Add(r.Id, all ? 1 : 0);
            units.Add(all ? 1 : 0);
            acc.AddBucketOnly(all ? 1 : 0, Category(main), main.Extra?.GetValueOrDefault("l2-category") is { } l2 ? "l2-category:" + l2 : null);
        }
        acc.SetSubScore("vanilla_main_rows", groups.Count == 0 ? 0 : 100.0 * vanillaHits / groups.Count);
        acc.Notes.Add($"{groups.Count} circular groups from {items.Count} rows; item_scores give each row its group's result");
        return units;
    }

    public static IReadOnlyCollection<double>? OcrBench(List<PredictionRecord> items, ScoreOptions o, ScoreAccumulator acc)
    {
        bool fold = o.Mode == "lmms-eval";
        int hits = 0;
        var groupHits = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in items)
        {
            string? cat = r.QuestionType ?? r.Extra?.GetValueOrDefault("category") ?? r.Extra?.GetValueOrDefault("dataset");
            bool hit = TextMetrics.OcrBenchHit(r.Prediction, r.Answers, cat, fold);
            if (hit)
            {
                hits++;
                // VLMEvalKit's report: the six recognition categories are summed into "Text Recognition" (max 300).
                string group = cat is not null && cat.EndsWith("Recognition", StringComparison.Ordinal) && cat != TextMetrics.HmeCategory
                    ? "Text Recognition" : cat ?? "uncategorised";
                groupHits[group] = groupHits.GetValueOrDefault(group) + 1;
            }
            acc.Add(r.Id, hit ? 1 : 0, cat is null ? null : "category:" + cat);
        }
        acc.SetSubScore("final_score", hits);
        foreach (var (group, n) in groupHits) acc.SetSubScore("count:" + group, n);
        acc.Notes.Add($"OCRBench substring match{(fold ? " with full-width folding (lmms-eval)" : "")}; score = final_score / items x 100 (= 'Final Score Norm' for 1000 items); sub-scores final_score and count:* are counts, not percentages");
        return null;
    }

    public static IReadOnlyCollection<double>? RefCoco(List<PredictionRecord> items, ScoreOptions o, ScoreAccumulator acc)
    {
        var (minPx, maxPx) = BoxScoring.PixelLimits(o.Mode);
        acc.Notes.Add($"Acc@IoU>={BoxScoring.IouThreshold}; boxes decoded per family; qwen2.5-vl resized size from resized_size or smart_resize({minPx}..{maxPx} px)");
        foreach (var r in items)
        {
            if (r.ImageSize is not { } size) { acc.Skip(r.Id, "image_size"); continue; }
            if (BoxScoring.FirstFour(r.Answers[0]) is not { Length: 4 } g) { acc.Skip(r.Id, "answer box"); continue; }
            // COCO annotations are x, y, width, height; the comparison needs corners.
            if (r.Extra?.GetValueOrDefault("bbox_format") == "xywh") g = [g[0], g[1], g[0] + g[2], g[1] + g[3]];
            long min = long.TryParse(r.Extra?.GetValueOrDefault("min_pixels"), out long mn) ? mn : minPx;
            long max = long.TryParse(r.Extra?.GetValueOrDefault("max_pixels"), out long mx) ? mx : maxPx;
            var resized = r.ResizedSize ?? (r.Family == "qwen2.5-vl" ? BoxScoring.ResizedSize(size.Width, size.Height, min, max) : size);
            Box? p = BoxScoring.Decode(r.Prediction, r.Family, size.Width, size.Height, resized);
            if (p is null) acc.ExtractionFailures++;
            double iou = p is { } pb ? BoxScoring.Iou(pb, new Box(g[0], g[1], g[2], g[3])) : 0;
            acc.Add(r.Id, iou >= BoxScoring.IouThreshold ? 1 : 0, r.Extra?.GetValueOrDefault("split") is { } s ? "split:" + s : null);
        }
        if (items.Any(r => r.Family is not ("qwen2-vl" or "qwen2.5-vl" or "qwen3-vl")))
            acc.Notes.Add("some items had no known family; VLMEvalKit's generic box scaling heuristic was used for them");
        return null;
    }

    static string? Category(PredictionRecord r) => r.Extra?.GetValueOrDefault("category") is { } c ? "category:" + c : null;

    // MMMU ids look like validation_Art_Theory_12: the subject is between the split and the number.
    static string? Subject(PredictionRecord r)
    {
        if (r.Extra?.GetValueOrDefault("subject") is { } s) return "subject:" + s;
        int first = r.Id.IndexOf('_', StringComparison.Ordinal), last = r.Id.LastIndexOf('_');
        return first >= 0 && last > first ? "subject:" + r.Id[(first + 1)..last] : null;
    }
}
