// ChatTemplateLoader: lookup order (chat_template.jinja, chat_template.json, tokenizer_config.json),
// string and named-list forms, null when there is none, and errors that name the malformed file.
using QwenVL.Testing;

namespace QwenVL.ChatTemplates.Tests;

public sealed class LoaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "qwenvl-chat-template-" + Guid.NewGuid().ToString("N"));

    public LoaderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(_dir, name), text);

    private string RenderLoaded() =>
        (ChatTemplateLoader.LoadFromFolder(_dir) ?? throw new InvalidOperationException("no template")).Render(TestData.Messages("[]"), false);

    [Fact]
    public void LoadFromFolder_FixtureCheckpoint_ReadsChatTemplateJson()
    {
        var template = ChatTemplateLoader.LoadFromFolder(Fixtures.Model("qwen2.5-vl-tiny"));
        Assert.NotNull(template);
        Assert.StartsWith("{% set image_count = namespace(value=0) %}", template.Source);
    }

    [Fact]
    public void LoadFromFolder_EmptyFolder_ReturnsNull()
    {
        Assert.Null(ChatTemplateLoader.LoadFromFolder(_dir));
    }

    [Fact]
    public void LoadFromFolder_TokenizerConfigWithoutTemplate_ReturnsNull()
    {
        Write("tokenizer_config.json", """{"model_max_length": 32768}""");
        Assert.Null(ChatTemplateLoader.LoadFromFolder(_dir));
    }

    [Fact]
    public void LoadFromFolder_AllThreeFiles_PrefersJinjaThenJson()
    {
        Write("tokenizer_config.json", """{"chat_template": "from tokenizer_config"}""");
        Assert.Equal("from tokenizer_config", RenderLoaded());
        Write("chat_template.json", """{"chat_template": "from chat_template.json"}""");
        Assert.Equal("from chat_template.json", RenderLoaded());
        Write("chat_template.jinja", "from {{ 'jinja' }}\n");
        Assert.Equal("from jinja", RenderLoaded());
    }

    [Fact]
    public void LoadFromFolder_NamedTemplateList_PicksDefault()
    {
        Write("tokenizer_config.json", """{"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}""");
        Assert.Equal("D", RenderLoaded());
    }

    [Fact]
    public void LoadFromFolder_NamedListWithoutDefault_ThrowsListingNames()
    {
        Write("tokenizer_config.json", """{"chat_template": [{"name": "a", "template": "A"}, {"name": "b", "template": "B"}]}""");
        var e = Assert.Throws<TemplateException>(() => ChatTemplateLoader.LoadFromFolder(_dir));
        Assert.Contains("tokenizer_config.json", e.Message);
        Assert.Contains("a, b", e.Message);
    }

    [Fact]
    public void LoadFromFolder_MalformedJson_ThrowsNamingFile()
    {
        Write("chat_template.json", """{"chat_template": "x" """);
        var e = Assert.Throws<TemplateException>(() => ChatTemplateLoader.LoadFromFolder(_dir));
        Assert.EndsWith("chat_template.json", e.SourceName);
        Assert.Contains("chat_template.json", e.Message);
        Assert.Contains("malformed JSON", e.Message);
    }

    [Fact]
    public void LoadFromFolder_TemplateNotAString_ThrowsNamingKey()
    {
        Write("chat_template.json", """{"chat_template": 42}""");
        var e = Assert.Throws<TemplateException>(() => ChatTemplateLoader.LoadFromFolder(_dir));
        Assert.Contains("\"chat_template\"", e.Message);
    }

    [Fact]
    public void LoadFromFolder_SyntaxErrorInJinjaFile_ReportsFileAndLine()
    {
        Write("chat_template.jinja", "ok\n{% if %}");
        var e = Assert.Throws<TemplateException>(() => ChatTemplateLoader.LoadFromFolder(_dir));
        Assert.EndsWith("chat_template.jinja", e.SourceName);
        Assert.Equal(2, e.Line);
    }
}
