// Admission and lifetime: 429 with Retry-After when the one slot is taken and there is no queue, a
// queued request running once the slot frees, a client that disconnects mid-stream freeing its slot,
// a slow reader still getting every token, the per-request timeout, and graceful shutdown. Long
// generations are always ended by the test (disconnect or shutdown); every wait is bounded.
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace QwenVL.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class SchedulingTests(ServerFixture fx)
{
    private const string Completions = "/v1/chat/completions";
    private static readonly string LongStream = ServerFixture.Chat(maxTokens: 20_000, extra: ""","stream":true""");

    [Fact]
    public async Task Post_SlotTakenAndNoQueue_429WithRetryAfter()
    {
        using (Running running = await StartStreamAsync(fx.Tight))
        {
            using HttpResponseMessage refused = await fx.PostAsync(fx.Tight, Completions, ServerFixture.Chat(maxTokens: 1));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            JsonNode error = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!;
            Assert.Equal("rate_limit_error", (string?)error["type"]);
        }
        await AssertSucceedsSoonAsync(fx.Tight);
    }

    [Fact]
    public async Task Post_ClientDisconnectsMidStream_SlotFreedForTheNextRequest()
    {
        Running running = await StartStreamAsync(fx.Tight);
        running.Dispose(); // closes the connection mid-stream
        await AssertSucceedsSoonAsync(fx.Tight);
        string metrics = await fx.Http.GetStringAsync(new Uri(fx.Tight.BaseAddress, "metrics"));
        Assert.Contains("qwenvl_in_flight 0\n", metrics);
    }

    [Fact]
    public async Task Post_QueuedBehindARunningRequest_RunsOnceTheSlotFrees()
    {
        QwenVLServer server = await fx.StartAsync(new ServerOptions { Port = 0, MaxConcurrency = 1, MaxQueue = 1, ConfigureLogging = _ => { } });
        Running running = await StartStreamAsync(server);
        Task<HttpResponseMessage> queued = fx.PostAsync(server, Completions, ServerFixture.Chat(maxTokens: 1));
        await WaitUntilAsync(async () => (await fx.Http.GetStringAsync(new Uri(server.BaseAddress, "metrics"))).Contains("qwenvl_queue_depth 1\n"));
        Assert.False(queued.IsCompleted);
        running.Dispose();
        using HttpResponseMessage done = await queued.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
    }

    [Fact]
    public async Task Stream_SlowReader_GetsEveryToken()
    {
        using HttpResponseMessage plain = await fx.PostAsync(fx.Main, Completions, ServerFixture.Chat(maxTokens: 24));
        string expected = (string)JsonNode.Parse(await plain.Content.ReadAsStringAsync())!["choices"]![0]!["message"]!["content"]!;

        using HttpResponseMessage r = await fx.PostAsync(fx.Main, Completions, ServerFixture.Chat(maxTokens: 24, extra: ""","stream":true"""));
        await using Stream body = await r.Content.ReadAsStreamAsync();
        var bytes = new MemoryStream();
        byte[] buffer = new byte[32];
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            bytes.Write(buffer, 0, read);
            await Task.Delay(3); // far slower than the server writes
        }
        List<SseEvent> events = Sse.Parse(Encoding.UTF8.GetString(bytes.ToArray()));
        Assert.Equal("[DONE]", events[^1].Data);
        string streamed = string.Concat(events.SkipLast(1).Select(e => (string?)e.Json["choices"]![0]!["delta"]!["content"]));
        Assert.Equal(expected, streamed);
    }

    [Fact]
    public async Task Post_LongerThanTheTimeout_504AndTheSlotIsFreed()
    {
        using HttpResponseMessage r = await fx.PostAsync(fx.Short, Completions, ServerFixture.Chat(maxTokens: 20_000));
        Assert.Equal(HttpStatusCode.GatewayTimeout, r.StatusCode);
        JsonNode error = JsonNode.Parse(await r.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("timeout", (string?)error["code"]);
        await AssertSucceedsSoonAsync(fx.Short);
    }

    [Fact]
    public async Task Stop_WithAStreamInFlight_EndsItAfterTheGracePeriodAndStopsListening()
    {
        QwenVLServer server = await fx.StartAsync(new ServerOptions { Port = 0, ShutdownGrace = TimeSpan.FromMilliseconds(500), ConfigureLogging = _ => { } });
        Uri address = server.BaseAddress;
        using Running running = await StartStreamAsync(server);
        Task stopping = server.StopAsync();
        string rest = await new StreamReader(running.Body).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        List<SseEvent> events = Sse.Parse(running.Seen + rest);
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.Contains("shutting down", events[^2].Data);
        await Assert.ThrowsAsync<HttpRequestException>(() => fx.Http.GetAsync(new Uri(address, "health")));
    }

    /// <summary>Starts a long stream and waits for its first content event (so it holds a slot and is generating).</summary>
    private async Task<Running> StartStreamAsync(QwenVLServer server)
    {
        HttpResponseMessage r = await fx.PostAsync(server, Completions, LongStream);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Stream body = await r.Content.ReadAsStreamAsync();
        byte[] buffer = new byte[256];
        int seen = 0;
        // The role event comes first; two "data:" prefixes mean a token has been generated too.
        var text = new StringBuilder();
        while (seen < 2)
        {
            int n = await body.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(n > 0, "stream ended early");
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
            seen = text.ToString().Split("data:").Length - 1;
        }
        return new Running(r, body, text.ToString());
    }

    private sealed record Running(HttpResponseMessage Response, Stream Body, string Seen) : IDisposable
    {
        public void Dispose()
        {
            Body.Dispose();
            Response.Dispose();
        }
    }

    private async Task AssertSucceedsSoonAsync(QwenVLServer server)
    {
        HttpStatusCode last = 0;
        await WaitUntilAsync(async () =>
        {
            using HttpResponseMessage r = await fx.PostAsync(server, Completions, ServerFixture.Chat(maxTokens: 1));
            last = r.StatusCode;
            return last == HttpStatusCode.OK;
        });
        Assert.Equal(HttpStatusCode.OK, last);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }
}
