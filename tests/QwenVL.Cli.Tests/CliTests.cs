// The `qwenvl` contract from the outside: `run --json` reproduces the reference's greedy ids for
// every golden case, streaming prints text, tokenize/inspect/synth work, and bad input gets one
// clear line on stderr with a non-zero exit code and no stack trace.
using System.Text.Json.Nodes;
using QwenVL.Testing;

namespace QwenVL.Cli.Tests;

public class CliTests
{
    public static IEnumerable<object[]> Cases =>
        from m in new[] { "qwen2.5-vl-tiny", "qwen2-vl-tiny" }
        from c in new[] { "shapes_448x448", "chart_812x420" }
        select new object[] { m, c };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RunJson_GoldenMessages_PrintsReferenceTokenIds(string model, string name)
    {
        var golden = JsonNode.Parse(File.ReadAllText(Fixtures.Path("golden", model, name + ".json")))!;
        CliResult r = await Qwenvl.Run("run", "--model", Fixtures.Model(model), "--messages", Fixtures.Path("messages", name + ".json"),
            "--temperature", "0", "--repetition-penalty", "1", "--max-tokens", "16", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var json = JsonNode.Parse(r.Stdout)!;
        Assert.Equal(golden["greedy"]!["token_ids"]!.ToJsonString(), json["token_ids"]!.ToJsonString());
        Assert.Equal(golden["num_input_ids"]!.GetValue<int>(), json["prompt_tokens"]!.GetValue<int>());
        Assert.Equal($"[{golden["num_image_tokens"]}]", json["image_tokens"]!.ToJsonString());
        Assert.Equal("length", json["finish_reason"]!.GetValue<string>());
        Assert.True(json["timings"]!["prefill_ms"]!.GetValue<double>() > 0);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public async Task Run_PromptAndImage_StreamsText()
    {
        CliResult r = await Qwenvl.Run("run", "--model", Fixtures.Model("qwen2-vl-tiny"), "--image", Fixtures.Path("images", "shapes_448x448.png"),
            "--prompt", "Describe this image.", "--temperature", "0", "--max-tokens", "16");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var golden = JsonNode.Parse(File.ReadAllText(Fixtures.Path("golden", "qwen2-vl-tiny", "shapes_448x448.json")))!;
        Assert.Equal(golden["greedy"]!["decoded"]!.GetValue<string>() + "\n", r.Stdout);
    }

    [Fact]
    public async Task TokenizeJson_KnownText_PrintsIds()
    {
        CliResult r = await Qwenvl.Run("tokenize", "--model", Fixtures.Model("qwen2.5-vl-tiny"), "--json", "<|im_start|>system\nYou are");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("[151644,8948,198,2610,525]", r.Stdout.Trim());
    }

    [Fact]
    public async Task Inspect_TinyModel_PrintsArchitectureAndCounts()
    {
        CliResult r = await Qwenvl.Run("inspect", "--model", Fixtures.Model("qwen2.5-vl-tiny"), "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var json = JsonNode.Parse(r.Stdout)!;
        Assert.Equal("qwen2_5_vl", json["model_type"]!.GetValue<string>());
        // 151936x64 tied embeddings + 2 layers of 37120 + final norm 64 = 9,798,208.
        Assert.Equal(9_798_208, json["parameters"]!["text"]!.GetValue<long>());
        Assert.True(json["bytes_by_dtype"]!["BF16"]!.GetValue<long>() > 19_000_000);
    }

    [Fact]
    public async Task Run_MissingModel_ExitsThreeWithOneLine()
    {
        CliResult r = await Qwenvl.Run("run", "--model", "/no/such/model", "--prompt", "hi");
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("/no/such/model", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public async Task Run_CorruptImage_ExitsTwoNamingImage()
    {
        string bad = Path.GetTempFileName();
        await File.WriteAllBytesAsync(bad, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        try
        {
            CliResult r = await Qwenvl.Run("run", "--model", Fixtures.Model("qwen2-vl-tiny"), "--image", bad, "--prompt", "hi", "--max-tokens", "2");
            Assert.Equal(2, r.ExitCode);
            Assert.Contains(bad, r.Stderr);
            Assert.DoesNotContain("   at ", r.Stderr);
        }
        finally
        {
            File.Delete(bad);
        }
    }

    [Fact]
    public async Task Run_MalformedMessagesJson_ExitsTwoWithLine()
    {
        string file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "[{\"role\": \"user\", \"content\": [}]");
        try
        {
            CliResult r = await Qwenvl.Run("run", "--model", Fixtures.Model("qwen2-vl-tiny"), "--messages", file);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("line 1", r.Stderr);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Run_BadRole_ExitsTwoNamingField()
    {
        string file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "[{\"role\": \"robot\", \"content\": \"hi\"}]");
        try
        {
            CliResult r = await Qwenvl.Run("run", "--model", Fixtures.Model("qwen2-vl-tiny"), "--messages", file);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("messages[0].role", r.Stderr);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Synth_TinyPreset_WritesLoadableCheckpoint()
    {
        string dir = Directory.CreateTempSubdirectory("qwenvl-cli-synth-").FullName;
        try
        {
            CliResult w = await Qwenvl.Run("synth", "--preset", "qwen2.5-vl-tiny", "--out", dir, "--seed", "1");
            Assert.True(w.ExitCode == 0, w.Stderr);
            Assert.Contains("noise", w.Stderr);
            CliResult r = await Qwenvl.Run("run", "--model", dir, "--prompt", "hello", "--max-tokens", "3", "--temperature", "0", "--json");
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Equal(3, JsonNode.Parse(r.Stdout)!["token_ids"]!.AsArray().Count);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task Synth_UnknownPreset_ListsPresets()
    {
        CliResult r = await Qwenvl.Run("synth", "--preset", "gpt-5", "--out", Path.GetTempPath());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("qwen2.5-vl-3b", r.Stderr);
    }
}
