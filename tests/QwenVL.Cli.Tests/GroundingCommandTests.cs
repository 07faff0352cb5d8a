// `qwenvl annotate`, `ground` and `ocr` from the outside: annotate needs no model and maps a known
// answer to exact original pixels (within 0.1 px, the JSON rounding); ground and ocr on the tiny
// random checkpoint answer noise, so they are checked for exit 0 and the JSON schema only.
using System.Text.Json.Nodes;
using QwenVL.Testing;

namespace QwenVL.Cli.Tests;

public class GroundingCommandTests
{
    private static string Image => Fixtures.Path("images", "chart_812x420.png");

    [Fact]
    public async Task AnnotateJson_Qwen25Answer_PrintsOriginalPixelsAndWritesPng()
    {
        // chart_812x420 -> smart_resize 812x420 (both already multiples of 28), so resized = original pixels.
        string output = Path.Combine(Path.GetTempPath(), $"qwenvl-annotate-{Guid.NewGuid():N}.png");
        try
        {
            CliResult r = await Qwenvl.Run("annotate", "--image", Image, "--family", "qwen2.5-vl", "--json", "--out", output,
                "--text", "```json\n[{\"bbox_2d\": [10, 20, 110, 220], \"label\": \"bar\"}, {\"point_2d\": [400, 200], \"label\": \"dot\"}, {\"bbox_2d\": [1,");
            Assert.True(r.ExitCode == 0, r.Stderr);
            JsonNode json = JsonNode.Parse(r.Stdout)!;
            Assert.Equal("[{\"label\":\"bar\",\"bbox\":[10,20,110,220]}]", json["boxes"]!.ToJsonString());
            Assert.Equal("[{\"label\":\"dot\",\"point\":[400,200]}]", json["points"]!.ToJsonString());
            Assert.Equal("[]", json["quads"]!.ToJsonString());
            Assert.Equal(1, json["skipped"]!.GetValue<int>());
            Assert.Contains("skipped", r.Stderr, StringComparison.Ordinal);
            byte[] png = await File.ReadAllBytesAsync(output);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task AnnotateJson_Qwen2TokensFromFileWithResized_MapsRelative()
    {
        string answer = Path.Combine(Path.GetTempPath(), $"qwenvl-answer-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(answer, "<|object_ref_start|>title<|object_ref_end|><|box_start|>(500,500),(1000,1000)<|box_end|>");
        try
        {
            CliResult r = await Qwenvl.Run("annotate", "--image", Image, "--family", "qwen2-vl", "--text", "@" + answer, "--json");
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Equal("[{\"label\":\"title\",\"bbox\":[406,210,812,420]}]", JsonNode.Parse(r.Stdout)!["boxes"]!.ToJsonString());
        }
        finally
        {
            File.Delete(answer);
        }
    }

    [Theory]
    [InlineData("--family", "qwen9-vl", "--family must be one of")]
    [InlineData("--resized", "10x", "--resized must be WIDTHxHEIGHT")]
    [InlineData("--text", "@/nonexistent/answer.txt", "not found")]
    public async Task Annotate_BadArgument_Exit2WithOneLine(string option, string value, string message)
    {
        var args = new List<string> { "annotate", "--image", Image, "--family", "qwen2.5-vl", "--text", "[]" };
        int at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }
        CliResult r = await Qwenvl.Run([.. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("qwen2-vl-tiny")]
    [InlineData("qwen2.5-vl-tiny")]
    public async Task GroundJson_TinyModel_PrintsSchema(string model)
    {
        CliResult r = await Qwenvl.Run("ground", "--model", Fixtures.Model(model), "--image", Image, "--query", "the tallest bar",
            "--max-tokens", "8", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        JsonObject json = JsonNode.Parse(r.Stdout)!.AsObject();
        Assert.Equal(["boxes", "points", "quads", "skipped"], json.Select(kv => kv.Key));
        Assert.IsType<JsonArray>(json["boxes"]);
        Assert.True(json["skipped"]!.GetValue<int>() >= 0);
    }

    [Theory]
    [InlineData("html")]
    [InlineData("json")]
    public async Task OcrJson_TinyModel_PrintsBlocksSchema(string format)
    {
        CliResult r = await Qwenvl.Run("ocr", "--model", Fixtures.Model("qwen2.5-vl-tiny"), "--image", Image, "--format", format,
            "--max-tokens", "8", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        JsonNode json = JsonNode.Parse(r.Stdout)!;
        Assert.IsType<JsonArray>(json["blocks"]);
        Assert.True(json["skipped"]!.GetValue<int>() >= 0);
        Assert.Equal(format, json["format"]!.GetValue<string>());
        Assert.Equal(812, json["image"]!["width"]!.GetValue<int>());
        Assert.Equal(420, json["image"]!["resized_height"]!.GetValue<int>());
    }
}
