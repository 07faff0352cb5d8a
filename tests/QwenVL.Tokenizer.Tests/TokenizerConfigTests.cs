// TokenizerConfig from tokenizer_config.json: the fixture file, string and list chat_template forms,
// special tokens as strings or {content} objects, and shape errors. Temp files are removed afterwards.
// It deliberately does not render templates (QwenVL.ChatTemplates does).
using QwenVL.Testing;
using QwenVL.Tokenizer;

namespace QwenVL.Tokenizer.Tests;

public sealed class TokenizerConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qwenvl-tokcfg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        string path = Path.Combine(_dir, $"tokenizer_config_{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Load_FixtureConfig_ReadsQwenSettings()
    {
        TokenizerConfig config = TokenizerConfig.Load(Fixtures.Path("models", "qwen2.5-vl-tiny", "tokenizer_config.json"));
        Assert.Equal("<|im_end|>", config.EosToken);
        Assert.Equal("<|endoftext|>", config.PadToken);
        Assert.Null(config.BosToken);
        Assert.Equal(131072, config.ModelMaxLength);
        Assert.StartsWith("{% set image_count = namespace(value=0) %}", config.ChatTemplate);
    }

    [Fact]
    public void Load_StringTemplateAndObjectTokens_ReadsContent()
    {
        string path = Write("""
            {"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "pad_token": null,
             "model_max_length": 1000000000000000019884624838656, "chat_template": "{{ messages }}"}
            """);
        TokenizerConfig config = TokenizerConfig.Load(path);
        Assert.Equal("<s>", config.BosToken);
        Assert.Equal("</s>", config.EosToken);
        Assert.Null(config.PadToken);
        Assert.Equal(long.MaxValue, config.ModelMaxLength);
        Assert.Equal("{{ messages }}", config.ChatTemplate);
        Assert.Equal("{{ messages }}", config.NamedChatTemplates["default"]);
    }

    [Fact]
    public void Load_ListTemplate_DefaultIsChosenAndOthersKept()
    {
        string path = Write("""
            {"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}
            """);
        TokenizerConfig config = TokenizerConfig.Load(path);
        Assert.Equal("D", config.ChatTemplate);
        Assert.Equal("T", config.NamedChatTemplates["tool_use"]);
        Assert.Null(config.ModelMaxLength);
    }

    [Fact]
    public void Load_ListTemplateWithoutDefault_HasNoChatTemplate()
    {
        TokenizerConfig config = TokenizerConfig.Load(Write("""{"chat_template": [{"name": "rag", "template": "R"}]}"""));
        Assert.Null(config.ChatTemplate);
        Assert.Single(config.NamedChatTemplates);
    }

    [Theory]
    [InlineData("""{"chat_template": [{"name": "x"}]}""", "$.chat_template[0]")]
    [InlineData("""{"chat_template": 5}""", "$.chat_template")]
    [InlineData("""{"eos_token": 3}""", "$.eos_token")]
    [InlineData("""{"model_max_length": "big"}""", "$.model_max_length")]
    public void Load_WrongShape_NamesKey(string json, string path)
    {
        string file = Write(json);
        TokenizerException e = Assert.Throws<TokenizerException>(() => TokenizerConfig.Load(file));
        Assert.Equal(path, e.JsonPath);
        Assert.Equal(file, e.File);
    }
}
