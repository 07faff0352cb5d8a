// Hugging Face parquet loading (lmms-lab column layouts) on files the tests write with Parquet.Net:
// image structs, list answers, AI2D index answers, MMMU string options and several images, a row
// without image bytes (skipped and reported), a missing column (whole file refused), shard folders.
using QwenVL.Eval.Data;

namespace QwenVL.Eval.Tests.Data;

public class ParquetLoaderTests
{
    [Fact]
    public async Task Load_DocVqaParquet_ReadsStructImagesAndListAnswers()
    {
        using var dir = new TempDir();
        string path = dir.File("val.parquet");
        byte[] png = SyntheticData.Png(40, 30);
        await SyntheticData.WriteParquet(path, new[]
        {
            new DocVqaRow { QuestionId = "q7", Question = "Total?", Answers = ["$5", "5"], Image = new HfImage { Bytes = png, ImagePath = "a.png" } },
            new DocVqaRow { QuestionId = "q8", Question = "No image", Answers = ["x"], Image = new HfImage { ImagePath = "missing.png" } },
        });
        LoadedDataset d = DatasetLoader.Load(path, "docvqa_val");
        BenchmarkItem item = Assert.Single(d.Items);
        Assert.Equal("q7", item.Id);
        Assert.Equal(["$5", "5"], item.Answers);
        Assert.Equal(png, item.Images[0].GetBytes());
        DataRowError bad = Assert.Single(d.BadRows);
        Assert.Equal(2, bad.Row);
        Assert.Contains("'image'", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_Ai2dParquet_MapsIndexAnswerToLetter()
    {
        using var dir = new TempDir();
        string path = dir.File("ai2d.parquet");
        var img = new HfImage { Bytes = SyntheticData.Png(16, 16) };
        await SyntheticData.WriteParquet(path, new[]
        {
            new Ai2dRow { Question = "Which is a leaf?", Options = ["root", "leaf", "stem"], Answer = "1", Image = img },
            new Ai2dRow { Question = "Out of range", Options = ["a", "b"], Answer = "5", Image = img },
        });
        LoadedDataset d = DatasetLoader.Load(path, "ai2d_test");
        BenchmarkItem item = Assert.Single(d.Items);
        Assert.Equal("1", item.Id);   // no id column: the 1-based row number
        Assert.Equal(["B"], item.Answers);
        Assert.Equal(["A", "B", "C"], item.Options.Select(o => o.Key));
        Assert.Equal("leaf", item.Options[1].Value);
        Assert.Equal(2, Assert.Single(d.BadRows).Row);
    }

    [Fact]
    public async Task Load_MmmuParquet_ParsesStringOptionsAndSeveralImages()
    {
        using var dir = new TempDir();
        string path = dir.File("mmmu.parquet");
        await SyntheticData.WriteParquet(path, new[]
        {
            new MmmuRow { Id = "validation_Art_1", Question = "<image 1> vs <image 2>?", Options = "['same', \"it's different\"]", Answer = "B",
                QuestionType = "multiple-choice", Image1 = new HfImage { Bytes = SyntheticData.Png(8, 8) }, Image2 = new HfImage { Bytes = SyntheticData.Png(9, 9) } },
            new MmmuRow { Id = "validation_Math_2", Question = "How many?", Options = "[]", Answer = "4", QuestionType = "open",
                Image1 = new HfImage { Bytes = SyntheticData.Png(8, 8) } },
        });
        LoadedDataset d = DatasetLoader.Load(path, "mmmu_val");
        Assert.Equal(2, d.Items.Count);
        Assert.Equal(2, d.Items[0].Images.Count);
        Assert.Equal("it's different", d.Items[0].Options[1].Value);
        Assert.Equal("open", d.Items[1].QuestionType);
        Assert.Empty(d.Items[1].Options);
    }

    [Fact]
    public async Task Load_MissingImageColumn_ThrowsNamingFileAndColumn()
    {
        using var dir = new TempDir();
        string path = dir.File("noimage.parquet");
        await SyntheticData.WriteParquet(path, new[] { new NoImageRow { QuestionId = "1", Question = "q", Answers = ["a"] } });
        var e = Assert.Throws<DataException>(() => DatasetLoader.Load(path, "textvqa_val"));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("'image'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_FolderOfShards_ConcatenatesInNameOrderAndNumbersRowsAcross()
    {
        using var dir = new TempDir();
        var img = new HfImage { Bytes = SyntheticData.Png(8, 8) };
        await SyntheticData.WriteParquet(dir.File("val-00001.parquet"), new[]
        {
            new DocVqaRow { QuestionId = "b", Question = "q", Answers = ["x"], Image = img },
            new DocVqaRow { QuestionId = "c", Question = "q", Answers = ["x"], Image = new HfImage { ImagePath = "lost.png" } },
        });
        await SyntheticData.WriteParquet(dir.File("val-00000.parquet"), new[] { new DocVqaRow { QuestionId = "a", Question = "q", Answers = ["x"], Image = img } });
        LoadedDataset d = DatasetLoader.Load(dir.Path, "docvqa_val");
        Assert.Equal(["a", "b"], d.Items.Select(i => i.Id));
        // Rows are numbered across shards: shard 0 holds row 1, shard 1 rows 2-3.
        DataRowError bad = Assert.Single(d.BadRows);
        Assert.Equal(3, bad.Row);
        Assert.StartsWith("val-00001.parquet: ", bad.Message, StringComparison.Ordinal);
        Assert.Equal(3, d.Rows);
    }
}
