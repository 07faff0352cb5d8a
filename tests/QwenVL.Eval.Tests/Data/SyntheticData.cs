// Builds small benchmark files for the tests: tiny PNGs, VLMEvalKit-style TSVs (pandas quoting) and
// lmms-lab-style parquet files written with Parquet.Net. Nothing is downloaded; every file lives in
// a fresh temp folder that the test deletes.
using System.Text;
using System.Text.Json.Serialization;
using Parquet.Serialization;
using SkiaSharp;

namespace QwenVL.Eval.Tests.Data;

/// <summary>A temp folder deleted on Dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("qwenvl-eval-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}

public static class SyntheticData
{
    /// <summary>A solid-colour PNG of the given size.</summary>
    public static byte[] Png(int width, int height, byte shade = 128)
    {
        using var bmp = new SKBitmap(width, height);
        bmp.Erase(new SKColor(shade, (byte)(255 - shade), 64));
        using SKData data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public static string Base64Png(int width = 32, int height = 24, byte shade = 128) => Convert.ToBase64String(Png(width, height, shade));

    /// <summary>Writes a TSV the way pandas does (quotes fields holding tabs, quotes or newlines).</summary>
    public static void WriteTsv(string path, string[] header, IEnumerable<string[]> rows)
    {
        static string Quote(string f) => f.IndexOfAny(['\t', '"', '\n']) >= 0 ? "\"" + f.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : f;
        var sb = new StringBuilder();
        sb.Append(string.Join('\t', header.Select(Quote))).Append('\n');
        foreach (var r in rows) sb.Append(string.Join('\t', r.Select(Quote))).Append('\n');
        System.IO.File.WriteAllText(path, sb.ToString());
    }

    /// <summary>A DocVQA-style TSV with n items: "What is item k?" -> ['answer k', 'ans k'].</summary>
    public static string DocVqaTsv(TempDir dir, int n, string name = "docvqa.tsv")
    {
        string path = dir.File(name);
        WriteTsv(path, ["index", "image", "question", "answer"],
            Enumerable.Range(0, n).Select(k => new[] { k.ToString(System.Globalization.CultureInfo.InvariantCulture), Base64Png(28 + k, 28, (byte)(40 * k)), $"What is item {k}?", $"['answer {k}', 'ans {k}']" }));
        return path;
    }

    public static async Task WriteParquet<T>(string path, IEnumerable<T> rows)
    {
        await using var fs = System.IO.File.Create(path);
        await ParquetSerializer.SerializeAsync(rows, fs);
    }
}

// lmms-lab parquet row shapes (HF Image feature = struct {bytes, path}).
public sealed class HfImage
{
    [JsonPropertyName("bytes")] public byte[]? Bytes { get; set; }
    [JsonPropertyName("path")] public string? ImagePath { get; set; }
}

public sealed class DocVqaRow
{
    [JsonPropertyName("questionId")] public string? QuestionId { get; set; }
    [JsonPropertyName("question")] public string? Question { get; set; }
    [JsonPropertyName("answers")] public List<string>? Answers { get; set; }
    [JsonPropertyName("image")] public HfImage? Image { get; set; }
}

public sealed class Ai2dRow
{
    [JsonPropertyName("question")] public string? Question { get; set; }
    [JsonPropertyName("options")] public List<string>? Options { get; set; }
    [JsonPropertyName("answer")] public string? Answer { get; set; }
    [JsonPropertyName("image")] public HfImage? Image { get; set; }
}

public sealed class MmmuRow
{
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("question")] public string? Question { get; set; }
    [JsonPropertyName("options")] public string? Options { get; set; }
    [JsonPropertyName("answer")] public string? Answer { get; set; }
    [JsonPropertyName("question_type")] public string? QuestionType { get; set; }
    [JsonPropertyName("image_1")] public HfImage? Image1 { get; set; }
    [JsonPropertyName("image_2")] public HfImage? Image2 { get; set; }
}

public sealed class NoImageRow
{
    [JsonPropertyName("questionId")] public string? QuestionId { get; set; }
    [JsonPropertyName("question")] public string? Question { get; set; }
    [JsonPropertyName("answers")] public List<string>? Answers { get; set; }
}

public sealed class RefCocoRow
{
    [JsonPropertyName("question_id")] public string? QuestionId { get; set; }
    [JsonPropertyName("question")] public string? Question { get; set; }
    [JsonPropertyName("answer")] public List<string>? Answer { get; set; }
    [JsonPropertyName("bbox")] public List<double>? Bbox { get; set; }
    [JsonPropertyName("image")] public HfImage? Image { get; set; }
}
