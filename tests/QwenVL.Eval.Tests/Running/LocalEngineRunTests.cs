// End to end on the tiny random-weight checkpoint: the runner feeds TSV and parquet items through the
// real InferenceEngine (greedy, pixel limits), appends one line per item and writes both reports.
// The tiny model answers noise, so the tests check plumbing and determinism, not accuracy.
using System.Text.Json.Nodes;
using QwenVL.Engine;
using QwenVL.Eval.Reports;
using QwenVL.Eval.Running;
using QwenVL.Eval.Tests.Data;
using QwenVL.Testing;

namespace QwenVL.Eval.Tests.Running;

public sealed class TinyEngineFixture : IDisposable
{
    public InferenceEngine Engine { get; } = InferenceEngine.Load(Fixtures.Model("qwen2-vl-tiny"));
    public void Dispose() => Engine.Dispose();
}

public class LocalEngineRunTests(TinyEngineFixture tiny) : IClassFixture<TinyEngineFixture>
{
    // 4x4 merged patches: the framework's 1,003,520-pixel minimum would make the tiny model's CPU run take minutes.
    const long Small = 56 * 56 * 4;

    [Fact]
    public async Task RunAsync_TinyModelOnTsv_WritesResultsAndReports()
    {
        using var dir = new TempDir();
        string data = SyntheticData.DocVqaTsv(dir, 3);
        var model = new LocalEngineModel(tiny.Engine, "qwen2-vl-tiny");
        Assert.Equal("qwen2-vl", model.Family);
        var options = new EvalRunOptions("docvqa_val", data, dir.File("results.jsonl")) { Family = model.Family, MaxTokens = 4, Concurrency = 2, MinPixels = Small, MaxPixels = Small * 4 };
        EvalRunResult r = await EvalRunner.RunAsync(options, model);
        var (md, json) = EvalReport.Write(r);

        string[] lines = File.ReadAllLines(dir.File("results.jsonl"));
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.Null(JsonNode.Parse(l)!["error"]));
        Assert.Equal(0, r.FailedItems);
        Assert.InRange(r.Score.Score, 0, 100);
        Assert.Equal(dir.File("results.report.md"), md);
        var report = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal(4, report["decoding"]!["max_tokens"]!.GetValue<int>());
        Assert.Equal(Small, report["pixel_limits"]!["min_pixels"]!.GetValue<long>());
        Assert.Contains(r.Notes, n => n.Contains("pixel limits overridden", StringComparison.Ordinal));
        Assert.Equal("unknown", report["published"]!.GetValue<string>());

        // Greedy decoding: a second run gives the same predictions.
        var again = await EvalRunner.RunAsync(options with { OutPath = dir.File("again.jsonl"), Concurrency = 1 }, model);
        Assert.Equal(r.Score.ItemScores.OrderBy(k => k.Key), again.Score.ItemScores.OrderBy(k => k.Key));
        static string Pred(string path, string id) => File.ReadLines(path).Select(l => JsonNode.Parse(l)!).First(n => n["id"]!.GetValue<string>() == id)["prediction"]!.GetValue<string>();
        Assert.Equal(Pred(dir.File("results.jsonl"), "1"), Pred(dir.File("again.jsonl"), "1"));
    }

    [Fact]
    public async Task RunAsync_TinyModelOnParquetRefCoco_RecordsSizesForBoxScoring()
    {
        using var dir = new TempDir();
        string path = dir.File("refcoco.parquet");
        await SyntheticData.WriteParquet(path, new[]
        {
            new RefCocoRow { QuestionId = "r1", Question = "", Answer = ["the red square"], Bbox = [4, 6, 20, 10], Image = new HfImage { Bytes = SyntheticData.Png(64, 48) } },
        });
        var model = new LocalEngineModel(tiny.Engine, "qwen2-vl-tiny");
        var r = await EvalRunner.RunAsync(new EvalRunOptions("refcoco_val", path, dir.File("out.jsonl")) { Family = "qwen2.5-vl", MaxTokens = 3, MinPixels = Small, MaxPixels = Small * 4 }, model);
        var line = JsonNode.Parse(File.ReadAllLines(dir.File("out.jsonl")).Single())!;
        Assert.Equal("[4, 6, 24, 16]", line["answer"]!.GetValue<string>());
        Assert.Equal("[64,48]", line["image_size"]!.ToJsonString());
        Assert.Equal("qwen2.5-vl", line["family"]!.GetValue<string>());
        // smart_resize(48x64) with min 12,544 px: 112x140 (4x5 merged patches) -> [width, height].
        Assert.Equal("[140,112]", line["resized_size"]!.ToJsonString());
        Assert.Equal("vlmevalkit/native/refcoco-json-unverified", line["prompt_id"]!.GetValue<string>());
        Assert.Equal(1, r.Score.Count);
    }
}
