// Message JSON accepted from the CLI and (later) the servers: every supported content shape, and
// errors that name the field at fault.
using QwenVL.Engine.Conversations;

namespace QwenVL.Engine.Tests;

public class MessageParserTests
{
    private static readonly ImageResolver Fake = (url, field) => new ImageInput(new byte[] { 1 }, url);

    [Fact]
    public void Parse_StringAndPartsContent_KeepsOrder()
    {
        Conversation c = MessageParser.Parse("""
            [{"role":"system","content":"Be brief."},
             {"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"x.png"},"max_pixels":50176},
                                       {"type":"image_url","image_url":"y.png"},{"type":"text","text":"b"}]},
             {"role":"assistant","content":"ok"}]
            """, Fake);
        Assert.Equal(["system", "user", "assistant"], c.Messages.Select(m => m.Role));
        var parts = c.Messages[1].Parts;
        Assert.Equal("a", Assert.IsType<TextPart>(parts[0]).Text);
        var first = Assert.IsType<ImagePart>(parts[1]);
        Assert.Equal("x.png", first.Image.Source);
        Assert.Equal(50176, first.MaxPixels);
        Assert.Null(first.MinPixels);
        Assert.Equal("y.png", Assert.IsType<ImagePart>(parts[2]).Image.Source);
        Assert.Equal("b", Assert.IsType<TextPart>(parts[3]).Text);
        Assert.Equal(2, c.Images.Count());
    }

    [Fact]
    public void Parse_DashScopeAndQwenUtilsShapes_AreImagesAndText()
    {
        Conversation c = MessageParser.Parse("""{"messages":[{"role":"user","content":[{"image":"d.jpg"},{"text":"hi"},{"type":"image","image":"e.jpg"}]}]}""", Fake);
        Assert.Equal(["d.jpg", "e.jpg"], c.Images.Select(i => i.Image.Source));
        Assert.Equal("hi", c.Messages[0].Parts.OfType<TextPart>().Single().Text);
    }

    [Theory]
    [InlineData("{}", "messages")]
    [InlineData("[]", "messages is empty")]
    [InlineData("[1]", "messages[0] must be an object")]
    [InlineData("""[{"content":"x"}]""", "messages[0].role is required")]
    [InlineData("""[{"role":"tool","content":"x"}]""", "messages[0].role is 'tool'")]
    [InlineData("""[{"role":"user","content":5}]""", "messages[0].content must be a string or an array")]
    [InlineData("""[{"role":"user","content":[{"type":"audio"}]}]""", "messages[0].content[0].type 'audio'")]
    [InlineData("""[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]""", "messages[0].content[0].image_url.url is required")]
    [InlineData("""[{"role":"user","content":[{"type":"image_url","image_url":{"url":"a"},"max_pixels":-3}]}]""", "messages[0].content[0].max_pixels must be a positive integer")]
    [InlineData("""[{"role":"user","content":[{"type":"text","text":7}]}]""", "messages[0].content[0].text must be a string")]
    [InlineData("[{\"role\":", "invalid JSON at line 1")]
    public void Parse_BadInput_NamesField(string json, string fragment)
    {
        var e = Assert.Throws<EngineException>(() => MessageParser.Parse(json, Fake));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void LocalResolver_DataUrlAndRelativePath_Resolve()
    {
        string dir = Directory.CreateTempSubdirectory("qwenvl-msg-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "img.bin"), [9, 8, 7]);
            ImageResolver r = LocalImageResolver.Create(dir);
            Assert.Equal(new byte[] { 9, 8, 7 }, r("img.bin", "f").Bytes.ToArray());
            Assert.Equal(new byte[] { 1, 2, 3 }, r("data:image/png;base64,AQID", "f").Bytes.ToArray());
            Assert.Contains("not found", Assert.Throws<EngineException>(() => r("missing.png", "f")).Message);
            Assert.Contains("not fetched by the CLI", Assert.Throws<EngineException>(() => r("https://example.com/a.png", "f")).Message);
            Assert.Contains("base64", Assert.Throws<EngineException>(() => r("data:image/png;base64,@@@", "f")).Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
