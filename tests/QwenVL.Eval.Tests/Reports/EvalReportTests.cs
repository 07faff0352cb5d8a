// Report contents: every field issue 6 asks for (benchmark, split, mode, prompt id, decoding, pixel
// limits, items, failed rows, extraction failures, random fallbacks, score) and the published number
// matched by checkpoint name, or "unknown".
using System.Text.Json.Nodes;
using QwenVL.Eval.Reports;
using QwenVL.Eval.Running;
using QwenVL.Eval.Tests.Data;
using QwenVL.Eval.Tests.Running;

namespace QwenVL.Eval.Tests.Reports;

public class EvalReportTests
{
    [Theory]
    [InlineData("Qwen2-VL-7B-Instruct", "qwen2-vl", "7b")]
    [InlineData("/models/Qwen2.5-VL-72B-Instruct-AWQ", "qwen2.5-vl", "72b")]
    [InlineData("Qwen/Qwen2_5-VL-3B-Instruct", "qwen2.5-vl", "3b")]
    public void ParseCheckpoint_HubNames_FindsFamilyAndSize(string name, string family, string size) =>
        Assert.Equal((family, size), PublishedScores.ParseCheckpoint(name));

    [Fact]
    public void Find_KnownAndUnknown_ReturnsNumberOrNull()
    {
        PublishedScore? p = PublishedScores.Find("mmmu_val", "Qwen2-VL-7B-Instruct");
        Assert.NotNull(p);
        Assert.Equal(53.77, p.Value, 6);
        Assert.Contains("VLMEvalKit", p.Label, StringComparison.Ordinal);
        Assert.Equal(84.5, PublishedScores.Find("ocrbench", "qwen2-vl-7b")!.Value, 6);
        Assert.Null(PublishedScores.Find("ai2d_test", "Qwen2-VL-7B-Instruct"));   // UNVERIFIED in the doc
        Assert.Null(PublishedScores.Find("docvqa_val", "qwen-vl-max"));
    }

    [Fact]
    public async Task Write_AfterRun_HasEveryFieldInBothFormats()
    {
        using var dir = new TempDir();
        string path = dir.File("mmb.tsv");
        string img = SyntheticData.Base64Png();
        SyntheticData.WriteTsv(path, ["index", "image", "question", "A", "B", "answer"],
        [
            ["1", img, "Q1", "yes", "no", "A"],
            ["2", img, "Q2", "yes", "no", "B"],
            ["3", img, "Q3", "yes", "no", "Q"],
        ]);
        var model = new FakeModel(t => t.Contains("Q1", StringComparison.Ordinal) ? "A" : "I cannot tell") { Name = "Qwen2-VL-7B-Instruct" };
        var r = await EvalRunner.RunAsync(new EvalRunOptions("mmbench_dev_en", path, dir.File("res.jsonl")) { Family = "qwen2-vl" }, model);
        var (mdPath, jsonPath) = EvalReport.Write(r);
        Assert.Equal(dir.File("res.report.json"), jsonPath);

        var j = JsonNode.Parse(File.ReadAllText(jsonPath))!;
        Assert.Equal("mmbench_dev_en", j["benchmark"]!.GetValue<string>());
        Assert.StartsWith("MMBench-EN dev", j["split"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("vlmevalkit", j["mode"]!.GetValue<string>());
        Assert.Equal("vlmevalkit/qwen2-vl-custom/mcq", j["prompt_ids"]![0]!.GetValue<string>());
        Assert.Equal(2048, j["decoding"]!["max_tokens"]!.GetValue<int>());
        Assert.Equal(1_003_520, j["pixel_limits"]!["min_pixels"]!.GetValue<long>());
        Assert.Equal(2, j["items"]!.GetValue<int>());
        Assert.Equal(1, j["failed_rows"]!.GetValue<int>());
        Assert.Equal(4, j["bad_rows"]![0]!["row"]!.GetValue<int>());
        Assert.Equal(1, j["extraction_failures"]!.GetValue<int>());
        Assert.Equal(0, j["random_fallbacks"]!.GetValue<int>());
        Assert.Equal(50.0, j["score"]!.GetValue<double>(), 6);
        Assert.Equal(81.78, j["published"]!["score"]!.GetValue<double>(), 6);

        string md = File.ReadAllText(mdPath);
        foreach (string field in new[] { "| split |", "| mode | vlmevalkit |", "| prompt id | vlmevalkit/qwen2-vl-custom/mcq |", "| decoding | greedy",
                     "| pixel limits | min_pixels 1003520, max_pixels 12845056 |", "| failed rows | 1 |", "| extraction failures | 1 |",
                     "| random fallbacks | 0 |", "| published | 81.78 for Qwen2-VL-7B-Instruct", "- row 4:" })
            Assert.Contains(field, md, StringComparison.Ordinal);
        Assert.StartsWith("# mmbench_dev_en: 50.00", md, StringComparison.Ordinal);

        string summary = EvalReport.Summary(r, mdPath, jsonPath);
        Assert.Contains("mmbench_dev_en (MMBench-EN dev", summary, StringComparison.Ordinal);
        Assert.Contains("published: 81.78", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_HalfDone_ShowsCountsAndEta()
    {
        string line = ConsoleProgress.Render(new EvalProgress(5, 10, 1), TimeSpan.FromSeconds(50));
        Assert.Equal("[###############---------------] 5/10  50%  failed 1  ETA 00:00:50", line);
    }

    [Fact]
    public void Report_EnabledWriter_DrawsFirstAndFinalLines()
    {
        var w = new StringWriter();
        var bar = new ConsoleProgress(w, enabled: true);
        bar.Report(new EvalProgress(1, 3, 0));
        bar.Report(new EvalProgress(2, 3, 0));   // may be throttled (redraws at most every 250 ms)
        bar.Report(new EvalProgress(3, 3, 0));   // the last one is always drawn, then a newline
        string text = w.ToString();
        Assert.StartsWith("\r[##########--------------------] 1/3", text, StringComparison.Ordinal);
        Assert.Contains("] 3/3 100%", text, StringComparison.Ordinal);
        Assert.EndsWith(Environment.NewLine, text, StringComparison.Ordinal);
        Assert.Equal("", Capture(enabled: false));
    }

    static string Capture(bool enabled)
    {
        var w = new StringWriter();
        new ConsoleProgress(w, enabled).Report(new EvalProgress(1, 1, 0));
        return w.ToString();
    }
}
