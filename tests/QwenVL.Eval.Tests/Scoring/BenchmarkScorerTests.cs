// BenchmarkScorer end to end on hand-built records: dispatch and argument errors, mode-dependent
// results, circular grouping (3 of 4 rotations right scores 0), both ChartQA orders, MMMU fallbacks,
// OCRBench counts, RefCOCO per family and the report's counts and notes. Tolerance 1e-9 on percentages.
using QwenVL.Eval.Scoring;

namespace QwenVL.Eval.Tests.Scoring;

public sealed class BenchmarkScorerTests
{
    static readonly ScoreOptions Vk = new();
    static readonly Dictionary<string, string> Abcd = new() { ["A"] = "cat", ["B"] = "dog", ["C"] = "bird", ["D"] = "fish" };

    static PredictionRecord Rec(string id, string pred, params string[] answers) => new(id, pred, answers);

    [Fact]
    public void Score_UnknownBenchmark_ThrowsListingKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => BenchmarkScorer.Score("nope", [], Vk));
        Assert.Contains("docvqa_val", e.Message);
        Assert.Contains("refcoco_val", e.Message);
        Assert.Throws<ArgumentException>(() => BenchmarkScorer.Score("docvqa_val", [], new ScoreOptions("judge")));
        Assert.Equal(10, BenchmarkScorer.Benchmarks.Count);
    }

    [Fact]
    public void Score_DocVqa_MeanAnlsTimes100AndLastDuplicateWins()
    {
        ScoreReport r = BenchmarkScorer.Score("docvqa_val", [Rec("1", "wrong", "abc"), Rec("1", "abd", "abc"), Rec("2", "helo", "hello")], Vk);
        Assert.Equal(2, r.Count);
        Assert.Equal(100 * (2 / 3.0 + 0.8) / 2, r.Score, 9);
        Assert.Equal(2 / 3.0, r.ItemScores["1"], 9);
        Assert.Contains(r.Notes, n => n.Contains("duplicate", StringComparison.Ordinal));
    }

    [Fact]
    public void Score_ChartQa_ReportsBothArgumentOrders()
    {
        ScoreReport r = BenchmarkScorer.Score("chartqa_test",
            [Rec("1", "95", "100") with { QuestionType = "human_test" }, Rec("2", " 12 ", "12") with { QuestionType = "augmented_test" }], Vk);
        Assert.Equal(100, r.Score, 9);
        Assert.Equal(100, r.SubScores["relaxed_target_pred"], 9);
        Assert.Equal(50, r.SubScores["relaxed_pred_target"], 9);
        Assert.Equal(100, r.SubScores["type:human_test"], 9);
        Assert.Contains(r.Notes, n => n.Contains("relaxed_correctness(target, prediction)", StringComparison.Ordinal));
    }

    [Fact]
    public void Score_TextVqa_ModeSelectsNormaliser()
    {
        PredictionRecord[] items = [Rec("1", "5.", [.. Enumerable.Repeat("5", 10)])];
        Assert.Equal(0, BenchmarkScorer.Score("textvqa_val", items, Vk).Score, 9);
        Assert.Equal(100, BenchmarkScorer.Score("textvqa_val", items, new ScoreOptions("lmms-eval")).Score, 9);
    }

    [Fact]
    public void Score_Ai2d_CountsExtractionFailuresAsWrong()
    {
        ScoreReport r = BenchmarkScorer.Score("ai2d_test",
            [Rec("1", "B", "B") with { Choices = Abcd }, Rec("2", "maybe cat or dog", "A") with { Choices = Abcd }, Rec("3", "no choices", "A")], Vk);
        Assert.Equal(2, r.Count);
        Assert.Equal(50, r.Score, 9);
        Assert.Equal(1, r.ExtractionFailures);
        Assert.Contains(r.Notes, n => n.Contains("3 (choices", StringComparison.Ordinal));
    }

    [Fact]
    public void Score_MmbenchCircular_ThreeOfFourRotationsScoresZero()
    {
        // Group 7: four rotations, the answer re-lettered in each; the model is right on three.
        PredictionRecord[] rows =
        [
            Rec("7", "A", "A") with { Choices = Abcd, Group = "7" },
            Rec("1000007", "B", "B") with { Choices = Abcd, Group = "7" },
            Rec("2000007", "C", "C") with { Choices = Abcd, Group = "7" },
            Rec("3000007", "A", "D") with { Choices = Abcd, Group = "7" },
            // Group 8 (g_index from the id, no explicit group): both rotations right.
            Rec("8", "B", "B") with { Choices = Abcd },
            Rec("1000008", "C", "C") with { Choices = Abcd },
        ];
        ScoreReport r = BenchmarkScorer.Score("mmbench_dev_cn", rows, Vk);
        Assert.Equal(2, r.Count);
        Assert.Equal(50, r.Score, 9);
        Assert.Equal(0, r.ItemScores["1000007"], 9);
        Assert.Equal(1, r.ItemScores["1000008"], 9);
        // Vanilla scoring of the main rows alone would give 100.
        Assert.Equal(100, r.SubScores["vanilla_main_rows"], 9);
    }

    [Fact]
    public void Score_MmmuLmmsEval_RandomFallbackCountedAndSeedRepeatable()
    {
        PredictionRecord[] items =
        [
            Rec("validation_Art_1", "(B)", "B") with { Choices = Abcd, QuestionType = "multiple-choice" },
            Rec("validation_Art_2", "no idea", "C") with { Choices = Abcd, QuestionType = "multiple-choice" },
            Rec("validation_Math_1", "x = 5", "5") with { QuestionType = "open" },
        ];
        var o = new ScoreOptions("lmms-eval", Seed: 3);
        ScoreReport a = BenchmarkScorer.Score("mmmu_val", items, o);
        ScoreReport b = BenchmarkScorer.Score("mmmu_val", items, o);
        Assert.Equal(1, a.RandomFallbacks);
        Assert.Equal(a.ItemScores["validation_Art_2"], b.ItemScores["validation_Art_2"]);
        Assert.Equal(1, a.ItemScores["validation_Art_1"], 9);
        Assert.Equal(1, a.ItemScores["validation_Math_1"], 9);
        Assert.True(a.SubScores.ContainsKey("subject:Art"));
    }

    [Fact]
    public void Score_MmmuVlmEvalKit_OpenQuestionBecomesTwoWayChoice()
    {
        ScoreReport r = BenchmarkScorer.Score("mmmu_val",
            [Rec("validation_Math_1", "42", "42") with { QuestionType = "open" }, Rec("validation_Math_2", "7", "42") with { QuestionType = "open" }], Vk);
        Assert.Equal(50, r.Score, 9);
        Assert.Equal(0, r.RandomFallbacks);
    }

    [Fact]
    public void Score_MathVista_NotesSayNoJudge()
    {
        ScoreReport r = BenchmarkScorer.Score("mathvista_testmini",
            [Rec("1", "12", "12") with { QuestionType = "free_form", Extra = new Dictionary<string, string> { ["answer_type"] = "integer" } }], Vk);
        Assert.Equal(100, r.Score, 9);
        Assert.Contains(r.Notes, n => n.Contains("NO LLM judge", StringComparison.Ordinal));
    }

    [Fact]
    public void Score_OcrBench_FinalScoreIsACount()
    {
        ScoreReport r = BenchmarkScorer.Score("ocrbench",
        [
            Rec("1", "The sign says STOP", "stop") with { QuestionType = "Regular Text Recognition" },
            Rec("2", "go", "stop") with { QuestionType = "Artistic Text Recognition" },
            Rec("3", "x^2", "x^2") with { QuestionType = TextMetrics.HmeCategory },
        ], Vk);
        Assert.Equal(2, r.SubScores["final_score"], 9);
        Assert.Equal(1, r.SubScores["count:Text Recognition"], 9);
        Assert.Equal(1, r.SubScores["count:" + TextMetrics.HmeCategory], 9);
        Assert.Equal(200 / 3.0, r.Score, 9);
    }

    [Fact]
    public void Score_RefCoco_Qwen25UsesSmartResizeAndMissingSizeIsSkipped()
    {
        ScoreReport r = BenchmarkScorer.Score("refcoco_val",
        [
            // 1000x500 under VLMEvalKit limits resizes to 1428x728 (see BoxScoringTests).
            Rec("1", "{\"bbox_2d\": [714, 364, 1428, 728]}", "[500, 250, 1000, 500]") with { ImageSize = (1000, 500), Family = "qwen2.5-vl" },
            Rec("2", "<|box_start|>(500,500),(1000,1000)<|box_end|>", "[500, 250, 1000, 500]") with { ImageSize = (1000, 500), Family = "qwen2-vl" },
            Rec("3", "[0, 0, 10, 10]", "[500, 250, 1000, 500]") with { ImageSize = (1000, 500), Family = "qwen3-vl" },
            Rec("4", "[0, 0, 10, 10]", "[0, 0, 10, 10]"),
            // COCO xywh ground truth [500, 250, 500, 250] is the same box as corners [500, 250, 1000, 500].
            Rec("5", "[{\"bbox_2d\": [500, 500, 1000, 1000]}]", "[500, 250, 500, 250]")
                with { ImageSize = (1000, 500), Family = "qwen3-vl", Extra = new Dictionary<string, string> { ["bbox_format"] = "xywh" } },
        ], Vk);
        Assert.Equal(4, r.Count);
        Assert.Equal(1, r.ItemScores["5"], 9);
        Assert.Equal(1, r.ItemScores["1"], 9);
        Assert.Equal(1, r.ItemScores["2"], 9);
        Assert.Equal(0, r.ItemScores["3"], 9);
        Assert.Contains(r.Notes, n => n.Contains("4 (image_size)", StringComparison.Ordinal));
    }
}
