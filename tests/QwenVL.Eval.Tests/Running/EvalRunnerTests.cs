// The run loop with a fake model: results appended per item, resume after a cancelled run redoes
// nothing (torn last line tolerated) and scores the same as an uninterrupted run, concurrency,
// failed items recorded and retried, bad data rows counted, an unreachable model stops the run.
using System.Text.Json.Nodes;
using QwenVL.Eval.Running;
using QwenVL.Eval.Tests.Data;

namespace QwenVL.Eval.Tests.Running;

public class EvalRunnerTests
{
    // Item k ("What is item k?") is answered right when k is even: 3 of 6 -> ANLS 50.
    static string Answer(string prompt)
    {
        int k = int.Parse(prompt.Split("item ")[1].Split('?')[0], System.Globalization.CultureInfo.InvariantCulture);
        return k % 2 == 0 ? $"answer {k}" : "zebra";
    }

    static string[] Lines(string path) => File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();

    [Fact]
    public async Task RunAsync_SixItems_AppendsOneLinePerItemAndScores()
    {
        using var dir = new TempDir();
        string data = SyntheticData.DocVqaTsv(dir, 6);
        var model = new FakeModel(Answer);
        var r = await EvalRunner.RunAsync(new EvalRunOptions("docvqa_val", data, dir.File("out.jsonl")) { Family = "qwen2-vl" }, model);
        Assert.Equal(50.0, r.Score.Score, 6);
        Assert.Equal(6, r.Items);
        string[] lines = Lines(dir.File("out.jsonl"));
        Assert.Equal(6, lines.Length);
        var first = JsonNode.Parse(lines.First(l => l.Contains("\"id\":\"0\"", StringComparison.Ordinal)))!;
        Assert.Equal("docvqa_val", first["benchmark"]!.GetValue<string>());
        Assert.Equal("vlmevalkit/qwen2-vl-custom/vqa", first["prompt_id"]!.GetValue<string>());
        Assert.Equal("answer 0", first["prediction"]!.GetValue<string>());
        Assert.Equal(2, first["row"]!.GetValue<int>());
        Assert.Equal(2048, model.Requests.First().Decoding.MaxTokens);
        Assert.Equal(1.0f, model.Requests.First().Decoding.RepetitionPenalty);
    }

    [Fact]
    public async Task RunAsync_ResumeAfterCancel_RunsOnlyTheRestAndMatchesFullScore()
    {
        using var dir = new TempDir();
        string data = SyntheticData.DocVqaTsv(dir, 6);
        var full = await EvalRunner.RunAsync(new EvalRunOptions("docvqa_val", data, dir.File("full.jsonl")), new FakeModel(Answer));

        string out2 = dir.File("part.jsonl");
        using var cts = new CancellationTokenSource();
        var first = new FakeModel(Answer);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => EvalRunner.RunAsync(new EvalRunOptions("docvqa_val", data, out2), first,
            p => { if (p.Done == 2) cts.Cancel(); }, cts.Token));
        Assert.Equal(2, Lines(out2).Length);
        // A crash in the middle of a write leaves a line without its newline.
        File.AppendAllText(out2, "{\"id\":\"5\",\"predic");

        var second = new FakeModel(Answer);
        var resumed = await EvalRunner.RunAsync(new EvalRunOptions("docvqa_val", data, out2) { Resume = true }, second);
        var askedFirst = first.Requests.Select(q => q.Prompt.Text).ToHashSet();
        Assert.Equal(4, second.Requests.Count);
        Assert.DoesNotContain(second.Requests, q => askedFirst.Contains(q.Prompt.Text));
        Assert.Equal(2, resumed.Resumed);
        Assert.Equal(6, Lines(out2).Length);
        Assert.Contains(resumed.Notes, n => n.Contains("unfinished last line", StringComparison.Ordinal));
        Assert.Equal(full.Score.Score, resumed.Score.Score, 9);
        Assert.Equal(full.Score.ItemScores.OrderBy(k => k.Key), resumed.Score.ItemScores.OrderBy(k => k.Key));
    }

    [Fact]
    public async Task RunAsync_ExistingOutWithoutResume_Refuses()
    {
        using var dir = new TempDir();
        string data = SyntheticData.DocVqaTsv(dir, 1);
        File.WriteAllText(dir.File("out.jsonl"), "{\"id\":\"0\"}\n");
        var e = await Assert.ThrowsAsync<IOException>(() => EvalRunner.RunAsync(new EvalRunOptions("docvqa_val", data, dir.File("out.jsonl")), new FakeModel(Answer)));
        Assert.Contains("--resume", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Concurrency3_OverlapsCallsAndAnswersEachItemOnce()
    {
        using var dir = new TempDir();
        string data = SyntheticData.DocVqaTsv(dir, 6);
        var model = new FakeModel(Answer) { HoldUntilInFlight = 3 };
        var r = await EvalRunner.RunAsync(new EvalRunOptions("docvqa_val", data, dir.File("out.jsonl")) { Concurrency = 3 }, model);
        Assert.Equal(3, model.MaxInFlight);
        var ids = Lines(dir.File("out.jsonl")).Select(l => JsonNode.Parse(l)!["id"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(["0", "1", "2", "3", "4", "5"], ids);
        Assert.Equal(50.0, r.Score.Score, 6);
    }

    [Fact]
    public async Task RunAsync_ItemFails_RecordsErrorAndResumeRetriesIt()
    {
        using var dir = new TempDir();
        string data = SyntheticData.DocVqaTsv(dir, 4);
        var flaky = new FakeModel(Answer) { Fail = t => t.Contains("item 2", StringComparison.Ordinal) ? new InvalidOperationException("model exploded") : null };
        var r = await EvalRunner.RunAsync(new EvalRunOptions("docvqa_val", data, dir.File("out.jsonl")), flaky);
        Assert.Equal(1, r.FailedItems);
        Assert.Equal(25.0, r.Score.Score, 6);   // item 0 right, item 2 failed -> scored empty
        Assert.Contains(Lines(dir.File("out.jsonl")), l => l.Contains("\"error\":\"row 4: model exploded\"", StringComparison.Ordinal));

        var healthy = new FakeModel(Answer);
        var again = await EvalRunner.RunAsync(new EvalRunOptions("docvqa_val", data, dir.File("out.jsonl")) { Resume = true }, healthy);
        Assert.Single(healthy.Requests);
        Assert.Equal(0, again.FailedItems);
        Assert.Equal(50.0, again.Score.Score, 6);
    }

    [Fact]
    public async Task RunAsync_ModelUnreachableFromTheStart_StopsWithItsMessage()
    {
        using var dir = new TempDir();
        string data = SyntheticData.DocVqaTsv(dir, 3);
        var down = new FakeModel(Answer) { Fail = _ => new EvalModelException("cannot reach http://127.0.0.1:9/v1/chat/completions") };
        var e = await Assert.ThrowsAsync<EvalModelException>(() => EvalRunner.RunAsync(new EvalRunOptions("docvqa_val", data, dir.File("out.jsonl")), down));
        Assert.Contains("127.0.0.1:9", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_BadRowsAndLimit_CountsRowsAndRunsFirstN()
    {
        using var dir = new TempDir();
        string path = dir.File("mmb.tsv");
        string img = SyntheticData.Base64Png();
        SyntheticData.WriteTsv(path, ["index", "image", "question", "A", "B", "answer", "category"],
        [
            ["1", img, "Q1", "yes", "no", "A", "c1"],
            ["2", img, "Q2", "yes", "no", "Z", "c1"],
            ["3", img, "Q3", "yes", "no", "B", "c2"],
            ["4", img, "Q4", "yes", "no", "A", "c2"],
        ]);
        var model = new FakeModel(_ => "A");
        var r = await EvalRunner.RunAsync(new EvalRunOptions("mmbench_dev_en", path, dir.File("out.jsonl")) { Limit = 2 }, model);
        Assert.Equal(2, model.Requests.Count);
        Assert.Equal(3, Assert.Single(r.Data.BadRows).Row);
        Assert.Equal(2, r.Items);
        Assert.Equal(50.0, r.Score.Score, 6);   // groups 1 (A right) and 3 (B wrong)
    }
}
