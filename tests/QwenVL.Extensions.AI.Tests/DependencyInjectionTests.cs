// The DI registration: AddQwenVLChatClient loads one singleton engine from ModelPath and exposes an
// IChatClient that ChatClientBuilder middleware can wrap; disposing the container frees the engine.
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using QwenVL.Engine;
using QwenVL.Testing;

namespace QwenVL.Extensions.AI.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task AddQwenVLChatClient_WithMiddleware_ResolvesWorkingSingletonClient()
    {
        var services = new ServiceCollection();
        int calls = 0;
        services.AddQwenVLChatClient(o => { o.ModelPath = Fixtures.Model("qwen2-vl-tiny"); o.ModelId = "tiny"; })
            .Use(async (messages, options, next, ct) =>
            {
                Interlocked.Increment(ref calls);
                await next(messages, options, ct);
            });

        await using (ServiceProvider provider = services.BuildServiceProvider())
        {
            IChatClient client = provider.GetRequiredService<IChatClient>();
            Assert.Same(client, provider.GetRequiredService<IChatClient>());
            Assert.Equal("qwenvl", client.GetService<ChatClientMetadata>()!.ProviderName);
            Assert.Equal("tiny", client.GetService<ChatClientMetadata>()!.DefaultModelId);
            Assert.Same(provider.GetRequiredService<InferenceEngine>(), client.GetService<InferenceEngine>());

            ChatResponse r = await client.GetResponseAsync("hi", new ChatOptions { MaxOutputTokens = 2, Temperature = 0 });
            Assert.Equal("tiny", r.ModelId);
            Assert.Equal(1, calls);
        }
    }

    [Fact]
    public void AddQwenVLChatClient_NoModelPath_ResolutionFailsWithClearMessage()
    {
        var services = new ServiceCollection();
        services.AddQwenVLChatClient(_ => { });
        using ServiceProvider provider = services.BuildServiceProvider();
        var e = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Contains("ModelPath", e.Message);
    }

    [Fact]
    public void AddQwenVLChatClient_EngineAlreadyRegistered_UsesIt()
    {
        using InferenceEngine engine = InferenceEngine.Load(Fixtures.Model("qwen2-vl-tiny"));
        var services = new ServiceCollection();
        services.AddSingleton(engine);
        services.AddQwenVLChatClient(_ => { });
        using ServiceProvider provider = services.BuildServiceProvider();
        Assert.Same(engine, provider.GetRequiredService<IChatClient>().GetService<InferenceEngine>());
    }

    [Fact]
    public async Task Load_OwnsEngine_ModelIdFromFolder()
    {
        using QwenVLChatClient client = QwenVLChatClient.Load(new QwenVLChatClientOptions { ModelPath = Fixtures.Model("qwen2.5-vl-tiny") });
        Assert.Equal("qwen2.5-vl-tiny", client.ModelId);
        ChatResponse r = await client.GetResponseAsync("hi", new ChatOptions { MaxOutputTokens = 2, Temperature = 0 });
        Assert.Equal(2, r.Usage!.OutputTokenCount);
    }
}
