// VLMEvalKit TSV loading on files the tests write: base64 and index-reference images, list-literal
// answers, MCQ options and hints, pandas quoting, and bad rows that are skipped with their line
// number while a missing column fails the whole file naming file and column.
using QwenVL.Eval.Data;

namespace QwenVL.Eval.Tests.Data;

public class TsvLoaderTests
{
    [Fact]
    public void Load_DocVqaTsv_ParsesListAnswersAndImages()
    {
        using var dir = new TempDir();
        string path = SyntheticData.DocVqaTsv(dir, 3);
        LoadedDataset d = DatasetLoader.Load(path, "docvqa_val");
        Assert.Equal(3, d.Items.Count);
        Assert.Empty(d.BadRows);
        Assert.Equal(["answer 1", "ans 1"], d.Items[1].Answers);
        Assert.Equal("What is item 2?", d.Items[2].Question);
        Assert.Equal(SyntheticData.Png(30, 28, 80), d.Items[2].Images[0].GetBytes());
    }

    [Fact]
    public void Load_ImageReferenceAndBadRows_ResolvesReferenceAndReportsLines()
    {
        using var dir = new TempDir();
        string path = dir.File("mmb.tsv");
        string img = SyntheticData.Base64Png();
        SyntheticData.WriteTsv(path, ["index", "image", "question", "hint", "A", "B", "C", "answer", "category", "l2-category"],
        [
            ["0", img, "Which colour?", "Look\tclosely", "red", "green", "blue", "B", "attr", "fine"],
            ["1000000", "0", "Which colour?", "nan", "green", "blue", "red", "A", "attr", "fine"],   // image refers to row index 0
            ["5", "77", "Broken ref", "", "x", "y", "", "A", "attr", "fine"],                          // index 77 does not exist
            ["6", img, "Bad letter", "", "x", "y", "", "D", "attr", "fine"],                           // D is not an option
            ["7", img, "too few fields"],
        ]);
        LoadedDataset d = DatasetLoader.Load(path, "mmbench_dev_en");
        Assert.Equal(["0", "1000000"], d.Items.Select(i => i.Id));
        Assert.Equal(d.Items[0].Images[0].GetBytes(), d.Items[1].Images[0].GetBytes());
        Assert.Equal("Look\tclosely", d.Items[0].Hint);
        Assert.Null(d.Items[1].Hint);
        Assert.Equal(["A", "B", "C"], d.Items[0].Options.Select(o => o.Key));
        Assert.Equal("fine", d.Items[0].Extra["l2-category"]);
        // Header is line 1, so the data rows are lines 2..6.
        Assert.Equal([4, 5, 6], d.BadRows.Select(b => b.Row));
        Assert.Contains("77", d.BadRows[0].Message, StringComparison.Ordinal);
        Assert.Contains("'D'", d.BadRows[1].Message, StringComparison.Ordinal);
        Assert.Contains("fields", d.BadRows[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingAnswerColumn_ThrowsNamingFileAndColumn()
    {
        using var dir = new TempDir();
        string path = dir.File("no-answer.tsv");
        SyntheticData.WriteTsv(path, ["index", "image", "question"], [["0", SyntheticData.Base64Png(), "q"]]);
        var e = Assert.Throws<DataException>(() => DatasetLoader.Load(path, "textvqa_val"));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("'answer'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MultilineQuotedQuestion_KeepsNewlinesAndLineNumbers()
    {
        using var dir = new TempDir();
        string path = dir.File("chart.tsv");
        SyntheticData.WriteTsv(path, ["index", "image", "question", "answer"],
        [
            ["1", SyntheticData.Base64Png(), "Line one\nsaid \"hi\"", "12"],
            ["2", "", "no image", "3"],
        ]);
        LoadedDataset d = DatasetLoader.Load(path, "chartqa_test");
        Assert.Equal("Line one\nsaid \"hi\"", Assert.Single(d.Items).Question);
        // Row 1 spans lines 2-3, so row 2 starts on line 4.
        Assert.Equal(4, Assert.Single(d.BadRows).Row);
    }

    [Fact]
    public void Load_MmmuDevValTsv_SkipsDevRowsAndReadsImageLists()
    {
        using var dir = new TempDir();
        string path = dir.File("mmmu.tsv");
        string a = SyntheticData.Base64Png(20, 20, 10), b = SyntheticData.Base64Png(30, 30, 200);
        SyntheticData.WriteTsv(path, ["index", "image", "question", "A", "B", "answer", "split", "category"],
        [
            ["1", $"['{a}', '{b}']", "Compare <image 1> and <image 2>", "same", "different", "B", "validation", "Art"],
            ["2", a, "dev question", "x", "y", "A", "dev", "Art"],
            ["3", b, "Open: how many?", "", "", "4", "validation", "Math"],
        ]);
        LoadedDataset d = DatasetLoader.Load(path, "mmmu_val");
        Assert.Equal(["1", "3"], d.Items.Select(i => i.Id));
        Assert.Equal(2, d.Items[0].Images.Count);
        Assert.Equal("multiple-choice", d.Items[0].QuestionType);
        Assert.Equal("open", d.Items[1].QuestionType);
        Assert.Contains(d.Notes, n => n.Contains("1 MMMU dev row", StringComparison.Ordinal));
    }
}
