// `qwenvl gguf` from the outside: it writes a text + mmproj GGUF pair that `run` then answers from
// with the same greedy tokens as the safetensors folder (F32 and BF16 GGUF logits equal the folder's:
// QwenVL.Models.Tests' GgufParityTests); a bad --type exits 2 with one line, a missing model 3.
using System.Text.Json.Nodes;
using QwenVL.Testing;

namespace QwenVL.Cli.Tests;

public class GgufCommandTests
{
    [Fact]
    public async Task Gguf_TinyModelBf16_WritesPairThatRunsLikeTheFolder()
    {
        string dir = Directory.CreateTempSubdirectory("qwenvl-cli-gguf-").FullName;
        try
        {
            string folder = Fixtures.Model("qwen2.5-vl-tiny");
            CliResult g = await Qwenvl.Run("gguf", "--model", folder, "--out", dir, "--name", "tiny");
            Assert.True(g.ExitCode == 0, g.Stderr);
            string text = Path.Combine(dir, "tiny-BF16.gguf"), mmproj = Path.Combine(dir, "mmproj-tiny-BF16.gguf");
            Assert.True(File.Exists(text) && File.Exists(mmproj), g.Stderr);
            Assert.Equal("GGUF"u8.ToArray(), File.ReadAllBytes(text)[..4]);

            string[] ask = ["--prompt", "hello", "--max-tokens", "6", "--temperature", "0", "--json"];
            CliResult fromGguf = await Qwenvl.Run(["run", "--model", dir, .. ask]);
            CliResult fromFolder = await Qwenvl.Run(["run", "--model", folder, .. ask]);
            Assert.True(fromGguf.ExitCode == 0, fromGguf.Stderr);
            Assert.Equal(JsonNode.Parse(fromFolder.Stdout)!["token_ids"]!.ToJsonString(), JsonNode.Parse(fromGguf.Stdout)!["token_ids"]!.ToJsonString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Gguf_BadType_ExitsTwoWithLine()
    {
        CliResult r = await Qwenvl.Run("gguf", "--model", Fixtures.Model("qwen2.5-vl-tiny"), "--out", Path.GetTempPath(), "--type", "q4_k");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--type", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public async Task Gguf_MissingModel_ExitsThree()
    {
        CliResult r = await Qwenvl.Run("gguf", "--model", "/nonexistent/model", "--out", Path.Combine(Path.GetTempPath(), "qwenvl-never"));
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("/nonexistent/model", r.Stderr);
    }
}
