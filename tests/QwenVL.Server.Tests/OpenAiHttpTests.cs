// The OpenAI routes over raw HTTP, where the wire format itself is the subject: SSE framing and
// chunk order, /v1/models, the /compatible-mode mount, image URLs fetched from the local image host
// through redirects, and stop strings.
using System.Net;
using System.Text.Json.Nodes;

namespace QwenVL.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class OpenAiHttpTests(ServerFixture fx)
{
    private async Task<JsonNode> CompleteAsync(QwenVLServer server, string path, string body)
    {
        using HttpResponseMessage r = await fx.PostAsync(server, path, body);
        string text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task Stream_IncludeUsage_RoleFirstThenDeltasFinishUsageAndDone()
    {
        using HttpResponseMessage r = await fx.PostAsync(fx.Main, "/v1/chat/completions",
            ServerFixture.Chat(maxTokens: 5, extra: ""","stream":true,"stream_options":{"include_usage":true}"""));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        List<SseEvent> events = await Sse.ReadAllAsync(r);
        Assert.Equal("[DONE]", events[^1].Data);
        JsonNode[] chunks = [.. events.SkipLast(1).Select(e => e.Json)];
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", (string?)c["object"]));
        Assert.Single(chunks.Select(c => (string?)c["id"]).Distinct());
        Assert.Equal("assistant", (string?)chunks[0]["choices"]![0]!["delta"]!["role"]);
        JsonNode finish = chunks[^2];
        Assert.Equal("length", (string?)finish["choices"]![0]!["finish_reason"]);
        JsonNode usage = chunks[^1];
        Assert.Empty(usage["choices"]!.AsArray());
        Assert.Equal(5, (int)usage["usage"]!["completion_tokens"]!);
        Assert.True((int)usage["usage"]!["prompt_tokens"]! > 0);
        string streamed = string.Concat(chunks.Skip(1).SkipLast(2).Select(c => (string?)c["choices"]![0]!["delta"]!["content"]));
        JsonNode plain = await CompleteAsync(fx.Main, "/v1/chat/completions", ServerFixture.Chat(maxTokens: 5));
        Assert.Equal((string?)plain["choices"]![0]!["message"]!["content"], streamed);
    }

    [Fact]
    public async Task Models_Get_ListsConfiguredAndHostedNames()
    {
        JsonNode list = JsonNode.Parse(await fx.Http.GetStringAsync(new Uri(fx.Main.BaseAddress, "v1/models")))!;
        Assert.Equal("list", (string?)list["object"]);
        string[] ids = [.. list["data"]!.AsArray().Select(m => (string)m!["id"]!)];
        Assert.Equal(new[] { ServerFixture.ModelName, "qwen-vl-plus", "qwen-vl-max" }, ids);
    }

    [Fact]
    public async Task CompatibleMode_SameRequest_SameAnswerAsV1()
    {
        string body = ServerFixture.Chat(maxTokens: 4).Replace(ServerFixture.ModelName, "qwen-vl-max", StringComparison.Ordinal);
        JsonNode v1 = await CompleteAsync(fx.Main, "/v1/chat/completions", body);
        JsonNode compat = await CompleteAsync(fx.Main, "/compatible-mode/v1/chat/completions", body);
        Assert.Equal((string?)v1["choices"]![0]!["message"]!["content"], (string?)compat["choices"]![0]!["message"]!["content"]);
        Assert.Equal("qwen-vl-max", (string?)compat["model"]);
        Assert.Equal("chat.completion", (string?)compat["object"]);
    }

    [Fact]
    public async Task ImageUrl_ThreeRedirectsOnLocalHost_FetchedAndCounted()
    {
        string content = $$$"""[{"type":"image_url","image_url":{"url":"{{{fx.Images.Url("/redirect/3")}}}"}},{"type":"text","text":"What is it?"}]""";
        JsonNode r = await CompleteAsync(fx.Main, "/v1/chat/completions", ServerFixture.Chat(content, maxTokens: 2));
        Assert.Equal(4, (int)r["usage"]!["prompt_tokens_details"]!["image_tokens"]!);
    }

    [Fact]
    public async Task ImageUrl_FourRedirects_400NamingTheField()
    {
        string content = $$$"""[{"type":"image_url","image_url":{"url":"{{{fx.Images.Url("/redirect/4")}}}"}}]""";
        using HttpResponseMessage r = await fx.PostAsync(fx.Main, "/v1/chat/completions", ServerFixture.Chat(content));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        JsonNode error = JsonNode.Parse(await r.Content.ReadAsStringAsync())!["error"]!;
        Assert.Contains("redirects", (string?)error["message"]);
        Assert.Equal("messages[0].content[0].image_url", (string?)error["param"]);
    }

    [Fact]
    public async Task Stop_StringFromTheAnswer_CutsThereWithFinishStop()
    {
        JsonNode full = await CompleteAsync(fx.Main, "/v1/chat/completions", ServerFixture.Chat(maxTokens: 12));
        string text = (string)full["choices"]![0]!["message"]!["content"]!;
        string stop = text.Substring(text.Length / 2, 2);
        JsonNode cut = await CompleteAsync(fx.Main, "/v1/chat/completions",
            ServerFixture.Chat(maxTokens: 12, extra: $$""","stop":[{{System.Text.Json.JsonSerializer.Serialize(stop)}}]"""));
        Assert.Equal("stop", (string?)cut["choices"]![0]!["finish_reason"]);
        Assert.Equal(text[..text.IndexOf(stop, StringComparison.Ordinal)], (string?)cut["choices"]![0]!["message"]!["content"]);
    }
}
