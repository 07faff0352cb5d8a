// MathVista judge-free scoring per framework: VLMEvalKit prefetch (can_infer, int(), float() exact)
// with the rule extractor as judge stand-in and the text-answer bug; lmms-eval normalisation
// (option text, precision rounding, closest option).
using QwenVL.Eval.Scoring;

namespace QwenVL.Eval.Tests.Scoring;

public sealed class MathVistaRuleTests
{
    static readonly Dictionary<string, string> Nums = new() { ["A"] = "3", ["B"] = "4", ["C"] = "5" };

    static PredictionRecord Item(string pred, string answer, string qt, string at, string? precision = null, bool choices = false) =>
        new("1", pred, [answer])
        {
            QuestionType = qt,
            Choices = choices ? Nums : null,
            Extra = precision is null ? new Dictionary<string, string> { ["answer_type"] = at }
                : new Dictionary<string, string> { ["answer_type"] = at, ["precision"] = precision },
        };

    [Theory]
    [InlineData("B", "4", true)]
    [InlineData("The answer is B", "4", true)]
    [InlineData("(C) 5", "4", false)]
    public void Score_MultiChoiceVlmEvalKit_LetterAgainstAnswerOption(string pred, string answer, bool expected)
    {
        Assert.Equal(expected, MathVistaRule.Score(Item(pred, answer, "multi_choice", "text", choices: true), "vlmevalkit").Correct);
    }

    [Fact]
    public void Score_MultiChoiceVlmEvalKit_AnswerOptionColumnWins()
    {
        // The TSV's answer_option letter is the gold even when the answer text is not an option verbatim.
        var r = Item("C", "5.0", "multi_choice", "text", choices: true) with
        {
            Extra = new Dictionary<string, string> { ["answer_type"] = "text", ["answer_option"] = "C" },
        };
        Assert.True(MathVistaRule.Score(r, "vlmevalkit").Correct);
        Assert.False(MathVistaRule.Score(Item("C", "5.0", "multi_choice", "text", choices: true), "vlmevalkit").Correct);
    }

    [Theory]
    [InlineData("12", "12", "vlmevalkit", true)]
    [InlineData("There are 12 apples. Answer: 12", "12", "vlmevalkit", true)]
    [InlineData("12.0", "12", "vlmevalkit", false)] // int("12.0") fails; the last number "12.0" is not an int either
    [InlineData("12.0", "12", "lmms-eval", true)]   // str(int(float("12.0"))) == "12"
    public void Score_Integer_PerFramework(string pred, string answer, string mode, bool expected)
    {
        Assert.Equal(expected, MathVistaRule.Score(Item(pred, answer, "free_form", "integer"), mode).Correct);
    }

    [Theory]
    [InlineData("1.50", "1.5", "1", "vlmevalkit", true)]
    [InlineData("1.54", "1.5", "1", "vlmevalkit", false)] // exact float equality, no rounding
    [InlineData("1.54", "1.5", "1", "lmms-eval", true)]   // round(1.54, 1) = 1.5
    [InlineData("2", "2.0", "1", "lmms-eval", true)]      // str(float(2)) = "2.0"
    public void Score_Float_PerFramework(string pred, string answer, string precision, string mode, bool expected)
    {
        Assert.Equal(expected, MathVistaRule.Score(Item(pred, answer, "free_form", "float", precision), mode).Correct);
    }

    [Fact]
    public void Score_TextAnswer_NeverCorrectInVlmEvalKitButMatchedInLmmsEval()
    {
        Assert.False(MathVistaRule.Score(Item("red", "red", "free_form", "text"), "vlmevalkit").Correct);
        Assert.True(MathVistaRule.Score(Item("red", "red", "free_form", "text"), "lmms-eval").Correct);
    }

    [Fact]
    public void Score_NoNumberForNumericAnswer_IsAnExtractionFailure()
    {
        MathVistaResult r = MathVistaRule.Score(Item("I cannot tell", "12", "free_form", "integer"), "vlmevalkit");
        Assert.False(r.Correct);
        Assert.Null(r.Extracted);
    }

    [Fact]
    public void Score_MultiChoiceLmmsEval_ClosestOptionText()
    {
        // "(B)" maps to option text "4"; a free answer "5." goes to the Levenshtein-closest option "5".
        Assert.True(MathVistaRule.Score(Item("(B)", "4", "multi_choice", "text", choices: true), "lmms-eval").Correct);
        Assert.Equal("5", MathVistaRule.Score(Item("5.", "4", "multi_choice", "text", choices: true), "lmms-eval").Extracted);
    }
}
