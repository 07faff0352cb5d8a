// The x_qwenvl_annotations extension: built from a finished generation's text and image sizes in
// original pixels of the last image (0.1 px rounding), serialized snake_case under choices[i].message
// (OpenAI), the final chunk's delta (streaming) and output.choices[i].message (DashScope), and absent
// when an answer has no boxes (the tiny random model's noise never has any).
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using QwenVL.Engine.Generation;
using QwenVL.Server.Annotations;
using QwenVL.Server.DashScope;
using QwenVL.Server.Hosting;
using QwenVL.Server.OpenAi;

namespace QwenVL.Server.Tests;

[Collection(ServerCollection.Name)]
public sealed class AnnotationTests(ServerFixture fx)
{
    // Two images: 400x300 (first) and 2000x1000 seen as 1008x504 (last, the one annotations refer to).
    private static GenerationStats Stats() => new(100, [10, 20], [(400, 300, 392, 308), (2000, 1000, 1008, 504)], 5, 0, 0, 0, 0);

    [Fact]
    public void From_Qwen25Json_MapsLastImageResizedPixels()
    {
        AnnotationsWire a = ResponseAnnotations.From("qwen2_5_vl", Stats(), "```json\n[{\"bbox_2d\": [504, 252, 1008, 504], \"label\": \"猫\"}]\n```")!;
        Assert.Equal((1, 2000, 1000, 1008, 504), (a.ImageIndex, a.Width, a.Height, a.ResizedWidth, a.ResizedHeight));
        BoxWire b = Assert.Single(a.Boxes);
        Assert.Equal("猫", b.Label);
        Assert.Equal([1000, 500, 2000, 1000], b.Bbox);
        Assert.Equal(0, a.Skipped);
    }

    [Fact]
    public void From_Qwen2Tokens_MapsRelative1000WithSkips()
    {
        AnnotationsWire a = ResponseAnnotations.From("qwen2_vl", Stats(),
            "<|object_ref_start|>car<|object_ref_end|><|box_start|>(100,200),(300,400)<|box_end|><|box_start|>(1,2")!;
        Assert.Equal([200, 200, 600, 400], Assert.Single(a.Boxes).Bbox);
        Assert.Equal(1, a.Skipped);
    }

    [Theory]
    [InlineData("qwen2_5_vl", "no boxes here")]
    [InlineData("qwen2_5_vl", "")]
    [InlineData("llama", "[{\"bbox_2d\": [1, 2, 3, 4]}]")]
    public void From_NothingToReport_IsNull(string modelType, string text)
    {
        Assert.Null(ResponseAnnotations.From(modelType, Stats(), text));
    }

    [Fact]
    public void From_NoImage_IsNull()
    {
        var stats = new GenerationStats(10, [], [], 5, 0, 0, 0, 0);
        Assert.Null(ResponseAnnotations.From("qwen2_5_vl", stats, "[{\"bbox_2d\": [1, 2, 3, 4]}]"));
    }

    [Fact]
    public void Serialize_OpenAiMessageAndChunkAndDashScope_SnakeCaseExtensionField()
    {
        AnnotationsWire a = ResponseAnnotations.From("qwen3_vl", Stats(), "[{\"point_2d\": [500, 500], \"label\": \"p\"}]")!;
        JsonNode message = JsonNode.Parse(JsonSerializer.Serialize(new AssistantMessage("assistant", "x") { Annotations = a }, ServerState.Json))!;
        JsonNode ext = message["x_qwenvl_annotations"]!;
        Assert.Equal("{\"label\":\"p\",\"point\":[1000,500]}", ext["points"]![0]!.ToJsonString());
        Assert.Equal(1, (int)ext["image_index"]!);
        Assert.Equal(1008, (int)ext["resized_width"]!);
        Assert.Empty(ext["boxes"]!.AsArray());

        JsonNode delta = JsonNode.Parse(JsonSerializer.Serialize(new ChunkDelta(null, null) { Annotations = a }, ServerState.Json))!;
        Assert.NotNull(delta["x_qwenvl_annotations"]);
        JsonNode ds = JsonNode.Parse(JsonSerializer.Serialize(new DashScopeMessage("assistant", [new DashScopeText("x")]) { Annotations = a }, ServerState.Json))!;
        Assert.NotNull(ds["x_qwenvl_annotations"]);
        JsonNode bare = JsonNode.Parse(JsonSerializer.Serialize(new AssistantMessage("assistant", "x"), ServerState.Json))!;
        Assert.False(bare.AsObject().ContainsKey("x_qwenvl_annotations"));
    }

    [Fact]
    public async Task Complete_NoiseAnswer_HasNoAnnotationField()
    {
        string content = $$$"""[{"type":"image_url","image_url":{"url":"{{{ServerFixture.SmallPngDataUrl}}}"}},{"type":"text","text":"Locate the cat, output its bbox coordinates using JSON format."}]""";
        using HttpResponseMessage r = await fx.PostAsync(fx.Main, "/v1/chat/completions", ServerFixture.Chat(content, maxTokens: 4));
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, body);
        JsonNode message = JsonNode.Parse(body)!["choices"]![0]!["message"]!;
        string text = (string)message["content"]!;
        Assert.DoesNotContain("bbox_2d", text, StringComparison.Ordinal);
        Assert.False(message.AsObject().ContainsKey("x_qwenvl_annotations"), body);
    }
}
