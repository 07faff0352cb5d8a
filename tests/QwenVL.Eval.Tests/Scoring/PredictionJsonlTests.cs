// The predictions JSONL contract: every field parses, a record survives a write/read round trip,
// and each kind of bad line yields an error naming file:line and the field instead of an exception.
using QwenVL.Eval.Scoring;

namespace QwenVL.Eval.Tests.Scoring;

public sealed class PredictionJsonlTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("qwenvl-jsonl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Parse_AllFields_Populated()
    {
        PredictionRecord r = PredictionJsonl.Parse(
            "{\"id\":7,\"prediction\":\"B\",\"answer\":[\"a\",2],\"choices\":{\"A\":\"x\",\"B\":\"y\"},\"group\":\"7\","
            + "\"image_size\":[640,480],\"family\":\"qwen2.5-vl\",\"resized_size\":[644,476],\"question_type\":\"multi_choice\","
            + "\"extra\":{\"precision\":1,\"unit\":\"cm\"},\"benchmark\":\"ignored\"}");
        Assert.Equal("7", r.Id);
        Assert.Equal(["a", "2"], r.Answers);
        Assert.Equal("y", r.Choices!["B"]);
        Assert.Equal((640, 480), r.ImageSize);
        Assert.Equal((644, 476), r.ResizedSize);
        Assert.Equal("qwen2.5-vl", r.Family);
        Assert.Equal("multi_choice", r.QuestionType);
        Assert.Equal("1", r.Extra!["precision"]);
    }

    [Fact]
    public void ToJsonLine_RoundTrip_PreservesRecord()
    {
        var r = new PredictionRecord("q1", "some \"text\"\n", ["a", "b"])
        {
            Choices = new Dictionary<string, string> { ["A"] = "1" }, Group = "g", ImageSize = (3, 4), Family = "qwen2-vl",
            ResizedSize = (28, 28), QuestionType = "open", Extra = new Dictionary<string, string> { ["k"] = "v" },
        };
        PredictionRecord back = PredictionJsonl.Parse(PredictionJsonl.ToJsonLine(r));
        Assert.Equal(r.Id, back.Id);
        Assert.Equal(r.Prediction, back.Prediction);
        Assert.Equal(r.Answers, back.Answers);
        Assert.Equal(r.Choices, back.Choices);
        Assert.Equal(r.Extra, back.Extra);
        Assert.Equal((r.Group, r.ImageSize, r.Family, r.ResizedSize, r.QuestionType), (back.Group, back.ImageSize, back.Family, back.ResizedSize, back.QuestionType));
    }

    [Fact]
    public void ToJsonLine_ExtraFields_WrittenAndIgnoredOnRead()
    {
        var r = new PredictionRecord("中1", "答案 B", ["B"]);
        string line = PredictionJsonl.ToJsonLine(r, [new("benchmark", "mmbench_dev_cn"), new("error", null)]);
        Assert.Contains("\"benchmark\":\"mmbench_dev_cn\"", line);
        Assert.Contains("\"error\":null", line);
        Assert.Contains("答案", line); // not \u-escaped
        PredictionRecord back = PredictionJsonl.Parse(line);
        Assert.Equal(("中1", "答案 B"), (back.Id, back.Prediction));
    }

    [Fact]
    public void Read_BadLines_ReportFileLineAndFieldAndKeepGoing()
    {
        string path = Path.Combine(_dir, "p.jsonl");
        File.WriteAllLines(path,
        [
            "{\"id\":\"1\",\"prediction\":\"x\",\"answer\":\"x\"}",
            "",
            "{\"id\":\"2\",\"prediction\":\"x\"}",
            "{\"id\":\"3\",\"prediction\":\"x\",\"answer\":\"x\",\"image_size\":[0,5]}",
            "not json",
            "{\"prediction\":\"x\",\"answer\":\"x\"}",
            "{\"id\":\"6\",\"prediction\":\"x\",\"answer\":{\"a\":1}}",
            "{\"id\":\"7\",\"prediction\":\"y\",\"answer\":\"y\"}",
        ]);
        var rows = PredictionJsonl.Read(path).ToList();
        Assert.Equal(7, rows.Count); // the blank line is skipped
        Assert.Equal(["1", "7"], rows.Where(x => x.Record is not null).Select(x => x.Record!.Id));
        string[] errors = [.. rows.Where(x => x.Error is not null).Select(x => x.Error!)];
        Assert.Equal(5, errors.Length);
        Assert.StartsWith($"{path}:3: field 'answer'", errors[0]);
        Assert.StartsWith($"{path}:4: field 'image_size'", errors[1]);
        Assert.StartsWith($"{path}:5: invalid JSON", errors[2]);
        Assert.StartsWith($"{path}:6: field 'id'", errors[3]);
        Assert.StartsWith($"{path}:7: field 'answer'", errors[4]);
    }
}
