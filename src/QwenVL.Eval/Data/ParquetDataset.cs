// Reads the lmms-lab Hugging Face parquet files (Parquet.Net, untyped) into items. Column names per
// benchmark follow the lmms-eval task utils (eval-metrics.md §2-§11); images are HF Image structs
// {bytes, path} or plain binary. A file is read whole (one shard at a time), which fits HF's shard sizes.
using System.Collections;
using System.Globalization;
using Parquet.Serialization;

namespace QwenVL.Eval.Data;

/// <summary>Loader for Hugging Face parquet shards.</summary>
public static class ParquetDataset
{
    /// <summary>Reads <paramref name="path"/> for <paramref name="benchmark"/>; rowOffset numbers rows across shards.</summary>
    public static LoadedDataset Load(string path, BenchmarkInfo benchmark, int rowOffset = 0)
    {
        List<Dictionary<string, object>> data;
        HashSet<string> columns;
        try
        {
            using var stream = File.OpenRead(path);
            var result = ParquetSerializer.DeserializeUntypedAsync(stream).GetAwaiter().GetResult();
            data = result.Data.ToList();
            columns = result.Schema.Fields.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or InvalidOperationException or Parquet.ParquetException)
        {
            throw new DataException($"{path}: cannot read parquet ({e.Message})");
        }

        string Need(params string[] names) => names.FirstOrDefault(columns.Contains)
            ?? throw new DataException($"{path}: missing column '{string.Join("' or '", names)}' (needed for {benchmark.Name}; file has: {string.Join(", ", columns)})");
        string? Opt(params string[] names) => names.FirstOrDefault(columns.Contains);

        string question = Need("question");
        string? id = benchmark.Kind switch
        {
            BenchmarkKind.Vqa => Opt("questionId", "question_id"),
            BenchmarkKind.Mmmu => Need("id"),
            BenchmarkKind.MathVista => Opt("pid"),
            BenchmarkKind.Circular => Need("index"),
            BenchmarkKind.RefCoco => Opt("question_id"),
            _ => Opt("question_id", "id", "index"),
        };
        string answer = benchmark.Kind is BenchmarkKind.Vqa && columns.Contains("answers") ? "answers" : Need("answer");
        string[] images = benchmark.Kind == BenchmarkKind.Mmmu
            ? Enumerable.Range(1, 7).Select(i => $"image_{i}").Where(columns.Contains).ToArray()
            : [benchmark.Kind == BenchmarkKind.MathVista ? Need("decoded_image", "image") : Need("image")];
        if (images.Length == 0) Need("image_1");
        if (benchmark.Kind == BenchmarkKind.MultipleChoice) Need("options");
        if (benchmark.Kind == BenchmarkKind.Mmmu) Need("options");
        if (benchmark.Kind == BenchmarkKind.Circular) { Need("A"); Need("B"); }
        if (benchmark.Kind == BenchmarkKind.RefCoco) Need("bbox");

        var items = new List<BenchmarkItem>();
        var bad = new List<DataRowError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int r = 0; r < data.Count; r++)
        {
            int row = rowOffset + r + 1;
            var d = data[r];
            try
            {
                string itemId = id is null ? row.ToString(CultureInfo.InvariantCulture) : Text(d, id) ?? throw new FormatException($"column '{id}' is empty");
                if (!seen.Add(itemId)) throw new FormatException($"duplicate id '{itemId}'");
                var imgs = new List<ItemImage>();
                foreach (string c in images)
                    if (Image(d, c) is { } img) imgs.Add(img);
                if (imgs.Count == 0) throw new FormatException($"column '{images[0]}' has no image bytes");
                var extra = Extras(d, columns);
                var item = new BenchmarkItem(itemId, row, imgs, Text(d, question) ?? "", [])
                {
                    Hint = Opt("hint") is { } h && Text(d, h) is { } ht && !VlmEvalKitTsv.IsMissing(ht) ? ht : null,
                    Extra = extra,
                };
                items.AddRange(Specialise(item, benchmark, d, answer, extra));
            }
            catch (FormatException e) { bad.Add(new(row, e.Message)); }
        }
        return new LoadedDataset(path, "hf-parquet", items, bad) { Rows = data.Count };
    }

    static IEnumerable<BenchmarkItem> Specialise(BenchmarkItem item, BenchmarkInfo b, Dictionary<string, object> d, string answerCol, Dictionary<string, string> extra)
    {
        List<string> answers = List(d, answerCol) ?? (Text(d, answerCol) is { } a ? [a] : []);
        if (b.Kind != BenchmarkKind.RefCoco && answers.Count == 0) throw new FormatException($"column '{answerCol}' is empty");
        switch (b.Kind)
        {
            case BenchmarkKind.MultipleChoice:
            {
                // lmms-lab/ai2d: options is a list, answer the 0-based index as a string.
                var opts = Letters(List(d, "options") ?? throw new FormatException("column 'options' is not a list"));
                if (!int.TryParse(answers[0], CultureInfo.InvariantCulture, out int k) || k < 0 || k >= opts.Count)
                    throw new FormatException($"column 'answer': '{answers[0]}' is not an option index 0..{opts.Count - 1}");
                yield return item with { Options = opts, Answers = [opts[k].Key] };
                break;
            }
            case BenchmarkKind.Mmmu:
            {
                // MMMU stores options as the string repr of a Python list.
                string raw = Text(d, "options") ?? "[]";
                List<string> list;
                try { list = List(d, "options") ?? PythonLiteral.ParseList(raw); }
                catch (FormatException e) { throw new FormatException($"column 'options': {e.Message}"); }
                yield return item with { Options = Letters(list), Answers = answers, QuestionType = Text(d, "question_type") ?? (list.Count > 0 ? "multiple-choice" : "open") };
                break;
            }
            case BenchmarkKind.MathVista:
                yield return item with { Options = Letters(List(d, "choices") ?? []), Answers = answers, QuestionType = Text(d, "question_type"), Extra = extra };
                break;
            case BenchmarkKind.Circular:
            {
                var opts = new[] { "A", "B", "C", "D", "E" }.Select(l => new KeyValuePair<string, string>(l, Text(d, l) ?? ""))
                    .Where(kv => !VlmEvalKitTsv.IsMissing(kv.Value)).ToList();
                if (!opts.Any(o => o.Key == answers[0].Trim())) throw new FormatException($"column 'answer': '{answers[0]}' is not an option letter");
                yield return item with { Options = opts, Answers = [answers[0].Trim()] };
                break;
            }
            case BenchmarkKind.RefCoco:
            {
                // COCO xywh pixels -> the scorer's [x1, y1, x2, y2]; one item per referring expression (lmms-eval explodes rows).
                var box = (List(d, "bbox") ?? []).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList();
                if (box.Count != 4) throw new FormatException("column 'bbox': expected 4 numbers (x, y, w, h)");
                string gt = string.Create(CultureInfo.InvariantCulture, $"[{box[0]}, {box[1]}, {box[0] + box[2]}, {box[1] + box[3]}]");
                var expressions = answers.Count > 0 ? answers : [item.Question];
                for (int i = 0; i < expressions.Count; i++)
                    yield return item with { Id = expressions.Count == 1 ? item.Id : $"{item.Id}_{i}", Question = expressions[i], Answers = [gt] };
                break;
            }
            default:
                yield return item with { Answers = answers, QuestionType = b.Name == "chartqa_test" ? Text(d, "type") : item.QuestionType };
                break;
        }
    }

    static List<KeyValuePair<string, string>> Letters(List<string> options) =>
        options.Select((o, i) => new KeyValuePair<string, string>(((char)('A' + i)).ToString(), o)).ToList();

    // Scalars (strings, numbers, bools) other than the big columns, for the scorer's categories.
    static Dictionary<string, string> Extras(Dictionary<string, object> d, HashSet<string> columns)
    {
        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in d)
        {
            if (k is "question" or "answer" or "answers" or "options" or "choices" or "hint" or "query" || k.StartsWith("image", StringComparison.Ordinal) || k == "decoded_image") continue;
            if (Scalar(v) is { } s) extra[k == "L2-category" ? "l2-category" : k] = s;
        }
        return extra;
    }

    static ItemImage? Image(Dictionary<string, object> d, string column)
    {
        if (!d.TryGetValue(column, out object? v) || v is null) return null;
        if (v is byte[] b && b.Length > 0) return ItemImage.FromBytes(b);
        if (v is IDictionary dict && dict["bytes"] is byte[] sb && sb.Length > 0) return ItemImage.FromBytes(sb);
        if (v is string s && s.Length > 64) return ItemImage.FromBase64(s);
        return null;
    }

    static string? Text(Dictionary<string, object> d, string column) => d.TryGetValue(column, out object? v) ? Scalar(v) : null;

    static string? Scalar(object? v) => v switch
    {
        null => null,
        string s => s,
        ReadOnlyMemory<char> m => m.ToString(),
        IFormattable f when v is not IDictionary => f.ToString(null, CultureInfo.InvariantCulture),
        bool x => x ? "True" : "False",
        _ => null,
    };

    static List<string>? List(Dictionary<string, object> d, string column) =>
        d.TryGetValue(column, out object? v) && v is IEnumerable e and not string and not byte[] and not IDictionary
            ? e.Cast<object?>().Select(x => Scalar(x) ?? "").ToList()
            : null;
}
