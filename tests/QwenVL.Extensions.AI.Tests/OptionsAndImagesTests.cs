// How ChatOptions and image contents reach the engine: token limits, stop sequences, seeds,
// per-request and per-image pixel budgets, instructions, refused options and contents, and
// http(s) images fetched through the caller's HttpClient (a stub handler: no network at all).
using System.Net;
using Microsoft.Extensions.AI;
using QwenVL.Engine;

namespace QwenVL.Extensions.AI.Tests;

[Collection(EngineCollection.Name)]
public sealed class OptionsAndImagesTests(EngineFixture fixture)
{
    private readonly QwenVLChatClient _client = new(fixture.Engine);

    private static DataContent Chart() => new(EngineFixture.ImageBytes("chart_812x420.png"), "image/png");

    [Fact]
    public async Task GetResponseAsync_MaxOutputTokens_StopsWithLength()
    {
        ChatResponse r = await _client.GetResponseAsync("Tell a long story.", new ChatOptions { MaxOutputTokens = 3, Temperature = 0 });
        Assert.Equal(3, r.Usage!.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Length, r.FinishReason);
    }

    [Fact]
    public async Task GetResponseAsync_JsonSchemaFormat_ReturnsDocumentMatchingTheSchema()
    {
        // The tiny random model writes noise; only the constraint can make this parse.
        using System.Text.Json.JsonDocument schema = System.Text.Json.JsonDocument.Parse(
            """{"type":"object","properties":{"color":{"enum":["red","green"]},"count":{"type":"integer","minimum":0,"maximum":9}},"required":["color","count"],"additionalProperties":false}""");
        var options = new ChatOptions { MaxOutputTokens = 64, Temperature = 1, Seed = 7, ResponseFormat = ChatResponseFormat.ForJsonSchema(schema.RootElement, "thing") };
        ChatResponse r = await _client.GetResponseAsync("Describe the thing as JSON.", options);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Text);
        Assert.Contains(doc.RootElement.GetProperty("color").GetString(), new[] { "red", "green" });
        Assert.InRange(doc.RootElement.GetProperty("count").GetInt32(), 0, 9);
        Assert.Equal(ChatFinishReason.Stop, r.FinishReason);
    }

    [Fact]
    public async Task GetResponseAsync_JsonFormatWithoutSchema_ReturnsAnObject()
    {
        var options = new ChatOptions { MaxOutputTokens = 200, Temperature = 0, ResponseFormat = ChatResponseFormat.Json };
        ChatResponse r = await _client.GetResponseAsync("Answer in JSON.", options);
        if (r.FinishReason == ChatFinishReason.Stop)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(r.Text);
            Assert.Equal(System.Text.Json.JsonValueKind.Object, doc.RootElement.ValueKind);
        }
        else
        {
            Assert.StartsWith("{", r.Text.TrimStart(), StringComparison.Ordinal); // cut by the token budget: a valid prefix
        }
    }

    [Fact]
    public async Task GetResponseAsync_StopSequence_CutsTextAndFinishesWithStop()
    {
        var options = new ChatOptions { MaxOutputTokens = 16, Temperature = 0 };
        ChatResponse full = await _client.GetResponseAsync("Describe a cat.", options);
        string stop = full.Text.Substring(full.Text.Length / 2, 3);
        int at = full.Text.IndexOf(stop, StringComparison.Ordinal);

        options.StopSequences = [stop];
        ChatResponse cut = await _client.GetResponseAsync("Describe a cat.", options);

        Assert.Equal(ChatFinishReason.Stop, cut.FinishReason);
        Assert.Equal(full.Text[..at], cut.Text);
    }

    [Fact]
    public async Task GetResponseAsync_SameSeedWithSampling_SameText()
    {
        ChatOptions Options() => new() { MaxOutputTokens = 8, Temperature = 1.5f, TopP = 0.95f, TopK = 50, Seed = 1234567890123L };
        ChatResponse a = await _client.GetResponseAsync("Pick words.", Options());
        ChatResponse b = await _client.GetResponseAsync("Pick words.", Options());
        Assert.Equal(a.Text, b.Text);
    }

    [Fact]
    public async Task GetResponseAsync_MaxPixelsInAdditionalProperties_ShrinksImageTokens()
    {
        var options = new ChatOptions { MaxOutputTokens = 1, AdditionalProperties = new() { ["max_pixels"] = 56 * 56 * 4 } };
        ChatResponse r = await _client.GetResponseAsync([new ChatMessage(ChatRole.User, [Chart(), new TextContent("?")])], options);
        // 812x420 capped at 12544 px -> 140x56 -> 5x2 merged = 10 tokens (the engine test's arithmetic).
        Assert.Equal(10, r.Usage!.AdditionalCounts!["image_tokens"]);
        var image = Assert.Single(Assert.IsType<QwenVLImageInfo[]>(r.AdditionalProperties!["images"]));
        Assert.Equal((812, 420, 140, 56), (image.Width, image.Height, image.ResizedWidth, image.ResizedHeight));
    }

    [Fact]
    public async Task GetResponseAsync_PerImageMaxPixels_OverridesForThatImageOnly()
    {
        DataContent small = Chart();
        small.AdditionalProperties = new() { ["max_pixels"] = 12544L };
        ChatResponse r = await _client.GetResponseAsync([new ChatMessage(ChatRole.User,
            [small, new DataContent(EngineFixture.ImageBytes("shapes_448x448.png"), "image/png"), new TextContent("?")])],
            new ChatOptions { MaxOutputTokens = 1 });
        Assert.Equal(10, r.Usage!.AdditionalCounts!["image_tokens[0]"]);
        Assert.Equal(256, r.Usage.AdditionalCounts["image_tokens[1]"]);
        Assert.Equal(266, r.Usage.AdditionalCounts["image_tokens"]);
    }

    [Fact]
    public async Task GetResponseAsync_Instructions_BecomeSystemPrompt()
    {
        var plain = new ChatOptions { MaxOutputTokens = 1 };
        var instructed = new ChatOptions { MaxOutputTokens = 1, Instructions = "Answer in French, briefly, always." };
        ChatResponse a = await _client.GetResponseAsync("hi", plain);
        ChatResponse b = await _client.GetResponseAsync("hi", instructed);
        // The default system prompt is replaced by the instructions, so the counts differ.
        Assert.NotEqual(a.Usage!.InputTokenCount, b.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task GetResponseAsync_NegativeTemperature_ThrowsNamingTemperature()
    {
        var e = await Assert.ThrowsAsync<EngineException>(() => _client.GetResponseAsync("hi", new ChatOptions { Temperature = -1 }));
        Assert.Equal("temperature", e.Field);
    }

    [Fact]
    public async Task GetResponseAsync_BadMaxPixels_ThrowsNamingIt()
    {
        var options = new ChatOptions { AdditionalProperties = new() { ["max_pixels"] = "lots" } };
        var e = await Assert.ThrowsAsync<EngineException>(() => _client.GetResponseAsync("hi", options));
        Assert.Equal("options.AdditionalProperties.max_pixels", e.Field);
    }

    [Fact]
    public async Task GetResponseAsync_Tools_NotSupported()
    {
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create(() => 42, "answer")] };
        await Assert.ThrowsAsync<NotSupportedException>(() => _client.GetResponseAsync("hi", options));
    }

    [Fact]
    public async Task GetResponseAsync_ToolRole_ThrowsNamingRole()
    {
        var e = await Assert.ThrowsAsync<EngineException>(() => _client.GetResponseAsync([new ChatMessage(ChatRole.Tool, "x")]));
        Assert.Equal("messages[0].role", e.Field);
    }

    [Fact]
    public async Task GetResponseAsync_NonImageData_ThrowsNamingContent()
    {
        var pdf = new DataContent(new byte[] { 1, 2, 3 }, "application/pdf");
        var e = await Assert.ThrowsAsync<EngineException>(() =>
            _client.GetResponseAsync([new ChatMessage(ChatRole.User, [new TextContent("read"), pdf])]));
        Assert.Equal("messages[0].contents[1]", e.Field);
    }

    [Fact]
    public async Task GetResponseAsync_DataUriContent_DecodedLikeDataContent()
    {
        string url = "data:image/png;base64," + Convert.ToBase64String(EngineFixture.ImageBytes("shapes_448x448.png"));
        ChatResponse r = await _client.GetResponseAsync([new ChatMessage(ChatRole.User, [new UriContent(new Uri(url), "image/png"), new TextContent("?")])],
            new ChatOptions { MaxOutputTokens = 1 });
        Assert.Equal(256, r.Usage!.AdditionalCounts!["image_tokens"]);
    }

    [Fact]
    public async Task GetResponseAsync_HttpImageWithoutHttpClient_Refused()
    {
        var uri = new UriContent("https://example.invalid/cat.png", "image/png");
        var e = await Assert.ThrowsAsync<EngineException>(() => _client.GetResponseAsync([new ChatMessage(ChatRole.User, [uri])]));
        Assert.Contains("HttpClient", e.Message);
    }

    [Fact]
    public async Task GetResponseAsync_HttpImageThroughHttpClient_FetchedAndCounted()
    {
        var handler = new StubHandler(EngineFixture.ImageBytes("shapes_448x448.png"), "image/png");
        using var http = new HttpClient(handler);
        using var client = new QwenVLChatClient(fixture.Engine, new QwenVLChatClientOptions { HttpClient = http });
        var uri = new UriContent("https://images.test/shapes.png", "image/png");

        ChatResponse r = await client.GetResponseAsync([new ChatMessage(ChatRole.User, [uri, new TextContent("?")])],
            new ChatOptions { MaxOutputTokens = 1 });

        Assert.Equal(new Uri("https://images.test/shapes.png"), Assert.Single(handler.Requested));
        Assert.Equal(256, r.Usage!.AdditionalCounts!["image_tokens"]);
    }

    [Fact]
    public async Task GetResponseAsync_HttpImageOverCap_ThrowsNamingContent()
    {
        using var http = new HttpClient(new StubHandler(new byte[5000], "image/png", sendLength: false));
        using var client = new QwenVLChatClient(fixture.Engine, new QwenVLChatClientOptions { HttpClient = http, MaxImageBytes = 4096 });
        var uri = new UriContent("https://images.test/big.png", "image/png");

        var e = await Assert.ThrowsAsync<EngineException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, [uri])]));
        Assert.Equal("messages[0].contents[0]", e.Field);
        Assert.Contains("4096", e.Message);
    }

    [Fact]
    public async Task GetResponseAsync_HttpImageNotFound_ThrowsWithStatus()
    {
        using var http = new HttpClient(new StubHandler([], "text/html", HttpStatusCode.NotFound));
        using var client = new QwenVLChatClient(fixture.Engine, new QwenVLChatClientOptions { HttpClient = http });
        var uri = new UriContent("https://images.test/missing.png", "image/png");

        var e = await Assert.ThrowsAsync<EngineException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, [uri])]));
        Assert.Contains("404", e.Message);
    }

    private sealed class StubHandler(byte[] body, string mediaType, HttpStatusCode status = HttpStatusCode.OK, bool sendLength = true)
        : HttpMessageHandler
    {
        public List<Uri> Requested { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requested.Add(request.RequestUri!);
            // Without a length the content is a plain stream, as with a chunked response.
            HttpContent content = sendLength ? new ByteArrayContent(body) : new StreamContent(new MemoryStream(body));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
            if (!sendLength)
            {
                content.Headers.ContentLength = null;
            }
            return Task.FromResult(new HttpResponseMessage(status) { Content = content });
        }
    }
}
