// The exact prompt strings each framework sends (eval-metrics.md §1.2 and per-benchmark sections),
// their stable ids and pixel limits (§1.3; OCRBench min raised in VLMEvalKit's Qwen2VLChat).
using QwenVL.Eval.Data;
using QwenVL.Eval.Prompts;

namespace QwenVL.Eval.Tests.Running;

public class PromptTableTests
{
    static readonly ItemImage Img = ItemImage.FromBytes([1]);

    static BenchmarkItem Mcq(string question, string? hint = null) => new("1", 2, [Img], question, ["B"])
    {
        Hint = hint,
        Options = [new("A", "red"), new("B", "green")],
    };

    [Fact]
    public void Build_Qwen2VlDocVqa_AppendsShortWordsSentence()
    {
        var p = PromptTable.Build(new BenchmarkItem("1", 2, [Img], "What is the date?", ["x"]), "docvqa_val", "qwen2-vl", "vlmevalkit");
        Assert.Equal("What is the date?\nPlease try to answer the question with short words or phrases if possible.", p.Text);
        Assert.Equal("vlmevalkit/qwen2-vl-custom/vqa", p.Id);
        Assert.Null(p.System);
        Assert.True(p.Parts[0].IsImage);
        Assert.Equal(2048, p.MaxTokens);
    }

    [Fact]
    public void Build_Qwen25VlMcqWithHint_UsesDatasetDefaultBlock()
    {
        var p = PromptTable.Build(Mcq("Which colour?", "Look at the car."), "ai2d_test", "qwen2.5-vl", "vlmevalkit");
        Assert.Equal("Hint: Look at the car.\nQuestion: Which colour?\nOptions:\nA. red\nB. green\nPlease select the correct answer from the options above. \n", p.Text);
        Assert.Equal("vlmevalkit/dataset-default/mcq", p.Id);
    }

    [Fact]
    public void Build_Qwen2VlChineseMcq_UsesChineseTailAndStrips()
    {
        var p = PromptTable.Build(Mcq("哪个颜色?"), "mmbench_dev_cn", "qwen2-vl", "vlmevalkit");
        Assert.Equal("Question: 哪个颜色?\nOptions:\nA. red\nB. green\n请直接回答选项字母。", p.Text);
    }

    [Fact]
    public void Build_LmmsEvalMmbenchEn_UsesOptionsSentenceAndSystemPrompt()
    {
        var p = PromptTable.Build(Mcq("Which colour?", "A hint."), "mmbench_dev_en", "qwen2.5-vl", "lmms-eval");
        Assert.Equal("A hint. Which colour? There are several options:\nA. red\nB. green\n\nAnswer with the option's letter from the given choices directly.", p.Text);
        Assert.Equal("You are a helpful assistant.", p.System);
        Assert.Equal(1024, p.MaxTokens);
    }

    [Fact]
    public void Build_LmmsEvalTextVqa_CapitalizesLikePython()
    {
        var p = PromptTable.Build(new BenchmarkItem("1", 2, [Img], "what does the SIGN say?", ["x"]), "textvqa_val", "qwen2.5-vl", "lmms-eval");
        Assert.Equal("What does the sign say?\nAnswer the question using a single word or phrase.", p.Text);
    }

    [Fact]
    public void Build_DefaultMmmu_InterleavesImagesAtTags()
    {
        var item = new BenchmarkItem("validation_Art_1", 2, [Img, Img], "Compare <image 1> with <image 2>.", ["A"]) { Options = [new("A", "x"), new("B", "y")] };
        var p = PromptTable.Build(item, "mmmu_val", "qwen2.5-vl", "vlmevalkit");
        Assert.Equal([-1, 0, -1, 1, -1], p.Parts.Select(x => x.ImageIndex));
        Assert.Equal("Question: Compare ", p.Parts[0].Text);
        Assert.Equal(" with ", p.Parts[2].Text);
        Assert.StartsWith(".\nOptions:\nA. x\nB. y\n", p.Parts[4].Text, StringComparison.Ordinal);

        var q2 = PromptTable.Build(item, "mmmu_val", "qwen2-vl", "vlmevalkit");
        Assert.Equal([0, 1, -1], q2.Parts.Select(x => x.ImageIndex));
        Assert.EndsWith("B. y\nPlease select the correct answer from the options above.", q2.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UnknownFamily_Throws() =>
        Assert.Throws<ArgumentException>(() => PromptTable.Build(Mcq("q"), "ai2d_test", "llava", "vlmevalkit"));

    [Theory]
    [InlineData("vlmevalkit", "qwen2-vl", "docvqa_val", 1_003_520, 12_845_056)]
    [InlineData("vlmevalkit", "qwen2.5-vl", "ocrbench", 78_400, 12_845_056)]
    [InlineData("lmms-eval", "qwen2-vl", "docvqa_val", 3_136, 602_112)]
    [InlineData("lmms-eval", "qwen2.5-vl", "docvqa_val", 200_704, 1_605_632)]
    public void PixelLimitsFor_ModeFamilyBenchmark_MatchesFrameworks(string mode, string family, string bench, long min, long max) =>
        Assert.Equal(new PixelLimits(min, max), PixelLimits.For(mode, family, bench));
}
