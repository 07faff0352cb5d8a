// Test vectors of eval-metrics.md §13 for the text metrics: pix2struct's metrics_test fixture, the
// VLMEvalKit ANLS / relaxed-accuracy / VQA-score vectors, the EvalAI normaliser vectors and the
// lmms-eval OCRBench full-width vectors. Expected values are the doc's, tolerance 1e-4 where rounded.
using QwenVL.Eval.Scoring;

namespace QwenVL.Eval.Tests.Scoring;

public sealed class TextMetricsTests
{
    // pix2struct metrics_test.py (Apache-2.0): 8 predictions and their targets.
    static readonly string[] Pix2StructPreds = ["abc", "abc", "Abc", "100%", "100%", "100%", "100%", "Don't"];
    static readonly string[][] Pix2StructTargets = [["abc"], ["Abc"], ["abc"], ["96%"], ["94%"], ["0.96"], ["0.94"], ["Won't"]];

    [Fact]
    public void Pix2StructFixture_AllThreeMetrics_MatchUpstream()
    {
        double em = 0, anls = 0, relaxed = 0;
        for (int i = 0; i < 8; i++)
        {
            em += TextMetrics.ExactMatch(Pix2StructPreds[i], Pix2StructTargets[i]) ? 1 : 0;
            anls += TextMetrics.Anls(Pix2StructPreds[i], Pix2StructTargets[i], AnlsLength.Raw);
            relaxed += Pix2StructTargets[i].Any(t => TextMetrics.RelaxedCorrectness(t, Pix2StructPreds[i])) ? 1 : 0;
        }
        Assert.Equal(12.5, 100 * em / 8, 6);
        Assert.Equal(47.5, 100 * anls / 8, 6);
        Assert.Equal(62.5, 100 * relaxed / 8, 6);
    }

    [Theory]
    [InlineData("abd", new[] { "abc" }, 0.6667)]
    [InlineData("helo", new[] { "hello" }, 0.8)]
    [InlineData("cd", new[] { "ab" }, 0.0)]
    [InlineData("  Hello   World ", new[] { "hello world" }, 1.0)]
    [InlineData("1995", new[] { "1995", "1,995" }, 1.0)]
    [InlineData("ab", new[] { "abcd" }, 0.5)] // exactly 0.5 is kept, not zeroed
    public void Anls_DocVectors_MatchVlmEvalKitAndLmmsEval(string pred, string[] gts, double expected)
    {
        Assert.Equal(expected, TextMetrics.Anls(pred, gts), 4);
    }

    [Fact]
    public void Anls_PaddedPrediction_RawLengthsDifferFromNormalised()
    {
        // "abd " vs "abc": distance 1 after trimming; raw length 4 -> 0.75 (HEAD anchors), normalised 3 -> 0.667.
        Assert.Equal(1 - 1 / 3.0, TextMetrics.Anls("abd ", ["abc"], AnlsLength.Normalised), 6);
        Assert.Equal(0.75, TextMetrics.Anls("abd ", ["abc"]), 6);
    }

    [Theory]
    [InlineData("10.4", "10", true)]
    [InlineData("10.6", "10", false)]
    [InlineData("0", "0", true)]
    [InlineData("0.0", "0", false)] // zero target falls back to string comparison
    [InlineData("0.45", "45%", true)]
    [InlineData("45", "45%", false)]
    [InlineData("Yes", "yes", true)]
    [InlineData("96", "100", true)]
    [InlineData("1,000", "1000", false)] // no comma stripping
    public void RelaxedCorrectness_DocVectors_MatchVlmEvalKit(string pred, string target, bool expected)
    {
        Assert.Equal(expected, TextMetrics.RelaxedCorrectness(target, pred));
    }

    [Fact]
    public void RelaxedCorrectness_SwappedOrder_DiffersNearTheBoundary()
    {
        // Target 100, prediction 95: fixed order 5/100 = 0.05 passes; swapped (relative to the
        // prediction) 5/95 = 0.0526 fails.
        Assert.True(TextMetrics.RelaxedCorrectness("100", "95"));
        Assert.False(TextMetrics.RelaxedCorrectness("95", "100"));
    }

    public static TheoryData<string, string[], double> VlmEvalKitVqa => new()
    {
        { "2", [.. Enumerable.Repeat("two", 2), "2", .. Enumerable.Repeat("three", 7)], 0.9 },
        { "the red car", [.. Enumerable.Repeat("red car", 2), .. Enumerable.Repeat("blue car", 8)], 0.6 },
        { "Coca-Cola", [.. Enumerable.Repeat("coca-cola", 3), .. Enumerable.Repeat("coke", 7)], 0.9 },
        { "coca cola", [.. Enumerable.Repeat("coca-cola", 3), .. Enumerable.Repeat("coke", 7)], 0.9 },
        { "5.", [.. Enumerable.Repeat("5", 10)], 0.0 },
        { "yes", [.. Enumerable.Repeat("yes", 4), .. Enumerable.Repeat("no", 6)], 1.0 },
    };

    [Theory]
    [MemberData(nameof(VlmEvalKitVqa))]
    public void VqaScore_VlmEvalKitVectors_MatchDoc(string pred, string[] gts, double expected)
    {
        Assert.Equal(expected, TextMetrics.VqaScore(pred, gts, "vlmevalkit"), 6);
    }

    [Fact]
    public void VqaScore_PeriodAfterDigit_OnlyVlmEvalKitKeepsIt()
    {
        string[] gts = [.. Enumerable.Repeat("5", 10)];
        Assert.Equal(0.0, TextMetrics.VqaScore("5.", gts, "vlmevalkit"), 6);
        Assert.Equal(1.0, TextMetrics.VqaScore("5.", gts, "lmms-eval"), 6);
        // Official: with 10 identical answers nothing is normalised, so "5." stays wrong...
        Assert.Equal(0.0, TextMetrics.VqaScore("5.", gts, "official"), 6);
        // ...but once the answers differ both sides are normalised and "5." becomes "5" (9 matches -> 1.0).
        Assert.Equal(1.0, TextMetrics.VqaScore("5.", [.. Enumerable.Repeat("5", 9), "five."], "official"), 6);
    }

    [Fact]
    public void VqaScore_OfficialIdenticalAnswers_CaseIsNotNormalised()
    {
        Assert.Equal(0.0, TextMetrics.VqaScore("Yes", [.. Enumerable.Repeat("yes", 10)], "official"), 6);
        Assert.Equal(1.0, TextMetrics.VqaScore("Yes", [.. Enumerable.Repeat("yes", 10)], "vlmevalkit"), 6);
    }

    [Theory]
    [InlineData("5.", "5")]
    [InlineData("Yes.", "yes")]
    [InlineData("John's", "john 's")]
    [InlineData("Coca-Cola", "coca cola")]
    [InlineData("1,000", "1000")]
    [InlineData("the two dogs", "2 dogs")]
    [InlineData("3.5", "3.5")]
    public void EvalAi_DocVectors_Normalise(string input, string expected)
    {
        Assert.Equal(expected, VqaNormalizer.EvalAi(input));
    }

    [Theory]
    [InlineData("dont", "don't")]
    [InlineData("Whats the time", "what's time")]
    [InlineData("ten", "10")]
    public void VlmEvalKit_ContractionsNumbersArticles_Normalise(string input, string expected)
    {
        Assert.Equal(expected, VqaNormalizer.VlmEvalKit(input));
    }

    [Theory]
    [InlineData("2590", "２５９０", true)]
    [InlineData("２５９０", "2590", true)]
    [InlineData("both sides", "ｂｏｔｈ　ｓｉｄｅｓ", true)]
    [InlineData("1", "①", false)]
    [InlineData("2", "²", false)]
    [InlineData("IV", "Ⅳ", false)]
    [InlineData("kg", "㎏", false)]
    public void OcrBench_LmmsEvalFullWidthVectors_Match(string answer, string prediction, bool expected)
    {
        Assert.Equal(expected, TextMetrics.OcrBenchHit(prediction, [answer], "Regular Text Recognition", foldFullWidth: true));
    }

    [Theory]
    [InlineData("2590", "２５９０")]
    [InlineData("２５９０", "2590")]
    [InlineData("both sides", "ｂｏｔｈ　ｓｉｄｅｓ")]
    public void OcrBench_VlmEvalKitNoFolding_FullWidthMisses(string answer, string prediction)
    {
        Assert.False(TextMetrics.OcrBenchHit(prediction, [answer], "Regular Text Recognition", foldFullWidth: false));
    }

    [Fact]
    public void OcrBench_Hme_CaseSensitiveSpacesRemovedNoFolding()
    {
        Assert.False(TextMetrics.OcrBenchHit("ｘ＋１", ["x+1"], TextMetrics.HmeCategory, foldFullWidth: true));
        Assert.True(TextMetrics.OcrBenchHit("The result: x + 1", ["x+1"], TextMetrics.HmeCategory, foldFullWidth: false));
        Assert.False(TextMetrics.OcrBenchHit("X+1", ["x+1"], TextMetrics.HmeCategory, foldFullWidth: false));
        Assert.True(TextMetrics.OcrBenchHit("It says HELLO world", ["hello"], "Scene Text-centric VQA", foldFullWidth: false));
    }
}
