// OpenAI response_format through the real server (also the DashScope compatible-mode route):
// json_schema replies parse and hold the schema's bounded values, json_object replies are objects or
// end by length as a valid prefix, and unsupported schemas or types get a 400 naming the keyword path.
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenVL.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class ResponseFormatTests(ServerFixture fx)
{
    private const string Schema = """{"type":"object","properties":{"label":{"enum":["cat","dog","猫"]},"count":{"type":"integer","minimum":0,"maximum":20}},"required":["label","count"],"additionalProperties":false}""";

    private static string Body(string responseFormat, int maxTokens, int seed) =>
        ServerFixture.Chat("\"Answer in JSON.\"", maxTokens, $$""","seed":{{seed}},"response_format":{{responseFormat}}""").Replace("\"temperature\":0", "\"temperature\":1", StringComparison.Ordinal);

    private async Task<JsonNode> PostOkAsync(string path, string body)
    {
        using HttpResponseMessage r = await fx.PostAsync(fx.Main, path, body);
        string text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    [Theory]
    [InlineData("/v1/chat/completions", 1)]
    [InlineData("/v1/chat/completions", 2)]
    [InlineData("/compatible-mode/v1/chat/completions", 3)]
    public async Task Post_JsonSchema_ReturnsParseableValidJson(string path, int seed)
    {
        // The longest reply, {"label":"cat","count":20} with 2 whitespace bytes per gap, is under 60 bytes.
        JsonNode reply = await PostOkAsync(path, Body("""{"type":"json_schema","json_schema":{"name":"pet","strict":true,"schema":""" + Schema + "}}", 60, seed));
        Assert.Equal("stop", (string?)reply["choices"]![0]!["finish_reason"]);
        using JsonDocument doc = JsonDocument.Parse((string)reply["choices"]![0]!["message"]!["content"]!);
        Assert.Contains(doc.RootElement.GetProperty("label").GetString(), new[] { "cat", "dog", "猫" });
        Assert.InRange(doc.RootElement.GetProperty("count").GetInt32(), 0, 20);
        Assert.Equal(2, doc.RootElement.EnumerateObject().Count());
    }

    [Fact]
    public async Task Post_JsonObject_ReturnsAnObjectOrLengthPrefix()
    {
        JsonNode reply = await PostOkAsync("/v1/chat/completions", Body("""{"type":"json_object"}""", 24, 5));
        string content = (string)reply["choices"]![0]!["message"]!["content"]!;
        Assert.StartsWith("{", content, StringComparison.Ordinal);
        if ((string?)reply["choices"]![0]!["finish_reason"] == "stop")
        {
            Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(content).RootElement.ValueKind);
        }
        else
        {
            Assert.Equal("length", (string?)reply["choices"]![0]!["finish_reason"]);
        }
    }

    [Theory]
    [InlineData("""{"type":"json_schema","json_schema":{"name":"d","schema":{"type":"object","properties":{"date":{"type":"string","format":"date"}}}}}""", "response_format", "$.properties.date.format")]
    [InlineData("""{"type":"json_schema","json_schema":{"name":"d"}}""", "response_format.json_schema", "schema")]
    [InlineData("""{"type":"yaml"}""", "response_format.type", "yaml")]
    [InlineData("\"json\"", "response_format", "object")]
    public async Task Post_BadResponseFormat_400NamingIt(string responseFormat, string param, string inMessage)
    {
        using HttpResponseMessage r = await fx.PostAsync(fx.Main, "/v1/chat/completions", Body(responseFormat, 8, 1));
        string text = await r.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        JsonNode error = JsonNode.Parse(text)!["error"]!;
        Assert.Equal(param, (string?)error["param"]);
        Assert.Contains(inMessage, (string?)error["message"]);
        Assert.DoesNotContain("   at ", text);
    }
}
