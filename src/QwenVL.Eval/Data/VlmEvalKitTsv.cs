// Turns a VLMEvalKit benchmark TSV (index, image, question, A..F, answer, hint, category, ...) into
// items: base64 images or another row's index (cells of <= 64 chars, image_base.py), Python-list
// literal answers and image lists. A missing column fails the file; a bad row is skipped and reported.
using System.Globalization;

namespace QwenVL.Eval.Data;

/// <summary>Loader for VLMEvalKit TSV files.</summary>
public static class VlmEvalKitTsv
{
    // VLMEvalKit treats an image cell this short as a reference to another row's index.
    const int MaxReferenceLength = 64;

    static readonly HashSet<string> CoreColumns = new(StringComparer.Ordinal) { "index", "image", "image_path", "question", "answer", "hint" };

    /// <summary>Reads <paramref name="path"/> for <paramref name="benchmark"/>.</summary>
    public static LoadedDataset Load(string path, BenchmarkInfo benchmark)
    {
        using var records = TsvReader.Read(path).GetEnumerator();
        if (!records.MoveNext()) throw new DataException($"{path}: empty file (no header line)");
        string[] header = records.Current.Fields;
        var col = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < header.Length; i++) col.TryAdd(header[i].Trim(), i);

        var required = new List<string> { "index", "image", "question" };
        if (benchmark.Kind != BenchmarkKind.RefCoco || !col.ContainsKey("bbox_x1")) required.Add("answer");
        if (benchmark.Kind is BenchmarkKind.MultipleChoice or BenchmarkKind.Circular) required.AddRange(["A", "B"]);
        foreach (string r in required)
            if (!col.ContainsKey(r)) throw new DataException($"{path}: missing column '{r}' (needed for {benchmark.Name}; header has: {string.Join(", ", header)})");
        var optionLetters = header.Where(h => h.Length == 1 && h[0] is >= 'A' and <= 'Z').OrderBy(h => h, StringComparer.Ordinal).ToList();

        var rows = new List<(int Line, string[] F)>();
        var bad = new List<DataRowError>();
        var imageByIndex = new Dictionary<string, string>(StringComparer.Ordinal);
        while (records.MoveNext())
        {
            var (line, f) = records.Current;
            if (f.Length == 1 && f[0].Length == 0) continue;   // blank line
            if (f.Length != header.Length) { bad.Add(new(line, $"{f.Length} fields, header has {header.Length}")); continue; }
            rows.Add((line, f));
            string idx = f[col["index"]].Trim();
            if (idx.Length > 0 && f[col["image"]].Length > MaxReferenceLength) imageByIndex.TryAdd(idx, f[col["image"]]);
        }

        var items = new List<BenchmarkItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int devRows = 0;
        foreach (var (line, f) in rows)
        {
            string Cell(string name) => col.TryGetValue(name, out int i) ? f[i] : "";
            try
            {
                string id = Cell("index").Trim();
                if (id.Length == 0) throw new FormatException("column 'index' is empty");
                if (benchmark.Kind == BenchmarkKind.Mmmu && Cell("split").Trim() == "dev") { devRows++; continue; }
                if (!seen.Add(id)) throw new FormatException($"duplicate index '{id}'");
                var images = Images(Cell("image"), imageByIndex);
                var options = optionLetters.Select(l => new KeyValuePair<string, string>(l, Cell(l)))
                    .Where(kv => !IsMissing(kv.Value)).ToList();
                var extra = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (name, i) in col)
                    if (!CoreColumns.Contains(name) && !optionLetters.Contains(name) && !IsMissing(f[i])) extra[name] = f[i];
                var item = new BenchmarkItem(id, line, images, Cell("question"), Answers(benchmark, Cell, options))
                {
                    Hint = IsMissing(Cell("hint")) ? null : Cell("hint"),
                    Options = options,
                    Extra = extra,
                };
                items.Add(Specialise(item, benchmark, Cell, extra));
            }
            catch (FormatException e) { bad.Add(new(line, e.Message)); }
        }
        var notes = devRows > 0 ? new[] { $"{devRows} MMMU dev row(s) skipped (only validation is scored)" } : [];
        bad.Sort((x, y) => x.Row.CompareTo(y.Row));   // ragged rows are found in the first pass
        return new LoadedDataset(path, "vlmevalkit-tsv", items, bad) { Notes = notes, Rows = rows.Count + bad.Count(b => b.Message.Contains(" fields, header has ", StringComparison.Ordinal)) };
    }

    static BenchmarkItem Specialise(BenchmarkItem item, BenchmarkInfo b, Func<string, string> cell, Dictionary<string, string> extra)
    {
        switch (b.Kind)
        {
            case BenchmarkKind.MathVista:
                // choices is a list literal; its position gives the letter (A = choices[0]).
                var choices = IsMissing(cell("choices")) ? [] : PythonLiteral.ParseList(cell("choices"));
                extra.Remove("choices");
                return item with
                {
                    Options = choices.Select((c, i) => new KeyValuePair<string, string>(((char)('A' + i)).ToString(), c)).ToList(),
                    QuestionType = IsMissing(cell("question_type")) ? null : cell("question_type"),
                    Extra = WithCategory(extra, "task"),
                };
            case BenchmarkKind.Mmmu:
                if (!IsMissing(cell("category"))) extra["subject"] = cell("category");
                return item with { QuestionType = item.Options.Count > 0 ? "multiple-choice" : "open" };
            case BenchmarkKind.Circular:
                return item with { Group = IsMissing(cell("g_index")) ? null : cell("g_index").Trim() };
            case BenchmarkKind.RefCoco:
                if (!IsMissing(cell("category"))) extra["split"] = cell("category");
                (int, int)? size = int.TryParse(cell("width"), CultureInfo.InvariantCulture, out int w) && int.TryParse(cell("height"), CultureInfo.InvariantCulture, out int h) && w > 0 && h > 0 ? (w, h) : null;
                return item with { ImageSize = size };
            default:
                return item;
        }
    }

    static Dictionary<string, string> WithCategory(Dictionary<string, string> extra, string from)
    {
        if (extra.TryGetValue(from, out string? v)) extra.TryAdd("category", v);
        return extra;
    }

    static IReadOnlyList<string> Answers(BenchmarkInfo b, Func<string, string> cell, List<KeyValuePair<string, string>> options)
    {
        if (b.Kind == BenchmarkKind.RefCoco && IsMissing(cell("answer")))
        {
            string[] parts = ["bbox_x1", "bbox_y1", "bbox_x2", "bbox_y2"];
            foreach (string p in parts)
                if (!double.TryParse(cell(p), NumberStyles.Float, CultureInfo.InvariantCulture, out _)) throw new FormatException($"column '{p}' is not a number");
            return ["[" + string.Join(", ", parts.Select(p => cell(p).Trim())) + "]"];
        }
        string answer = cell("answer");
        if (IsMissing(answer)) throw new FormatException("column 'answer' is empty");
        // RefCOCO boxes "[x1, y1, x2, y2]" are one answer, not a list of answers.
        if (b.Kind != BenchmarkKind.RefCoco && PythonLiteral.LooksLikeList(answer))
        {
            try { return PythonLiteral.ParseList(answer) is { Count: > 0 } list ? list : throw new FormatException("empty list"); }
            catch (FormatException e) { throw new FormatException($"column 'answer': bad list literal ({e.Message})"); }
        }
        if (b.Kind is BenchmarkKind.MultipleChoice or BenchmarkKind.Circular && !options.Any(o => o.Key == answer.Trim()))
            throw new FormatException($"column 'answer': '{answer}' is not one of the option letters {string.Join("", options.Select(o => o.Key))}");
        return [answer.Trim()];
    }

    static List<ItemImage> Images(string cell, Dictionary<string, string> byIndex)
    {
        string Resolve(string v)
        {
            string t = v.Trim();
            if (t.Length == 0) throw new FormatException("column 'image' is empty");
            if (t.Length > MaxReferenceLength) return t;
            return byIndex.TryGetValue(t, out string? target) ? target : throw new FormatException($"column 'image': '{t}' refers to index {t}, which has no image");
        }
        if (PythonLiteral.LooksLikeList(cell))
        {
            List<string> list;
            try { list = PythonLiteral.ParseList(cell); }
            catch (FormatException e) { throw new FormatException($"column 'image': bad list literal ({e.Message})"); }
            if (list.Count == 0) throw new FormatException("column 'image': empty list");
            return list.Select(v => ItemImage.FromBase64(Resolve(v))).ToList();
        }
        return [ItemImage.FromBase64(Resolve(cell))];
    }

    /// <summary>pandas writes NaN as an empty cell; some TSVs spell it "nan".</summary>
    public static bool IsMissing(string? v) => string.IsNullOrWhiteSpace(v) || v.Trim() is "nan" or "NaN" or "None";
}
