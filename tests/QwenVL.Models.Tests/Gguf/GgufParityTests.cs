// A GGUF pair converted from a fixture checkpoint is the same model: F32 and BF16 files give the
// safetensors load's last-position logits (≤ 1e-5; measured identical), the BF16 file gives the
// reference's 16 greedy ids on every golden case, F16 and Q8_0 files stay close with the same top
// token, and the model loads from the folder or from the text .gguf path alike.
using QwenVL.Engine;
using QwenVL.Engine.Generation;
using QwenVL.Models.Gguf;
using QwenVL.Testing;
using Xunit.Abstractions;

namespace QwenVL.Models.Tests.Gguf;

[Collection(GgufCollection.Name)]
public sealed class GgufParityTests(GgufModels models, ITestOutputHelper output)
{
    public static TheoryData<string, GgufFileType> ExactTypes() => new()
    {
        { "qwen2.5-vl-tiny", GgufFileType.BF16 },
        { "qwen2.5-vl-tiny", GgufFileType.F32 },
        { "qwen2-vl-tiny", GgufFileType.BF16 },
        { "qwen2-vl-tiny", GgufFileType.F32 },
    };

    [Theory]
    [MemberData(nameof(ExactTypes))]
    public void Prefill_F32AndBF16Gguf_LogitsMatchSafetensorsLoad(string model, GgufFileType type)
    {
        Golden g = Golden.Load(model, "chart_812x420");
        float[] expected = GgufModels.Logits(Fixtures.Model(model), g);
        float[] actual = GgufModels.Logits(models.Folder(model, type), g);
        double diff = ParityTests.MaxAbsDiff(expected, actual);
        output.WriteLine($"{model} {type}: last_logits max |diff| vs safetensors {diff:E2} (limit 1e-5)");
        Assert.Equal(expected.Length, actual.Length);
        Assert.InRange(diff, 0, 1e-5);
    }

    [Theory]
    [MemberData(nameof(Golden.Cases), MemberType = typeof(Golden))]
    public async Task Complete_BF16Gguf_GreedySixteenTokensEqualReference(string model, string name)
    {
        Golden g = Golden.Load(model, name);
        using InferenceEngine engine = InferenceEngine.Load(models.Get(model, GgufFileType.BF16).Text);
        PreparedPrompt p = engine.Prepare(GgufModels.Messages(g));
        Assert.Equal(g.InputIds, p.TokenIds);
        GenerationResult r = await engine.CompleteAsync(GgufModels.Messages(g),
            new GenerationOptions { MaxTokens = 16, Temperature = 0, RepetitionPenalty = 1 });
        Assert.Equal(g.GreedyIds, r.TokenIds);
        Assert.Equal(g.Json["greedy"]!["decoded"]!.GetValue<string>(), r.Text);
    }

    [Fact]
    public void Load_FolderAndTextFile_DescribeTheSameModel()
    {
        GgufModelFiles files = models.Get("qwen2.5-vl-tiny", GgufFileType.BF16);
        using VisionLanguageModel fromFolder = ModelRegistry.Load(Path.GetDirectoryName(files.Text)!);
        using VisionLanguageModel fromFile = ModelRegistry.Load(files.Text);
        using VisionLanguageModel hf = ModelRegistry.Load(Fixtures.Model("qwen2.5-vl-tiny"));
        Assert.Equal("qwen2_5_vl", fromFolder.Info.ModelType);
        Assert.Equal(hf.Info.VisionParameters, fromFile.Info.VisionParameters);
        Assert.Equal(hf.Info.TextParameters, fromFile.Info.TextParameters);
        Assert.Equal(fromFolder.Info.Dimensions, fromFile.Info.Dimensions);
        Assert.Equal(hf.Info.Dimensions, fromFile.Info.Dimensions);
    }
    // F16 keeps these small BF16 values almost exactly (measured 2e-6); Q8_0 weights run through the
    // block kernels (measured 0.08-0.12 on logits of magnitude ~3): the top token must not move.
    [Theory]
    [InlineData("qwen2.5-vl-tiny", GgufFileType.F16, 1e-4)]
    [InlineData("qwen2-vl-tiny", GgufFileType.F16, 1e-4)]
    [InlineData("qwen2.5-vl-tiny", GgufFileType.Q8_0, 0.5)]
    [InlineData("qwen2-vl-tiny", GgufFileType.Q8_0, 0.5)]
    public void Prefill_F16AndQ8_0Gguf_CloseToSafetensorsLoadSameTopToken(string model, GgufFileType type, double limit)
    {
        Golden g = Golden.Load(model, "shapes_448x448");
        float[] expected = GgufModels.Logits(Fixtures.Model(model), g);
        float[] actual = GgufModels.Logits(models.Folder(model, type), g);
        double diff = ParityTests.MaxAbsDiff(expected, actual);
        int top = Array.IndexOf(expected, expected.Max()), topActual = Array.IndexOf(actual, actual.Max());
        output.WriteLine($"{model} {type}: last_logits max |diff| {diff:E2} (limit {limit}, max |logit| {expected.Max(MathF.Abs):F2}), top-1 {top} vs {topActual}");
        Assert.Equal(top, topActual);
        Assert.InRange(diff, 0, limit);
    }
}
