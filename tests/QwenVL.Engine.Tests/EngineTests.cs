// The engine on a real (tiny, random) checkpoint: several images interleaved with text, stop
// strings, cancellation mid-stream leaving the engine usable, option validation, seeded sampling,
// and the generation_config.json defaults.
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Engine.Sampling;
using QwenVL.Testing;

namespace QwenVL.Engine.Tests;

public sealed class EngineTests : IDisposable
{
    private readonly InferenceEngine _engine = InferenceEngine.Load(Fixtures.Model("qwen2-vl-tiny"));

    private static ImageInput Image(string name) => ImageInput.FromFile(Fixtures.Path("images", name));

    private static Conversation Ask(params ContentPart[] parts) => new([new ChatMessage("user", parts)]);

    public void Dispose() => _engine.Dispose();

    [Fact]
    public void Prepare_TwoImagesInterleaved_ExpandsEachAndOrdersPositions()
    {
        Conversation c = Ask(new TextPart("Compare "), new ImagePart(Image("shapes_448x448.png")), new TextPart(" with "),
            new ImagePart(Image("chart_812x420.png"), MaxPixels: 56 * 56 * 4), new TextPart("."));
        PreparedPrompt p = _engine.Prepare(c);
        // 448x448 -> 16x16 merged = 256 tokens; 812x420 capped at 12544 px: beta = sqrt(420*812/12544) = 5.21,
        // so 420 -> floor(2.88)*28 = 56 and 812 -> floor(5.56)*28 = 140 -> 2x5 merged = 10 tokens.
        Assert.Equal([256, 10], p.ImageTokenCounts);
        Assert.Equal(256 + 10, p.TokenIds.Count(t => t == _engine.Model.Tokens.ImagePad));
        Assert.Contains("Compare <|vision_start|><|image_pad|><|vision_end|> with <|vision_start|><|image_pad|><|vision_end|>.", p.Text);
        // Positions never decrease along the T axis and the text after each image resumes past it.
        Assert.True(p.Positions.T.Zip(p.Positions.T.Skip(1)).All(x => x.Second >= x.First));
        Assert.Equal(p.Positions.T.Max() + 1 - p.TokenIds.Length, p.Positions.RopeDelta);
    }

    [Fact]
    public async Task Generate_StopString_CutsTextAndFinishesWithStop()
    {
        var options = new GenerationOptions { MaxTokens = 16, Temperature = 0 };
        Conversation c = Ask(new ImagePart(Image("shapes_448x448.png")), new TextPart("Describe this image."));
        GenerationResult full = await _engine.CompleteAsync(c, options);
        string stop = full.Text.Substring(full.Text.Length / 2, 3);
        int at = full.Text.IndexOf(stop, StringComparison.Ordinal);
        GenerationResult cut = await _engine.CompleteAsync(c, options with { Stop = [stop] });
        Assert.Equal(FinishReason.Stop, cut.FinishReason);
        Assert.Equal(full.Text[..at], cut.Text);
        Assert.True(cut.TokenIds.Count <= full.TokenIds.Count);
    }

    [Fact]
    public async Task Generate_CancelledMidStream_ThrowsAndEngineStaysUsable()
    {
        using var cts = new CancellationTokenSource();
        var options = new GenerationOptions { MaxTokens = 200, Temperature = 0 };
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (GeneratedToken t in _engine.GenerateAsync(Ask(new TextPart("hi")), options, cts.Token))
            {
                if (++seen == 3)
                {
                    await cts.CancelAsync();
                }
            }
        });
        Assert.InRange(seen, 3, 4);
        GenerationResult again = await _engine.CompleteAsync(Ask(new TextPart("hi")), options with { MaxTokens = 2 });
        Assert.Equal(2, again.TokenIds.Count);
    }

    [Fact]
    public async Task Generate_ConsumerBreaksEarly_ReleasesEngine()
    {
        var options = new GenerationOptions { MaxTokens = 100, Temperature = 0 };
        await foreach (GeneratedToken _ in _engine.GenerateAsync(Ask(new TextPart("hi")), options))
        {
            break;
        }
        GenerationResult r = await _engine.CompleteAsync(Ask(new TextPart("hi")), options with { MaxTokens = 1 });
        Assert.Single(r.TokenIds);
    }

    [Fact]
    public async Task Generate_SameSeed_SameTokens_DifferentSeed_Differs()
    {
        var o = new GenerationOptions { MaxTokens = 12, Temperature = 1.5f, Seed = 11 };
        var a = await _engine.CompleteAsync(Ask(new TextPart("hello")), o);
        var b = await _engine.CompleteAsync(Ask(new TextPart("hello")), o);
        var d = await _engine.CompleteAsync(Ask(new TextPart("hello")), o with { Seed = 12 });
        Assert.Equal(a.TokenIds, b.TokenIds);
        Assert.NotEqual(a.TokenIds, d.TokenIds);
    }

    [Theory]
    [InlineData(0, null, null, "max_tokens")]
    [InlineData(5, -1f, null, "temperature")]
    [InlineData(5, null, 1.5f, "top_p")]
    public async Task Generate_InvalidOption_ThrowsNamingIt(int maxTokens, float? temperature, float? topP, string field)
    {
        var o = new GenerationOptions { MaxTokens = maxTokens, Temperature = temperature, TopP = topP };
        var e = await Assert.ThrowsAsync<EngineException>(() => _engine.CompleteAsync(Ask(new TextPart("x")), o));
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public async Task Generate_CorruptImage_ThrowsNamingImage()
    {
        var bad = new ImagePart(new ImageInput(new byte[] { 0xFF, 0xD8, 0xFF, 0, 1 }, "broken.jpg"));
        var e = await Assert.ThrowsAsync<EngineException>(() => _engine.CompleteAsync(Ask(bad, new TextPart("?")), new GenerationOptions { MaxTokens = 1 }));
        Assert.Contains("broken.jpg", e.Message);
    }

    [Fact]
    public void Resolve_Qwen25GenerationConfig_SamplesWithCheckpointDefaultsUnlessOverridden()
    {
        using InferenceEngine q25 = InferenceEngine.Load(Fixtures.Model("qwen2.5-vl-tiny"));
        SamplingParameters d = SamplingParameters.Resolve(new GenerationOptions(), q25.Model.Generation);
        Assert.Equal(0.1f, d.Temperature);      // do_sample true, temperature 0.1, top_p 0.001, top_k 1, penalty 1.05
        Assert.Equal(0.001f, d.TopP);
        Assert.Equal(1, d.TopK);
        Assert.Equal(1.05f, d.RepetitionPenalty);
        SamplingParameters o = SamplingParameters.Resolve(new GenerationOptions { Temperature = 0, RepetitionPenalty = 1 }, q25.Model.Generation);
        Assert.True(o.Greedy);
        Assert.Equal(1f, o.RepetitionPenalty);
        SamplingParameters g = SamplingParameters.Resolve(new GenerationOptions(), _engine.Model.Generation);
        Assert.True(g.Greedy); // qwen2-vl-tiny: do_sample false
        Assert.Equal([151643, 151645], q25.Model.StopTokenIds.Order());
    }
}
