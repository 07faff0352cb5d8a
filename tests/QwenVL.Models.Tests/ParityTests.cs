// End-to-end parity with the transformers reference on both tiny checkpoints: prompt ids, image
// embeddings (≤ 1e-3), last-position logits (≤ 1e-3) and 16 greedy ids (identical), through the
// same engine path the CLI uses. Each test reports how far it was from its limit.
using QwenVL.Engine;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Models.Diagnostics;
using Xunit.Abstractions;

namespace QwenVL.Models.Tests;

public sealed class ParityTests(ITestOutputHelper output)
{
    private static Conversation Messages(Golden g) =>
        MessageParser.Parse(File.ReadAllText(g.MessagesFile), LocalImageResolver.Create(Path.GetDirectoryName(g.MessagesFile)!));

    [Theory]
    [MemberData(nameof(Golden.Cases), MemberType = typeof(Golden))]
    public void Prepare_GoldenMessages_GivesReferencePromptAndIds(string model, string name)
    {
        Golden g = Golden.Load(model, name);
        using InferenceEngine engine = InferenceEngine.Load(g.ModelDir);
        PreparedPrompt p = engine.Prepare(Messages(g));
        Assert.Equal(g.Json["prompt"]!.GetValue<string>(), p.Text);
        Assert.Equal(g.InputIds, p.TokenIds);
        Assert.Equal(g.Json["num_image_tokens"]!.GetValue<int>(), p.ImageTokenCounts.Single());
        Assert.Equal(g.Grid, new[] { p.Images[0].Grid.T, p.Images[0].Grid.H, p.Images[0].Grid.W });
        Assert.Equal(g.RopeDelta, p.Positions.RopeDelta);
    }

    [Theory]
    [MemberData(nameof(Golden.Cases), MemberType = typeof(Golden))]
    public void EncodeAndPrefill_GoldenCase_WithinToleranceOfReference(string model, string name)
    {
        Golden g = Golden.Load(model, name);
        using InferenceEngine engine = InferenceEngine.Load(g.ModelDir);
        PreparedPrompt p = engine.Prepare(Messages(g));
        VisionLanguageModel m = engine.Model;

        float[] embeds = m.Vision.Encode(p.Images[0].Pixels!);
        float[] expectedEmbeds = g.Dump("image_embeds");
        Assert.Equal(expectedEmbeds.Length, embeds.Length);
        double embedDiff = MaxAbsDiff(expectedEmbeds, embeds);

        ModelSession session = m.CreateSession(p.TokenIds.Length + 1);
        float[] logits = session.Prefill(p.TokenIds, [embeds], p.Positions).ToArray();
        float[] expectedLogits = g.Dump("last_logits");
        double logitDiff = MaxAbsDiff(expectedLogits, logits);
        output.WriteLine($"{model}/{name}: image_embeds max |diff| {embedDiff:E2} (limit 1e-3), last_logits max |diff| {logitDiff:E2} (limit 1e-3)");
        Assert.InRange(embedDiff, 0, 1e-3);
        Assert.InRange(logitDiff, 0, 1e-3);
    }

    [Theory]
    [MemberData(nameof(Golden.Cases), MemberType = typeof(Golden))]
    public async Task Complete_GreedySixteenTokens_EqualsReferenceIds(string model, string name)
    {
        Golden g = Golden.Load(model, name);
        using InferenceEngine engine = InferenceEngine.Load(g.ModelDir);
        GenerationResult r = await engine.CompleteAsync(Messages(g),
            new GenerationOptions { MaxTokens = 16, Temperature = 0, RepetitionPenalty = 1 });
        Assert.Equal(g.GreedyIds, r.TokenIds);
        Assert.Equal(FinishReason.Length, r.FinishReason);
        Assert.Equal(g.InputIds.Length, r.Stats.PromptTokens);
        Assert.Equal(g.Json["greedy"]!["decoded"]!.GetValue<string>(), r.Text);
    }

    [Fact]
    public void Prefill_NewTransformersTensorNames_GiveIdenticalLogits()
    {
        Golden g = Golden.Load("qwen2.5-vl-tiny", "shapes_448x448");
        float[] Logits(string dir)
        {
            using InferenceEngine engine = InferenceEngine.Load(dir);
            PreparedPrompt p = engine.Prepare(Messages(g));
            ModelSession s = engine.Model.CreateSession(p.TokenIds.Length);
            return s.Prefill(p.TokenIds, [engine.Model.Vision.Encode(p.Images[0].Pixels!)], p.Positions).ToArray();
        }
        Assert.Equal(Logits(g.ModelDir), Logits(QwenVL.Testing.Fixtures.Model("qwen2.5-vl-tiny-newnames")));
    }

    [Fact]
    public void Encode_Qwen25Tap_SeesPatchEmbedMatchingReferenceSummary()
    {
        Golden g = Golden.Load("qwen2.5-vl-tiny", "chart_812x420");
        using InferenceEngine engine = InferenceEngine.Load(g.ModelDir);
        PreparedPrompt p = engine.Prepare(Messages(g));
        var tap = new RecordingTap();
        engine.Model.Vision.Tap = tap;
        engine.Model.Vision.Encode(p.Images[0].Pixels!);
        (float[] data, int rows, int cols) = tap.Get("vision.patch_embed");
        var summary = g.Json["vision"]!["patch_embed"]!;
        Assert.Equal(Golden.Ints(summary["shape"]!), new[] { rows, cols });
        // A sum of 111k float32 products: allow 1e-6 of the absolute sum for summation order.
        Assert.Equal(summary["sum"]!.GetValue<double>(), data.Sum(x => (double)x), summary["abs_sum"]!.GetValue<double>() * 1e-6);
        float[] first = [.. summary["first32"]!.AsArray().Select(n => (float)n!.GetValue<double>())];
        Assert.InRange(MaxAbsDiff(first, data.AsSpan(0, first.Length).ToArray()), 0, 1e-4);
        Assert.Equal(["vision.patch_embed", "vision.blk.0.out", "vision.blk.1.out", "vision.blk.2.out", "vision.blk.3.out", "vision.merger.out"], tap.Names);
    }

    internal static double MaxAbsDiff(float[] a, float[] b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        }
        return max;
    }
}
