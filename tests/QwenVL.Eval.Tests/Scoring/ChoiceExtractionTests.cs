// Test vectors of eval-metrics.md §13.2 for multiple-choice extraction: VLMEvalKit can_infer and the
// official MMMU / lmms-eval parser on {A: Paris, B: London, C: Berlin, D: Madrid}, plus the seeded
// random fallback, the lmms-eval AI2D filter and the gold-letter mapping.
using QwenVL.Eval.Scoring;

namespace QwenVL.Eval.Tests.Scoring;

public sealed class ChoiceExtractionTests
{
    static readonly Dictionary<string, string> Cities = new() { ["A"] = "Paris", ["B"] = "London", ["C"] = "Berlin", ["D"] = "Madrid" };

    [Theory]
    [InlineData("B", "B")]
    [InlineData("B.", "B")]
    [InlineData("(C)", "C")]
    [InlineData("The answer is B", "B")]
    [InlineData("Answer: A. Paris", "A")]
    [InlineData("London", "B")]
    [InlineData("A", "A")]
    [InlineData("The correct answer is **C**. Because Berlin is the capital and the rest are elsewhere in Europe", "C")]
    [InlineData("Cannot determine the answer", "Z")]
    public void CanInfer_DocVectors_MatchVlmEvalKit(string answer, string expected)
    {
        Assert.Equal(expected, ChoiceExtraction.CanInfer(answer, Cities));
    }

    [Theory]
    [InlineData("B or C, hard to say")]          // two letters, no "answer is"
    [InlineData("Paris or London")]               // two option texts
    [InlineData("I would guess the capital city in question here is London, though the photo is blurry and unclear")] // too long for text match
    [InlineData("Failed to obtain answer via API")]
    public void CanInfer_Ambiguous_ReturnsNull(string answer)
    {
        Assert.Null(ChoiceExtraction.CanInfer(answer, Cities));
    }

    [Fact]
    public void CanInferOption_LetterBeforeLastFourTokens_NotTaken()
    {
        // "B" is token 0 of 6: not among the last 4, and nothing says "answer is".
        Assert.Null(ChoiceExtraction.CanInferOption("B because of its old river", Cities));
    }

    [Theory]
    [InlineData("B", "B")]
    [InlineData("(C)", "C")]
    [InlineData("The answer is (B).", "B")]
    [InlineData("B. London", "B")]
    [InlineData("I think it is London because of the river Thames.", "B")]
    [InlineData("Answer: D", "D")]
    [InlineData("(A) is wrong, the answer is (C)", "C")] // several bracketed letters: the last one wins
    public void ParseMmmu_DocVectors_MatchOfficialParser(string response, string expected)
    {
        var rng = new Random(1);
        Assert.Equal(expected, ChoiceExtraction.ParseMmmu(response, Cities, rng, out bool fallback));
        Assert.False(fallback);
    }

    [Fact]
    public void ParseMmmu_NothingMatches_SeededFallbackIsCountedAndRepeatable()
    {
        string a = ChoiceExtraction.ParseMmmu("no idea", Cities, new Random(42), out bool f1);
        string b = ChoiceExtraction.ParseMmmu("no idea", Cities, new Random(42), out bool f2);
        Assert.True(f1);
        Assert.True(f2);
        Assert.Equal(a, b);
        Assert.Contains(a, Cities.Keys);
    }

    [Theory]
    [InlineData("B", true)]
    [InlineData("b.", true)]
    [InlineData("B. cell", true)]
    [InlineData("The answer is B", false)]
    [InlineData("C", false)]
    public void LmmsEvalExactMatch_Ai2dVectors_MatchDoc(string response, bool expected)
    {
        Assert.Equal(expected, ChoiceExtraction.LmmsEvalExactMatch(response, "B"));
    }

    [Theory]
    [InlineData("B", "B")]
    [InlineData("Berlin", "C")]
    [InlineData("Rome", null)]
    public void GoldLetter_LetterOrOptionText_MapsToLetter(string answer, string? expected)
    {
        var r = new PredictionRecord("1", "", [answer]) { Choices = Cities };
        Assert.Equal(expected, ChoiceExtraction.GoldLetter(r));
    }
}
