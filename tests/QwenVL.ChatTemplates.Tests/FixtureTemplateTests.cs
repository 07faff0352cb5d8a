// Renders the real Qwen2-VL / Qwen2.5-VL chat_template.json of the fixture checkpoints and checks the
// golden prompts (exact string equality) plus the template's other paths: default system prompt, string
// content, multi-turn, interleaved images, image_url, add_vision_id and video parts.
using System.Text.Json.Nodes;
using QwenVL.Testing;

namespace QwenVL.ChatTemplates.Tests;

public class FixtureTemplateTests
{
    private const string GoldenMessages =
        """[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":[{"type":"image"},{"type":"text","text":"Describe this image."}]}]""";

    private const string GoldenPrompt =
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Describe this image.<|im_end|>\n<|im_start|>assistant\n";

    private static ChatTemplate Load(string model) =>
        ChatTemplateLoader.LoadFromFolder(Fixtures.Model(model)) ?? throw new InvalidOperationException($"{model} has no chat template");

    private static string Render(string model, string messages, bool addGenerationPrompt = true, string? vars = null)
    {
        var extra = vars is null ? null : JsonNode.Parse(vars)!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone());
        return Load(model).Render(TestData.Messages(messages), addGenerationPrompt, extra);
    }

    [Theory]
    [InlineData("qwen2-vl-tiny")]
    [InlineData("qwen2.5-vl-tiny")]
    public void Render_GoldenRequest_MatchesBriefPromptExactly(string model)
    {
        Assert.Equal(GoldenPrompt, Render(model, GoldenMessages));
    }

    [Theory]
    [InlineData("qwen2-vl-tiny", "shapes_448x448")]
    [InlineData("qwen2-vl-tiny", "chart_812x420")]
    [InlineData("qwen2.5-vl-tiny", "shapes_448x448")]
    [InlineData("qwen2.5-vl-tiny", "chart_812x420")]
    public void Render_GoldenCaseMessages_EqualsGoldenPromptField(string model, string golden)
    {
        var doc = JsonNode.Parse(File.ReadAllText(Fixtures.Path("golden", model, golden + ".json")))!;
        string expected = doc["prompt"]!.GetValue<string>();
        // The golden file's own messages use {"type":"image"}; messages/<case>.json uses image_url parts.
        Assert.Equal(expected, Load(model).Render(doc["messages"]!.AsArray().DeepClone().AsArray(), true));
        string cli = File.ReadAllText(Fixtures.Path("messages", golden + ".json"));
        Assert.Equal(expected, Render(model, cli));
    }

    [Fact]
    public void Render_WithoutSystemMessage_InsertsDefaultSystemPrompt()
    {
        const string messages = """[{"role":"user","content":[{"type":"image"},{"type":"text","text":"Describe this image."}]}]""";
        Assert.Equal(GoldenPrompt, Render("qwen2.5-vl-tiny", messages));
    }

    [Fact]
    public void Render_StringContent_EmitsTextVerbatim()
    {
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n",
            Render("qwen2-vl-tiny", """[{"role":"user","content":"Hello!"}]"""));
    }

    [Fact]
    public void Render_MultiTurnWithAssistant_KeepsCustomSystemAndTurnOrder()
    {
        const string messages = """
            [{"role":"system","content":"Be brief."},
             {"role":"user","content":[{"type":"image"},{"type":"text","text":"What is it?"}]},
             {"role":"assistant","content":"A cat."},
             {"role":"user","content":"And its colour?"}]
            """;
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>What is it?<|im_end|>\n"
            + "<|im_start|>assistant\nA cat.<|im_end|>\n<|im_start|>user\nAnd its colour?<|im_end|>\n<|im_start|>assistant\n",
            Render("qwen2.5-vl-tiny", messages));
    }

    [Fact]
    public void Render_ImagesInterleavedWithTextAndNoGenerationPrompt_KeepsItemOrder()
    {
        const string messages = """
            [{"role":"user","content":[{"type":"text","text":"Compare "},{"type":"image_url","image_url":{"url":"a.png"}},
              {"type":"text","text":" with "},{"type":"image","image":"b.png"},{"type":"text","text":"."}]}]
            """;
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nCompare <|vision_start|><|image_pad|><|vision_end|>"
            + " with <|vision_start|><|image_pad|><|vision_end|>.<|im_end|>\n",
            Render("qwen2.5-vl-tiny", messages, addGenerationPrompt: false));
    }

    [Fact]
    public void Render_AddVisionId_NumbersPicturesAndVideosAcrossTurns()
    {
        const string messages = """
            [{"role":"user","content":[{"type":"image"},{"type":"video","video":"v.mp4"},{"type":"image_url","image_url":{"url":"c.png"}},
              {"type":"text","text":"Which is odd?"}]},
             {"role":"assistant","content":"The video."},
             {"role":"user","content":[{"type":"image"},{"type":"text","text":"And this?"}]}]
            """;
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nPicture 1: <|vision_start|><|image_pad|><|vision_end|>"
            + "Video 1: <|vision_start|><|video_pad|><|vision_end|>Picture 2: <|vision_start|><|image_pad|><|vision_end|>Which is odd?<|im_end|>\n"
            + "<|im_start|>assistant\nThe video.<|im_end|>\n<|im_start|>user\nPicture 3: <|vision_start|><|image_pad|><|vision_end|>And this?<|im_end|>\n"
            + "<|im_start|>assistant\n",
            Render("qwen2-vl-tiny", messages, vars: """{"add_vision_id": true}"""));
    }

    [Fact]
    public void Render_VideoPart_EmitsVideoPad()
    {
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|video_pad|><|vision_end|>Summarise.<|im_end|>\n<|im_start|>assistant\n",
            Render("qwen2.5-vl-tiny", """[{"role":"user","content":[{"type":"video"},{"type":"text","text":"Summarise."}]}]"""));
    }

    [Fact]
    public void Render_AddVisionIdFalse_SameAsAbsent()
    {
        Assert.Equal(GoldenPrompt, Render("qwen2.5-vl-tiny", GoldenMessages, vars: """{"add_vision_id": false}"""));
    }
}
