// `qwenvl eval score` in-process (the command object under a bare root, so it does not depend on
// the `eval` parent being registered): human and --json output, bad lines reported as file:line and
// counted without stopping, exit 2 for a missing file, no valid line or an unknown benchmark.
// Console is redirected, so this class runs in a non-parallel collection.
using System.CommandLine;
using System.Text.Json.Nodes;
using QwenVL.Cli.Commands;

namespace QwenVL.Cli.Tests;

[CollectionDefinition(nameof(ConsoleCapture), DisableParallelization = true)]
public sealed class ConsoleCapture;

[Collection(nameof(ConsoleCapture))]
public sealed class EvalScoreCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("qwenvl-evalscore-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static async Task<CliResult> Score(params string[] args)
    {
        var root = new RootCommand("test root") { EvalScoreCommand.Create() };
        TextWriter oldOut = Console.Out, oldErr = Console.Error;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            int code = await root.Parse(["score", .. args]).InvokeAsync();
            return new CliResult(code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    string Write(params string[] lines)
    {
        string path = Path.Combine(_dir, "pred.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public async Task ScoreJson_DocVqa_PrintsScoreCountAndItemScores()
    {
        string path = Write(
            "{\"id\":\"q1\",\"prediction\":\"abd\",\"answer\":[\"abc\"]}",
            "{\"id\":\"q2\",\"prediction\":\"helo\",\"answer\":\"hello\",\"raw_response\":\"helo\",\"benchmark\":\"docvqa_val\"}");
        CliResult r = await Score("--benchmark", "docvqa_val", "--predictions", path, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        JsonNode json = JsonNode.Parse(r.Stdout)!;
        Assert.Equal("docvqa_val", json["benchmark"]!.GetValue<string>());
        Assert.Equal(100 * (2 / 3.0 + 0.8) / 2, json["score"]!.GetValue<double>(), 9);
        Assert.Equal(2, json["count"]!.GetValue<int>());
        Assert.Equal(0.8, json["item_scores"]!["q2"]!.GetValue<double>(), 9);
        Assert.Equal(0, json["extraction_failures"]!.GetValue<int>());
        Assert.Equal(0, json["random_fallbacks"]!.GetValue<int>());
        Assert.NotNull(json["sub_scores"]);
        Assert.Equal("", r.Stderr);
        Assert.Single(r.Stdout.Trim().Split('\n'));
    }

    [Fact]
    public async Task Score_BadLines_ReportedWithFileLineAndFieldButScoringGoesOn()
    {
        string path = Write(
            "{\"id\":\"1\",\"prediction\":\"B\",\"answer\":\"B\",\"choices\":{\"A\":\"cat\",\"B\":\"dog\"}}",
            "{\"id\":\"2\",\"prediction\":\"B\"}",
            "{oops",
            "{\"id\":\"3\",\"prediction\":\"cat\",\"answer\":\"B\",\"choices\":{\"A\":\"cat\",\"B\":\"dog\"}}");
        CliResult r = await Score("--benchmark", "ai2d_test", "--predictions", path);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains($"{path}:2: field 'answer'", r.Stderr);
        Assert.Contains($"{path}:3: invalid JSON", r.Stderr);
        Assert.StartsWith("ai2d_test: 50.00  (2 scored", r.Stdout);
        Assert.Contains("2 bad", r.Stdout);
        Assert.DoesNotContain("   at ", r.Stderr); // no stack trace
    }

    [Fact]
    public async Task ScoreJson_MmmuLmmsEvalSeed_CountsRandomFallbacks()
    {
        string path = Write(
            "{\"id\":\"validation_Art_1\",\"prediction\":\"hmm\",\"answer\":\"A\",\"choices\":{\"A\":\"x\",\"B\":\"y\"},\"question_type\":\"multiple-choice\"}");
        CliResult a = await Score("--benchmark", "mmmu_val", "--predictions", path, "--mode", "lmms-eval", "--seed", "5", "--json");
        CliResult b = await Score("--benchmark", "mmmu_val", "--predictions", path, "--mode", "lmms-eval", "--seed", "5", "--json");
        Assert.True(a.ExitCode == 0, a.Stderr);
        Assert.Equal(1, JsonNode.Parse(a.Stdout)!["random_fallbacks"]!.GetValue<int>());
        Assert.Equal(JsonNode.Parse(a.Stdout)!["score"]!.GetValue<double>(), JsonNode.Parse(b.Stdout)!["score"]!.GetValue<double>());
    }

    [Fact]
    public async Task EvalScore_BuiltCli_ReachableUnderEvalParent()
    {
        // The real executable: `eval score` is wired under the `eval` parent and prints the human summary.
        string path = Write("{\"id\":\"1\",\"prediction\":\"The sign says STOP\",\"answer\":[\"stop\"]}", "{\"id\":\"2\",\"prediction\":\"go\",\"answer\":\"stop\"}");
        CliResult r = await Qwenvl.Run("eval", "score", "--benchmark", "ocrbench", "--predictions", path);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.StartsWith("ocrbench: 50.00  (2 scored, mode vlmevalkit, judge none)", r.Stdout);
        Assert.Contains("final_score", r.Stdout);
    }

    [Fact]
    public async Task Score_MissingFile_Exit2WithMessage()
    {
        CliResult r = await Score("--benchmark", "docvqa_val", "--predictions", Path.Combine(_dir, "nope.jsonl"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("file not found", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public async Task Score_NoValidLine_Exit2WithCount()
    {
        string path = Write("{\"id\":\"1\"}", "[]");
        CliResult r = await Score("--benchmark", "docvqa_val", "--predictions", path);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no valid prediction lines (2 bad line(s))", r.Stderr);
    }

    [Theory]
    [InlineData("--benchmark", "mmlu", "unknown benchmark 'mmlu'")]
    [InlineData("--mode", "gpt", "unknown mode 'gpt'")]
    public async Task Score_UnknownBenchmarkOrMode_Exit2ListingChoices(string option, string value, string expected)
    {
        string path = Write("{\"id\":\"1\",\"prediction\":\"a\",\"answer\":\"a\"}");
        string[] args = option == "--benchmark"
            ? ["--benchmark", value, "--predictions", path]
            : ["--benchmark", "docvqa_val", "--predictions", path, option, value];
        CliResult r = await Score(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
    }
}
