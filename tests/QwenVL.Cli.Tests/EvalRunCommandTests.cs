// `qwenvl eval run` from the outside: a run on the tiny checkpoint prints the summary and writes the
// results and both reports; Ctrl+C (SIGINT) stops with exit 130 and --resume only does what is
// missing; wrong arguments, a missing data column, an unreachable endpoint and an existing --out get
// one line on stderr and exit code 2.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using QwenVL.Testing;

namespace QwenVL.Cli.Tests;

public sealed class EvalRunCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("qwenvl-evalrun-").FullName;

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    string File(string name) => Path.Combine(_dir, name);

    // Two DocVQA-style rows sharing the fixture image (row 2 refers to row 1's index), one bad row.
    string WriteTsv(bool withAnswer = true)
    {
        string b64 = Convert.ToBase64String(System.IO.File.ReadAllBytes(Fixtures.Path("images", "shapes_448x448.png")));
        string path = File("docvqa.tsv");
        var lines = new List<string> { withAnswer ? "index\timage\tquestion\tanswer" : "index\timage\tquestion" };
        string Ans(string a) => withAnswer ? "\t" + a : "";
        lines.Add($"10\t{b64}\tWhat shapes are shown?{Ans("['circle', 'square']")}");
        lines.Add($"11\t10\tHow many shapes?{Ans("['3']")}");
        lines.Add($"12\t99\tDangling reference{Ans("['x']")}");
        System.IO.File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    // 4x4 merged patches keep the tiny model's CPU run short (the framework minimum is 1,003,520 px).
    static readonly string[] SmallPixels = ["--min-pixels", "12544", "--max-pixels", "50176", "--max-tokens", "4"];

    [Fact]
    public async Task EvalRun_TinyModel_PrintsSummaryAndWritesReports()
    {
        string results = File("res.jsonl");
        CliResult r = await Qwenvl.Run(["eval", "run", "--benchmark", "docvqa_val", "--data", WriteTsv(), "--model", Fixtures.Model("qwen2-vl-tiny"),
            "--out", results, .. SmallPixels]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("docvqa_val (DocVQA val", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("prompt: vlmevalkit/qwen2-vl-custom/vqa", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("failed rows: 1", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("published: unknown", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("row 4 skipped", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, System.IO.File.ReadAllLines(results).Length);
        var report = JsonNode.Parse(System.IO.File.ReadAllText(File("res.report.json")))!;
        Assert.Equal(2, report["items"]!.GetValue<int>());
        Assert.True(System.IO.File.Exists(File("res.report.md")));
    }

    [Fact]
    public async Task EvalRun_LimitThenResume_RunsOnlyTheMissingItem()
    {
        string results = File("res.jsonl"), data = WriteTsv();
        string[] common = ["eval", "run", "-b", "docvqa_val", "-d", data, "-m", Fixtures.Model("qwen2-vl-tiny"), "-o", results, .. SmallPixels];
        CliResult first = await Qwenvl.Run([.. common, "--limit", "1"]);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Single(System.IO.File.ReadAllLines(results));

        CliResult again = await Qwenvl.Run(common);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("--resume", again.Stderr, StringComparison.Ordinal);

        CliResult resumed = await Qwenvl.Run([.. common, "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("items: 2 (1 resumed)", resumed.Stdout, StringComparison.Ordinal);
        Assert.Equal(["10", "11"], System.IO.File.ReadAllLines(results).Select(l => JsonNode.Parse(l)!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task EvalRun_ModelAndEndpoint_Exit2()
    {
        CliResult r = await Qwenvl.Run("eval", "run", "-b", "docvqa_val", "-d", WriteTsv(), "--model", "x", "--endpoint", "http://127.0.0.1:1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("exactly one of --model DIR or --endpoint URL", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvalRun_MissingAnswerColumn_Exit2NamingColumn()
    {
        CliResult r = await Qwenvl.Run("eval", "run", "-b", "docvqa_val", "-d", WriteTsv(withAnswer: false), "--endpoint", "http://127.0.0.1:1",
            "--endpoint-model", "Qwen2-VL-2B-Instruct", "-o", File("r.jsonl"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("missing column 'answer'", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvalRun_EndpointDown_Exit2NamingUrl()
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; }
        CliResult r = await Qwenvl.Run("eval", "run", "-b", "docvqa_val", "-d", WriteTsv(), "--endpoint", $"http://127.0.0.1:{port}",
            "--family", "qwen2.5-vl", "-o", File("r.jsonl"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"cannot reach http://127.0.0.1:{port}/v1/chat/completions", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvalRun_EndpointWithoutFamily_Exit2AskingForFamily()
    {
        CliResult r = await Qwenvl.Run("eval", "run", "-b", "docvqa_val", "-d", WriteTsv(), "--endpoint", "http://127.0.0.1:1", "--endpoint-model", "qwen-vl-max");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--family is needed", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvalRun_SigintThenResume_Exit130AndRedoesNothing()
    {
        // A child inherits an ignored SIGINT (background jobs of a non-interactive shell); then Ctrl+C cannot be simulated.
        if (SigintIgnored()) return;
        string b64 = Convert.ToBase64String(System.IO.File.ReadAllBytes(Fixtures.Path("images", "shapes_448x448.png")));
        string data = File("many.tsv"), results = File("res.jsonl");
        // 2,000 rows sharing one image (index references): far more than finish before the signal.
        System.IO.File.WriteAllLines(data, new[] { "index\timage\tquestion\tanswer", $"0\t{b64}\tq 0\t['a']" }
            .Concat(Enumerable.Range(1, 2000).Select(i => $"{i}\t0\tq {i}\t['a']")));
        string[] common = ["eval", "run", "-b", "docvqa_val", "-d", data, "-m", Fixtures.Model("qwen2-vl-tiny"), "-o", results, .. SmallPixels];

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "qwenvl.dll"));
        foreach (string a in common) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        using (var wait = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            while (!p.HasExited && (!System.IO.File.Exists(results) || System.IO.File.ReadAllLines(results).Length < 3))
                await Task.Delay(100, wait.Token);
            Assert.False(p.HasExited, "the run finished before it could be interrupted");
            using (Process kill = Process.Start("kill", ["-INT", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!) await kill.WaitForExitAsync(wait.Token);
            await p.WaitForExitAsync(wait.Token);
        }
        Assert.Equal(130, p.ExitCode);
        Assert.Contains("--resume", await stderr, StringComparison.Ordinal);
        string[] done = System.IO.File.ReadAllLines(results);
        Assert.InRange(done.Length, 3, 1999);

        int limit = done.Length + 2;
        CliResult resumed = await Qwenvl.Run([.. common, "--resume", "--limit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains($"items: {limit} ({done.Length} resumed)", resumed.Stdout, StringComparison.Ordinal);
        var ids = System.IO.File.ReadAllLines(results).Select(l => JsonNode.Parse(l)!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(limit, ids.Count);
        Assert.Equal(limit, ids.Distinct().Count());
    }

    // /proc/self/status SigIgn is a hex mask; SIGINT (2) is bit 1.
    static bool SigintIgnored()
    {
        if (!OperatingSystem.IsLinux()) return true;
        string? line = System.IO.File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is null || (Convert.ToUInt64(line[7..].Trim(), 16) & 0x2) != 0;
    }
}
