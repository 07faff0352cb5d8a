// The runner against a fake OpenAI-compatible server on 127.0.0.1: the prompt text, system prompt,
// image data: URL, min/max_pixels siblings, model field and bearer token it sends; retries after
// 503s; a clear error naming the URL when nothing listens.
using System.Text.Json.Nodes;
using QwenVL.Eval.Running;
using QwenVL.Eval.Tests.Data;

namespace QwenVL.Eval.Tests.Running;

public class EndpointRunTests
{
    [Fact]
    public async Task RunAsync_LmmsEvalMode_SendsPromptPixelsAndModel()
    {
        using var dir = new TempDir();
        string data = SyntheticData.DocVqaTsv(dir, 2);
        using var server = new FakeOpenAiServer(body => body.ToJsonString().Contains("item 0", StringComparison.Ordinal) ? "answer 0" : "zebra");
        using var model = new OpenAiEndpointModel(server.BaseUrl, "secret", "Qwen2.5-VL-7B-Instruct");
        var r = await EvalRunner.RunAsync(new EvalRunOptions("docvqa_val", data, dir.File("out.jsonl")) { Mode = "lmms-eval" }, model);

        Assert.Equal(2, server.Bodies.Count);
        Assert.All(server.Paths, p => Assert.Equal("/v1/chat/completions", p));
        Assert.All(server.Authorizations, a => Assert.Equal("Bearer secret", a));
        JsonObject body = server.Bodies.First(b => b.ToJsonString().Contains("item 0", StringComparison.Ordinal));
        Assert.Equal("Qwen2.5-VL-7B-Instruct", body["model"]!.GetValue<string>());
        Assert.Equal(32, body["max_tokens"]!.GetValue<int>());
        Assert.Equal(0, body["temperature"]!.GetValue<double>());
        var messages = body["messages"]!.AsArray();
        Assert.Equal("You are a helpful assistant.", messages[0]!["content"]!.GetValue<string>());
        var parts = messages[1]!["content"]!.AsArray();
        Assert.Equal("image_url", parts[0]!["type"]!.GetValue<string>());
        Assert.StartsWith("data:image/png;base64,", parts[0]!["image_url"]!["url"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(200_704, parts[0]!["min_pixels"]!.GetValue<long>());
        Assert.Equal(1_605_632, parts[0]!["max_pixels"]!.GetValue<long>());
        Assert.Equal("What is item 0?\nAnswer the question using a single word or phrase.", parts[1]!["text"]!.GetValue<string>());
        Assert.Equal(50.0, r.Score.Score, 6);   // item 0 right, item 1 "zebra" (ANLS 0)
    }

    [Fact]
    public async Task AnswerAsync_ServerBusyTwice_RetriesThenSucceeds()
    {
        using var server = new FakeOpenAiServer(_ => "ok", failFirst: 2);
        using var model = new OpenAiEndpointModel(server.BaseUrl + "/v1", null, null, baseDelay: TimeSpan.FromMilliseconds(1));
        var reply = await model.AnswerAsync(Request(), CancellationToken.None);
        Assert.Equal("ok", reply.Text);
        Assert.Equal(3, server.Paths.Count);
    }

    [Fact]
    public async Task AnswerAsync_ServerAlwaysBusy_GivesUpNamingUrlAndStatus()
    {
        using var server = new FakeOpenAiServer(_ => "ok", failFirst: 100);
        using var model = new OpenAiEndpointModel(server.BaseUrl, null, null, maxRetries: 2, baseDelay: TimeSpan.FromMilliseconds(1));
        var e = await Assert.ThrowsAsync<EvalModelException>(() => model.AnswerAsync(Request(), CancellationToken.None));
        Assert.Contains("HTTP 503", e.Message, StringComparison.Ordinal);
        Assert.Contains(server.BaseUrl, e.Message, StringComparison.Ordinal);
        Assert.Equal(3, server.Paths.Count);
    }

    [Fact]
    public async Task AnswerAsync_NothingListening_ErrorNamesUrl()
    {
        int port = FakeOpenAiServer.FreePort();
        using var model = new OpenAiEndpointModel($"http://127.0.0.1:{port}", null, null, TimeSpan.FromSeconds(5), maxRetries: 1, baseDelay: TimeSpan.FromMilliseconds(1));
        var e = await Assert.ThrowsAsync<EvalModelException>(() => model.AnswerAsync(Request(), CancellationToken.None));
        Assert.Contains($"cannot reach http://127.0.0.1:{port}/v1/chat/completions", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NotHttpUrl_Throws() =>
        Assert.Throws<EvalModelException>(() => new OpenAiEndpointModel("ftp://x", null, null));

    static EvalRequest Request() => new(
        new QwenVL.Eval.Prompts.PromptSpec("t", null, [QwenVL.Eval.Prompts.PromptPart.Image(0), QwenVL.Eval.Prompts.PromptPart.Of("hi")], 8),
        [SyntheticData.Png(8, 8)], new DecodingSettings(8), new QwenVL.Eval.Prompts.PixelLimits(3136, 602_112));
}
