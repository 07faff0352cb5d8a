// Continuous batching and the caches must not change any answer: four concurrent greedy streams
// give exactly what each gives alone; a second turn about the same image reuses the KV prefix and
// skips the vision tower, with the same tokens as a cold run; repeated images hit the image cache.
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Testing;

namespace QwenVL.Engine.Tests;

public sealed class BatchingAndCacheTests
{
    private static ImageInput Image(string name) => ImageInput.FromFile(Fixtures.Path("images", name));

    private static Conversation Ask(string text, string? image = null) =>
        new([new ChatMessage("user", image is null ? [new TextPart(text)] : [new ImagePart(Image(image)), new TextPart(text)])]);

    [Fact]
    public async Task Generate_FourConcurrentStreams_EachEqualsItsSoloRun()
    {
        Conversation[] prompts =
        [
            Ask("Describe this image.", "shapes_448x448.png"),
            Ask("What does this chart show?", "chart_812x420.png"),
            Ask("Write a poem about the sea."),
            Ask("你好，请介绍一下你自己。"),
        ];
        var options = new GenerationOptions { MaxTokens = 12, Temperature = 0 };
        int[][] solo;
        using (InferenceEngine single = InferenceEngine.Load(Fixtures.Model("qwen2.5-vl-tiny"), engine: new EngineOptions { MaxBatch = 1, SessionCacheBytes = 0 }))
        {
            solo = new int[prompts.Length][];
            for (int i = 0; i < prompts.Length; i++)
            {
                solo[i] = [.. (await single.CompleteAsync(prompts[i], options with { RepetitionPenalty = 1 })).TokenIds];
            }
        }
        using InferenceEngine batched = InferenceEngine.Load(Fixtures.Model("qwen2.5-vl-tiny"), engine: new EngineOptions { MaxBatch = 4, SessionCacheBytes = 0 });
        GenerationResult[] together = await Task.WhenAll(prompts.Select(p => batched.CompleteAsync(p, options with { RepetitionPenalty = 1 })));
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(solo[i], together[i].TokenIds);
        }
    }

    [Fact]
    public async Task Generate_SecondTurnSameImage_ReusesPrefixAndMatchesColdRun()
    {
        var options = new GenerationOptions { MaxTokens = 8, Temperature = 0, RepetitionPenalty = 1 };
        using InferenceEngine engine = InferenceEngine.Load(Fixtures.Model("qwen2-vl-tiny"));
        Conversation first = Ask("Describe this image.", "chart_812x420.png");
        GenerationResult a = await engine.CompleteAsync(first, options);
        var second = new Conversation([.. first.Messages, ChatMessage.FromText("assistant", a.Text), ChatMessage.FromText("user", "And the colours?")]);
        GenerationResult warm = await engine.CompleteAsync(second, options);
        Assert.True(engine.Sessions.ReusedTokens >= 435, $"reused {engine.Sessions.ReusedTokens} tokens; the image alone is 435");
        Assert.Equal([435], warm.Stats.ImageTokens);

        using InferenceEngine cold = InferenceEngine.Load(Fixtures.Model("qwen2-vl-tiny"), engine: new EngineOptions { SessionCacheBytes = 0, ImageCacheBytes = 0 });
        GenerationResult reference = await cold.CompleteAsync(second, options);
        Assert.Equal(reference.TokenIds, warm.TokenIds);
        Assert.Equal(reference.Stats.PromptTokens, warm.Stats.PromptTokens);
    }

    [Fact]
    public async Task Generate_SameImageNewConversation_HitsImageCache()
    {
        var options = new GenerationOptions { MaxTokens = 2, Temperature = 0 };
        using InferenceEngine engine = InferenceEngine.Load(Fixtures.Model("qwen2-vl-tiny"), engine: new EngineOptions { SessionCacheBytes = 0 });
        await engine.CompleteAsync(Ask("One?", "shapes_448x448.png"), options);
        Assert.Equal(0, engine.ImageCache.Hits);
        GenerationResult r = await engine.CompleteAsync(new Conversation([ChatMessage.FromText("system", "Be terse."),
            new ChatMessage("user", [new ImagePart(Image("shapes_448x448.png")), new TextPart("Two?")])]), options);
        Assert.Equal(1, engine.ImageCache.Hits);
        Assert.Equal([256], r.Stats.ImageTokens);
        Assert.Equal(256L * 64 * sizeof(float), engine.ImageCache.Bytes);
        // Other pixel limits are another preprocessing, so another key.
        await engine.CompleteAsync(Ask("Three?", "shapes_448x448.png"), options with { MaxPixels = 112 * 112 });
        Assert.Equal(1, engine.ImageCache.Hits);
    }
}
