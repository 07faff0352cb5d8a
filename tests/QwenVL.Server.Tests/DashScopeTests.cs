// DashScope's native multimodal-generation endpoint over raw HTTP: the response shape with content
// as a list of {"text"} parts and image_tokens in usage, SSE framing with incremental and cumulative
// text, result_format "text", the hosted model names, and its error body.
using System.Net;
using System.Text.Json.Nodes;

namespace QwenVL.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class DashScopeTests(ServerFixture fx)
{
    private const string Path = "/api/v1/services/aigc/multimodal-generation/generation";

    private string Body(string parameters, string model = "qwen-vl-plus") =>
        $$"""
        {"model":"{{model}}","input":{"messages":[
          {"role":"system","content":[{"text":"You are a helpful assistant."}]},
          {"role":"user","content":[{"image":"{{fx.Images.Url("/small.png")}}"},{"text":"Where is this?"}]}]},
         "parameters":{{parameters}}}
        """;

    private async Task<HttpResponseMessage> PostAsync(string body, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fx.Main.BaseAddress, Path.TrimStart('/')))
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        foreach ((string name, string value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return await fx.Http.SendAsync(request);
    }

    private async Task<JsonNode> NonStreamAsync(string parameters)
    {
        using HttpResponseMessage r = await PostAsync(Body(parameters));
        string text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task Generate_ResponseFormatJsonSchema_TextParsesAndMatches()
    {
        const string Schema = """{"type":"object","properties":{"place":{"enum":["beach","city"]}},"required":["place"],"additionalProperties":false}""";
        JsonNode r = await NonStreamAsync("""{"max_tokens":40,"seed":3,"temperature":1,"response_format":{"type":"json_schema","json_schema":{"name":"p","schema":""" + Schema + "}}}");
        string text = (string)r["output"]!["choices"]![0]!["message"]!["content"]![0]!["text"]!;
        using System.Text.Json.JsonDocument doc = System.Text.Json.JsonDocument.Parse(text);
        Assert.Contains(doc.RootElement.GetProperty("place").GetString(), new[] { "beach", "city" });
    }

    [Fact]
    public async Task Generate_BadResponseFormat_400NamingTheParametersField()
    {
        using HttpResponseMessage r = await PostAsync(Body("""{"response_format":{"type":"yaml"}}"""));
        string text = await r.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("parameters.response_format.type", text);
    }

    [Fact]
    public async Task Generate_NonStream_NativeShapeWithImageTokens()
    {
        JsonNode r = await NonStreamAsync("""{"seed":1234,"top_k":100,"top_p":0.81,"temperature":0,"max_tokens":4}""");
        JsonNode choice = r["output"]!["choices"]![0]!;
        Assert.Equal("length", (string?)choice["finish_reason"]);
        Assert.Equal("assistant", (string?)choice["message"]!["role"]);
        Assert.False(string.IsNullOrEmpty((string?)choice["message"]!["content"]![0]!["text"]));
        Assert.Equal(4, (int)r["usage"]!["output_tokens"]!);
        Assert.Equal(4, (int)r["usage"]!["image_tokens"]!);
        Assert.True((int)r["usage"]!["input_tokens"]! > 10);
        Assert.True(Guid.TryParse((string?)r["request_id"], out _));
    }

    [Fact]
    public async Task Generate_SseIncremental_DeltasConcatenateToTheFullAnswer()
    {
        const string Parameters = """{"temperature":0,"max_tokens":6,"incremental_output":true}""";
        string full = (string)(await NonStreamAsync(Parameters))["output"]!["choices"]![0]!["message"]!["content"]![0]!["text"]!;
        using HttpResponseMessage r = await PostAsync(Body(Parameters), ("X-DashScope-SSE", "enable"));
        List<SseEvent> events = await Sse.ReadAllAsync(r);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), events.Select(e => e.Id));
        Assert.All(events, e => Assert.Equal("result", e.Event));
        Assert.All(events, e => Assert.Equal(["HTTP_STATUS/200"], e.Comments));
        string?[] finishes = [.. events.Select(e => (string?)e.Json["output"]!["choices"]![0]!["finish_reason"])];
        Assert.All(finishes.SkipLast(1), f => Assert.Equal("null", f));
        Assert.Equal("length", finishes[^1]);
        Assert.Equal(full, string.Concat(events.Select(e => (string?)e.Json["output"]!["choices"]![0]!["message"]!["content"]![0]!["text"])));
        JsonNode usage = events[^1].Json["usage"]!;
        Assert.Equal(6, (int)usage["output_tokens"]!);
        Assert.Equal(4, (int)usage["image_tokens"]!);
    }

    [Fact]
    public async Task Generate_SseCumulative_EachEventExtendsThePrevious()
    {
        const string Parameters = """{"temperature":0,"max_tokens":6}""";
        string full = (string)(await NonStreamAsync(Parameters))["output"]!["choices"]![0]!["message"]!["content"]![0]!["text"]!;
        using HttpResponseMessage r = await PostAsync(Body(Parameters), ("Accept", "text/event-stream"));
        string[] texts = [.. (await Sse.ReadAllAsync(r)).Select(e => (string)e.Json["output"]!["choices"]![0]!["message"]!["content"]![0]!["text"]!)];
        Assert.True(texts.Length >= 2);
        for (int i = 1; i < texts.Length; i++)
        {
            Assert.StartsWith(texts[i - 1], texts[i], StringComparison.Ordinal);
        }
        Assert.Equal(full, texts[^1]);
    }

    [Fact]
    public async Task Generate_ResultFormatText_OutputTextAndFinishReason()
    {
        JsonNode r = await NonStreamAsync("""{"temperature":0,"max_tokens":3,"result_format":"text"}""");
        Assert.False(string.IsNullOrEmpty((string?)r["output"]!["text"]));
        Assert.Equal("length", (string?)r["output"]!["finish_reason"]);
        Assert.Null(r["output"]!["choices"]);
    }

    [Fact]
    public async Task Generate_WrongParameterType_InvalidParameterErrorBody()
    {
        using HttpResponseMessage r = await PostAsync(Body("""{"temperature":"hot"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        JsonNode e = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.Equal("InvalidParameter", (string?)e["code"]);
        Assert.Contains("parameters.temperature", (string?)e["message"]);
        Assert.False(string.IsNullOrEmpty((string?)e["request_id"]));
    }

    [Fact]
    public async Task Generate_UnknownModel_404ListingNames()
    {
        using HttpResponseMessage r = await PostAsync(Body("""{"max_tokens":1}""", model: "qwen-vl-ultra"));
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        JsonNode e = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.Equal("ModelNotFound", (string?)e["code"]);
        Assert.Contains("qwen-vl-max", (string?)e["message"]);
    }
}
