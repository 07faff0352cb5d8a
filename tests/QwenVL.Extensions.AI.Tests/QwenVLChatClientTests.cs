// QwenVLChatClient on the tiny Qwen2-VL checkpoint: text and image requests, usage with image
// tokens, streaming equal to non-streaming at temperature 0, and cancellation. Random weights give
// noise text, so assertions are about structure, counts and equality, never about wording.
using Microsoft.Extensions.AI;
using QwenVL.Engine;

namespace QwenVL.Extensions.AI.Tests;

[Collection(EngineCollection.Name)]
public sealed class QwenVLChatClientTests(EngineFixture fixture)
{
    private readonly QwenVLChatClient _client = new(fixture.Engine);

    private static ChatMessage UserWithImage(string text, AIContent image) => new(ChatRole.User, [image, new TextContent(text)]);

    [Fact]
    public async Task GetResponseAsync_TextOnly_ReturnsAssistantTextAndUsage()
    {
        ChatResponse response = await _client.GetResponseAsync("Say hello.", new ChatOptions { MaxOutputTokens = 5, Temperature = 0 });

        ChatMessage message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.False(string.IsNullOrEmpty(response.Text));
        Assert.Equal("qwen2-vl-tiny", response.ModelId);
        Assert.StartsWith("chatcmpl-", response.ResponseId);
        Assert.NotNull(response.Usage);
        Assert.True(response.Usage.InputTokenCount > 5);
        Assert.InRange(response.Usage.OutputTokenCount!.Value, 1, 5);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
        Assert.Equal(0, response.Usage.AdditionalCounts!["image_tokens"]);
    }

    [Fact]
    public async Task GetResponseAsync_ImageDataContent_ReportsImageTokensAndSizes()
    {
        var image = new DataContent(EngineFixture.ImageBytes("shapes_448x448.png"), "image/png");
        ChatResponse response = await _client.GetResponseAsync([UserWithImage("Describe.", image)],
            new ChatOptions { MaxOutputTokens = 2, Temperature = 0 });

        // 448x448 -> 16x16 merged patches = 256 image tokens (see the engine's own test).
        Assert.Equal(256, response.Usage!.AdditionalCounts!["image_tokens"]);
        Assert.Equal(256, response.Usage.AdditionalCounts["image_tokens[0]"]);
        Assert.True(response.Usage.InputTokenCount > 256);
        var images = Assert.IsType<QwenVLImageInfo[]>(response.AdditionalProperties!["images"]);
        Assert.Equal(new QwenVLImageInfo(448, 448, 448, 448, 256), Assert.Single(images));
    }

    [Fact]
    public async Task GetResponseAsync_FileUriContent_SameCountsAsDataContent()
    {
        var options = new ChatOptions { MaxOutputTokens = 4, Temperature = 0 };
        var uri = new UriContent(new Uri(EngineFixture.ImagePath("chart_812x420.png")), "image/png");
        var data = new DataContent(EngineFixture.ImageBytes("chart_812x420.png"), "image/png");

        ChatResponse fromUri = await _client.GetResponseAsync([UserWithImage("What?", uri)], options);
        ChatResponse fromData = await _client.GetResponseAsync([UserWithImage("What?", data)], options);

        Assert.Equal(fromData.Usage!.InputTokenCount, fromUri.Usage!.InputTokenCount);
        Assert.Equal(fromData.Text, fromUri.Text);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TemperatureZero_ConcatenationEqualsNonStreaming()
    {
        var image = new DataContent(EngineFixture.ImageBytes("shapes_448x448.png"), "image/png");
        ChatMessage[] messages =
        [
            new(ChatRole.System, "You are terse."),
            UserWithImage("Describe this image.", image),
            new(ChatRole.Assistant, "A picture."),
            new(ChatRole.User, "More detail?"),
        ];
        var options = new ChatOptions { MaxOutputTokens = 12, Temperature = 0 };

        ChatResponse whole = await _client.GetResponseAsync(messages, options);
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate u in _client.GetStreamingResponseAsync(messages, options))
        {
            updates.Add(u);
        }

        Assert.True(updates.Count(u => u.Text.Length > 0) > 1, "text should arrive in several updates");
        Assert.Equal(whole.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Role));
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
        ChatResponseUpdate last = updates[^1];
        Assert.Equal(whole.FinishReason, last.FinishReason);
        UsageContent usage = Assert.Single(last.Contents.OfType<UsageContent>());
        Assert.Equal(whole.Usage!.InputTokenCount, usage.Details.InputTokenCount);
        Assert.Equal(256, usage.Details.AdditionalCounts!["image_tokens"]);

        // The abstraction's own coalescing rebuilds the same response, usage included.
        ChatResponse coalesced = updates.ToChatResponse();
        Assert.Equal(whole.Text, coalesced.Text);
        Assert.Equal(whole.Usage.OutputTokenCount, coalesced.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CancelledMidStream_ThrowsAndClientStaysUsable()
    {
        using var cts = new CancellationTokenSource();
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (ChatResponseUpdate u in _client.GetStreamingResponseAsync("Count to one hundred.",
                new ChatOptions { MaxOutputTokens = 200, Temperature = 0 }, cts.Token))
            {
                if (++seen == 2)
                {
                    await cts.CancelAsync();
                }
            }
        });
        Assert.InRange(seen, 2, 3);

        ChatResponse after = await _client.GetResponseAsync("hi", new ChatOptions { MaxOutputTokens = 2, Temperature = 0 });
        Assert.NotNull(after.FinishReason);
    }

    [Fact]
    public async Task GetResponseAsync_AlreadyCancelledToken_Throws()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _client.GetResponseAsync("hi", new ChatOptions { MaxOutputTokens = 2 }, cts.Token));
    }

    [Fact]
    public void GetService_Metadata_ReportsProviderAndModel()
    {
        var metadata = _client.GetService<ChatClientMetadata>();
        Assert.NotNull(metadata);
        Assert.Equal("qwenvl", metadata.ProviderName);
        Assert.Equal("qwen2-vl-tiny", metadata.DefaultModelId);
        Assert.Same(fixture.Engine, _client.GetService<InferenceEngine>());
        Assert.Same(_client, _client.GetService<IChatClient>());
        Assert.Null(_client.GetService<ChatClientMetadata>("some-key"));
    }

    [Fact]
    public void GetService_ConfiguredModelId_OverridesFolderName()
    {
        using var client = new QwenVLChatClient(fixture.Engine, new QwenVLChatClientOptions { ModelId = "qwen-vl-plus" });
        Assert.Equal("qwen-vl-plus", client.GetService<ChatClientMetadata>()!.DefaultModelId);
    }
}
