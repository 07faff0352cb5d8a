// Renders a Qwen3-VL-style template (no default system prompt, tools, tool calls, tool responses with
// images) and the Qwen2.5 text template with tools. Expected prompts were produced by jinja2 3.1.6 with
// HF's settings (trim_blocks, lstrip_blocks, tojson = json.dumps ensure_ascii=False).
namespace QwenVL.ChatTemplates.Tests;

public class ToolTemplateTests
{
    private const string Tools =
        """{"tools": [{"type":"function","function":{"name":"get_weather","description":"Weather in °C","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city"]}}}]}""";

    // The tool JSON line as Python's json.dumps writes it: ", " and ": " separators, non-ASCII kept.
    private const string ToolLine =
        "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Weather in °C\", \"parameters\": "
        + "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}, \"days\": {\"type\": \"integer\"}}, \"required\": [\"city\"]}}}";

    private const string ToolPreamble =
        "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within "
        + "<tools></tools> XML tags:\n<tools>\n" + ToolLine + "\n</tools>\n\nFor each function call, return a json object with function name and "
        + "arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n";

    private static string Qwen3(string messages, bool addGenerationPrompt = true, string? vars = null) =>
        TestData.Render(TestData.TemplateFile("qwen3_vl_style.jinja"), messages, addGenerationPrompt, vars);

    private static string Qwen25(string messages, bool addGenerationPrompt = true, string? vars = null) =>
        TestData.Render(TestData.TemplateFile("qwen2_5_tools.jinja"), messages, addGenerationPrompt, vars);

    [Fact]
    public void Qwen3Style_NoSystemMessage_AddsNoDefaultSystemPrompt()
    {
        Assert.Equal(
            "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Describe this image.<|im_end|>\n<|im_start|>assistant\n",
            Qwen3("""[{"role":"user","content":[{"type":"image"},{"type":"text","text":"Describe this image."}]}]"""));
    }

    [Fact]
    public void Qwen3Style_SystemContentItems_AreConcatenatedThroughMacro()
    {
        Assert.Equal(
            "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
            Qwen3("""[{"role":"system","content":[{"type":"text","text":"You are "},{"type":"text","text":"terse."}]},{"role":"user","content":"Hi"}]"""));
    }

    [Fact]
    public void Qwen3Style_AddVisionId_CountsAcrossMacroCalls()
    {
        const string messages = """
            [{"role":"user","content":[{"type":"image"},{"type":"text","text":"A"},{"type":"video"}]},{"role":"assistant","content":"ok"},
             {"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"B"}]}]
            """;
        Assert.Equal(
            "<|im_start|>user\nPicture 1: <|vision_start|><|image_pad|><|vision_end|>AVideo 1: <|vision_start|><|video_pad|><|vision_end|><|im_end|>\n"
            + "<|im_start|>assistant\nok<|im_end|>\n<|im_start|>user\nPicture 2: <|vision_start|><|image_pad|><|vision_end|>B<|im_end|>\n<|im_start|>assistant\n",
            Qwen3(messages, vars: """{"add_vision_id": true}"""));
    }

    [Fact]
    public void Qwen3Style_ToolsAndToolCalls_RenderJsonAndMergeToolResponses()
    {
        const string messages = """
            [{"role":"system","content":"Be helpful."},
             {"role":"user","content":[{"type":"image"},{"type":"text","text":"Weather where this photo was taken?"}]},
             {"role":"assistant","content":"Let me check.","tool_calls":[
                {"type":"function","function":{"name":"get_weather","arguments":{"city":"Zürich","days":2}}},
                {"type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Bern\"}"}}]},
             {"role":"tool","content":"{\"temp\": 21}"},
             {"role":"tool","content":[{"type":"text","text":"snow "},{"type":"image"}]}]
            """;
        Assert.Equal(
            "<|im_start|>system\nBe helpful.\n\n" + ToolPreamble
            + "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Weather where this photo was taken?<|im_end|>\n"
            + "<|im_start|>assistant\nLet me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich\", \"days\": 2}}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Bern\"}}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n{\"temp\": 21}\n</tool_response>\n<tool_response>\nsnow <|vision_start|><|image_pad|><|vision_end|>\n"
            + "</tool_response><|im_end|>\n<|im_start|>assistant\n",
            Qwen3(messages, vars: Tools));
    }

    [Fact]
    public void Qwen3Style_ToolCallWithEmptyContent_HasNoLeadingNewline()
    {
        const string messages = """
            [{"role":"user","content":"Weather?"},
             {"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Rome"}}}]},
             {"role":"tool","content":"hot"},{"role":"assistant","content":"Hot."}]
            """;
        Assert.Equal(
            "<|im_start|>user\nWeather?<|im_end|>\n<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n"
            + "</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\nhot\n</tool_response><|im_end|>\n<|im_start|>assistant\nHot.<|im_end|>\n",
            Qwen3(messages, addGenerationPrompt: false));
    }

    [Fact]
    public void Qwen25Tools_WithTools_UsesDefaultQwenSystemAndToolBlock()
    {
        const string messages = """
            [{"role":"user","content":"Weather in Paris?"},
             {"role":"assistant","content":"","tool_calls":[{"type":"function","function":{"name":"get_weather","arguments":{"city":"Paris"}}}]},
             {"role":"tool","content":"{\"temp\": 18}"},{"role":"tool","content":"cloudy"}]
            """;
        Assert.Equal(
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.\n\n" + ToolPreamble
            + "<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"
            + "</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\n{\"temp\": 18}\n</tool_response>\n<tool_response>\ncloudy\n</tool_response><|im_end|>\n"
            + "<|im_start|>assistant\n",
            Qwen25(messages, vars: Tools));
    }

    [Fact]
    public void Qwen25Tools_WithoutTools_UsesPlainDefaultSystemTurn()
    {
        Assert.Equal(
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
            Qwen25("""[{"role":"user","content":"Hi"}]"""));
    }

    [Fact]
    public void Qwen25Tools_CustomSystemWithTools_PrefixesToolBlock()
    {
        Assert.Equal(
            "<|im_start|>system\nCustom.\n\n" + ToolPreamble + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n",
            Qwen25("""[{"role":"system","content":"Custom."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."}]""", false, Tools));
    }
}
