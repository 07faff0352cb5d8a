// `qwenvl quantize` from the outside: it writes a checkpoint that inspect reports as Q8_0 blocks
// (norms and biases still BF16) and that `run` answers from; bad arguments exit 2 with one line, a
// missing model 3. Bit-identity with quantize-at-load is pinned in QwenVL.Models.Tests.
using System.Text.Json.Nodes;
using QwenVL.Testing;

namespace QwenVL.Cli.Tests;

public class QuantizeCommandTests
{
    [Fact]
    public async Task Quantize_TinyModelQ8_WritesCheckpointThatInspectsAndRuns()
    {
        string dir = Directory.CreateTempSubdirectory("qwenvl-cli-quant-").FullName;
        try
        {
            CliResult q = await Qwenvl.Run("quantize", "--model", Fixtures.Model("qwen2.5-vl-tiny"), "--out", dir, "--weights", "q8");
            Assert.True(q.ExitCode == 0, q.Stderr);
            Assert.Contains("Q8_0", q.Stderr);

            CliResult inspect = await Qwenvl.Run("inspect", "--model", dir, "--json");
            Assert.True(inspect.ExitCode == 0, inspect.Stderr);
            JsonObject bytes = JsonNode.Parse(inspect.Stdout)!["bytes_by_dtype"]!.AsObject();
            Assert.True(bytes.ContainsKey("Q8_0"), inspect.Stdout);
            Assert.True(bytes.ContainsKey("BF16"), inspect.Stdout); // norms, biases, patch kernel stay

            CliResult run = await Qwenvl.Run("run", "--model", dir, "--prompt", "hello", "--max-tokens", "4", "--temperature", "0", "--json");
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Equal(4, JsonNode.Parse(run.Stdout)!["token_ids"]!.AsArray().Count);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("q3")]
    [InlineData("bf16")]
    public async Task Quantize_BadWeights_ExitsTwoWithLine(string weights)
    {
        CliResult r = await Qwenvl.Run("quantize", "--model", Fixtures.Model("qwen2.5-vl-tiny"), "--out", Path.GetTempPath(), "--weights", weights);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--weights", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public async Task Quantize_MissingModel_ExitsThree()
    {
        CliResult r = await Qwenvl.Run("quantize", "--model", "/nonexistent/model", "--out", Path.Combine(Path.GetTempPath(), "qwenvl-never"), "--weights", "q4");
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("/nonexistent/model", r.Stderr);
    }
}
