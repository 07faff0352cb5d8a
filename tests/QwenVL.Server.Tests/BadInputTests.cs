// Every kind of bad request gets the right 4xx with OpenAI's error JSON naming the field, and the
// server answers a valid request right after. Private-address refusals happen before any connect,
// so the refused addresses (10.x, 169.254.169.254) are never contacted.
using System.Net;
using System.Text.Json.Nodes;

namespace QwenVL.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class BadInputTests(ServerFixture fx)
{
    private const string Completions = "/v1/chat/completions";

    public static TheoryData<string, int, string?> Bodies => new()
    {
        { "{\"model\":", 400, null },
        { "[1,2]", 400, null },
        { """{"model":"qwen2-vl-tiny"}""", 400, "messages" },
        { """{"messages":"hi"}""", 400, "messages" },
        { """{"messages":[{"role":"user","content":"hi"}],"temperature":"hot"}""", 400, "temperature" },
        { ServerFixture.Chat(extra: ""","temperature":1"""), 400, null }, // duplicate key
        { ServerFixture.Chat(maxTokens: 0), 400, "max_tokens" },
        { ServerFixture.Chat(extra: ""","max_completion_tokens":1.5"""), 400, "max_completion_tokens" },
        { ServerFixture.Chat(extra: ""","n":2"""), 400, "n" },
        { ServerFixture.Chat(extra: ""","tools":[{"type":"function","function":{"name":"f"}}]"""), 400, "tools" },
        { ServerFixture.Chat(extra: ""","response_format":{"type":"xml"}"""), 400, "response_format.type" },
        { ServerFixture.Chat(extra: ""","stream":"yes" """), 400, "stream" },
        { ServerFixture.Chat(extra: ""","top_logprobs":2"""), 400, "top_logprobs" },
        { ServerFixture.Chat(extra: ""","stop":[""]"""), 400, "stop[0]" },
        { """{"messages":[{"role":"robot","content":"hi"}]}""", 400, "messages[0].role" },
        { """{"messages":[{"role":"user","content":42}]}""", 400, "messages[0].content" },
        { """{"messages":[{"role":"tool","content":"x"}]}""", 400, "messages[0].role" },
        { ServerFixture.Chat("""[{"type":"image_url","image_url":{"url":"/etc/passwd"}}]"""), 400, "messages[0].content[0].image_url" },
        { ServerFixture.Chat("""[{"type":"image_url","image_url":{"url":"file:///etc/passwd"}}]"""), 400, "messages[0].content[0].image_url" },
        { ServerFixture.Chat("""[{"type":"image_url","image_url":{"url":"data:image/png;base64,bm90IGFuIGltYWdl"}}]"""), 400, "messages[0].content[0].image_url" },
        { ServerFixture.Chat("""[{"type":"image_url","image_url":{"url":"data:image/png;base64,@@@"}}]"""), 400, "messages[0].content[0].image_url" },
        { ServerFixture.Chat().Replace("qwen2-vl-tiny", "gpt-4o", StringComparison.Ordinal), 404, "model" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Post_BadBody_4xxWithErrorJsonThenKeepsServing(string body, int status, string? param)
    {
        JsonNode error = await ExpectErrorAsync(fx.Main, body, status);
        if (param is not null)
        {
            Assert.Equal(param, (string?)error["param"]);
        }
        await AssertServesAsync(fx.Main);
    }

    [Fact]
    public async Task Post_UnknownModel_ListsAvailableNames()
    {
        JsonNode error = await ExpectErrorAsync(fx.Main, ServerFixture.Chat().Replace("qwen2-vl-tiny", "gpt-4o", StringComparison.Ordinal), 404);
        Assert.Equal("model_not_found", (string?)error["code"]);
        Assert.Contains("qwen2-vl-tiny", (string?)error["message"]);
    }

    [Fact]
    public async Task Post_HugeDataUrl_400WithTheLimit()
    {
        string huge = "data:image/png;base64," + Convert.ToBase64String(new byte[(1 << 20) + 4096]);
        JsonNode error = await ExpectErrorAsync(fx.Main, ServerFixture.Chat($$$"""[{"type":"image_url","image_url":{"url":"{{{huge}}}"}}]"""), 400);
        Assert.Contains("at most 1048576 bytes", (string?)error["message"]);
        await AssertServesAsync(fx.Main);
    }

    [Theory]
    [InlineData("/corrupt.png", "image")]
    [InlineData("/big.png", "bytes")]
    [InlineData("/big-chunked.png", "bytes")]
    public async Task Post_BadFetchedImage_400WithReason(string path, string reason)
    {
        string content = $$$"""[{"type":"image_url","image_url":{"url":"{{{fx.Images.Url(path)}}}"}}]""";
        JsonNode error = await ExpectErrorAsync(fx.Main, ServerFixture.Chat(content), 400);
        Assert.Contains(reason, (string?)error["message"]);
        await AssertServesAsync(fx.Main);
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port}/small.png")]
    [InlineData("http://localhost:{port}/small.png")]
    [InlineData("http://[::1]:{port}/small.png")]
    [InlineData("http://[::ffff:127.0.0.1]:{port}/small.png")]
    [InlineData("http://0.0.0.0:{port}/small.png")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.0.0.1/x.png")]
    [InlineData("http://2130706433:{port}/small.png")]
    public async Task Post_PrivateImageUrl_RefusedWithoutAllowPrivate(string url)
    {
        url = url.Replace("{port}", fx.Images.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        string content = $$$"""[{"type":"image_url","image_url":{"url":"{{{url}}}"}}]""";
        JsonNode error = await ExpectErrorAsync(fx.Strict, ServerFixture.Chat(content), 400);
        Assert.Contains("refused", (string?)error["message"]);
        Assert.Equal("messages[0].content[0].image_url", (string?)error["param"]);
        await AssertServesAsync(fx.Strict);
    }

    [Fact]
    public async Task Post_PromptLongerThanContext_400ContextLengthExceeded()
    {
        // ~33k one-token words against the tiny model's 32768-token context.
        string words = string.Join(' ', Enumerable.Repeat("hello", 33_000));
        JsonNode error = await ExpectErrorAsync(fx.Main, ServerFixture.Chat($"\"{words}\""), 400);
        Assert.Equal("context_length_exceeded", (string?)error["code"]);
        Assert.Contains("context", (string?)error["message"]);
        await AssertServesAsync(fx.Main);
    }

    private async Task<JsonNode> ExpectErrorAsync(QwenVLServer server, string body, int status)
    {
        using HttpResponseMessage r = await fx.PostAsync(server, Completions, body);
        string text = await r.Content.ReadAsStringAsync();
        Assert.True((int)r.StatusCode == status, $"expected {status}, got {(int)r.StatusCode}: {text}");
        Assert.StartsWith("application/json", r.Content.Headers.ContentType?.ToString());
        JsonNode error = JsonNode.Parse(text)!["error"]!;
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
        Assert.DoesNotContain("   at ", (string?)error["message"]); // never a stack trace
        return error;
    }

    private async Task AssertServesAsync(QwenVLServer server)
    {
        using HttpResponseMessage ok = await fx.PostAsync(server, Completions, ServerFixture.Chat(maxTokens: 1));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }
}
