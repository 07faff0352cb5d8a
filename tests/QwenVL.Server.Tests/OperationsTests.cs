// Operations: /health without a key, the API key on API routes (OpenAI and DashScope error shapes),
// /metrics counters after requests, the request log line, the page at /, and unknown API paths.
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace QwenVL.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class OperationsTests(ServerFixture fx)
{
    private async Task<HttpResponseMessage> GetAsync(QwenVLServer server, string path, string? bearer = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, path.TrimStart('/')));
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return await fx.Http.SendAsync(request);
    }

    [Fact]
    public async Task Health_KeyedServerWithoutKey_Ok()
    {
        using HttpResponseMessage r = await GetAsync(fx.Keyed, "/health");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        JsonNode health = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.Equal("ok", (string?)health["status"]);
        Assert.Equal(ServerFixture.ModelName, (string?)health["models"]![0]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task ApiRoutes_MissingOrWrongKey_401OpenAiError(string? key)
    {
        foreach (string path in (string[])["/v1/models", "/metrics"])
        {
            using HttpResponseMessage r = await GetAsync(fx.Keyed, path, key);
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            JsonNode error = JsonNode.Parse(await r.Content.ReadAsStringAsync())!["error"]!;
            Assert.Equal("invalid_api_key", (string?)error["code"]);
        }
        using HttpResponseMessage chat = await fx.PostAsync(fx.Keyed, "/v1/chat/completions", ServerFixture.Chat(maxTokens: 1), key);
        Assert.Equal(HttpStatusCode.Unauthorized, chat.StatusCode);
    }

    [Fact]
    public async Task ApiRoutes_RightKey_Served()
    {
        using HttpResponseMessage models = await GetAsync(fx.Keyed, "/v1/models", ServerFixture.ApiKey);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        using HttpResponseMessage chat = await fx.PostAsync(fx.Keyed, "/v1/chat/completions", ServerFixture.Chat(maxTokens: 1), ServerFixture.ApiKey);
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
    }

    [Fact]
    public async Task DashScope_MissingKey_401InDashScopeShape()
    {
        using HttpResponseMessage r = await fx.PostAsync(fx.Keyed, "/api/v1/services/aigc/multimodal-generation/generation", "{}");
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        JsonNode e = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.Equal("InvalidApiKey", (string?)e["code"]);
        Assert.NotNull((string?)e["request_id"]);
    }

    [Fact]
    public async Task Metrics_AfterRequests_CountsByRouteStatusTokensAndLatency()
    {
        using (HttpResponseMessage ok = await fx.PostAsync(fx.Main, "/v1/chat/completions", ServerFixture.Chat(maxTokens: 2)))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        using (HttpResponseMessage bad = await fx.PostAsync(fx.Main, "/v1/chat/completions", "{"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }
        using HttpResponseMessage r = await GetAsync(fx.Main, "/metrics");
        Assert.StartsWith("text/plain", r.Content.Headers.ContentType?.ToString());
        string text = await r.Content.ReadAsStringAsync();
        Assert.Matches("""qwenvl_requests_total\{route="/v1/chat/completions",status="200"\} [1-9]""", text);
        Assert.Matches("""qwenvl_requests_total\{route="/v1/chat/completions",status="400"\} [1-9]""", text);
        Assert.Matches("""qwenvl_prompt_tokens_total [1-9]""", text);
        Assert.Matches("""qwenvl_completion_tokens_total [1-9]""", text);
        Assert.Contains("qwenvl_queue_depth 0\n", text);
        Assert.Contains("# TYPE qwenvl_in_flight gauge", text);
        Assert.Matches("""qwenvl_request_duration_seconds_bucket\{route="/v1/chat/completions",le="\+Inf"\} [1-9]""", text);
        Assert.Matches("""qwenvl_time_to_first_token_seconds_count [1-9]""", text);
    }

    [Fact]
    public async Task Logs_OneLinePerRequest_WithStatusAndTokens()
    {
        using (HttpResponseMessage ok = await fx.PostAsync(fx.Main, "/v1/chat/completions", ServerFixture.Chat(maxTokens: 3)))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        Assert.Contains(fx.MainLog, l => l.StartsWith("POST /v1/chat/completions 200", StringComparison.Ordinal)
            && l.Contains("completion_tokens=3", StringComparison.Ordinal) && l.Contains("model=qwen2-vl-tiny", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Root_Get_ServesTheEmbeddedPageWithoutKey()
    {
        using HttpResponseMessage r = await GetAsync(fx.Keyed, "/");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html", await r.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task UnknownApiPath_404WithErrorJson()
    {
        using HttpResponseMessage r = await GetAsync(fx.Main, "/v1/embeddings");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.NotNull(JsonNode.Parse(await r.Content.ReadAsStringAsync())!["error"]);
    }
}
