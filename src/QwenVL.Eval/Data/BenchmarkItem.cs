// One benchmark question as read from a VLMEvalKit TSV or a Hugging Face parquet file, in a shape
// every benchmark shares (images, question, options, answers, metadata). It does not build prompts
// or score anything; images stay encoded (base64 or bytes) until the runner needs them.
namespace QwenVL.Eval.Data;

/// <summary>An encoded image: raw file bytes, or base64 text decoded on first use (TSV images are large).</summary>
public sealed class ItemImage
{
    private readonly string? _base64;
    private byte[]? _bytes;

    private ItemImage(byte[]? bytes, string? base64) { _bytes = bytes; _base64 = base64; }

    /// <summary>From encoded file bytes (PNG, JPEG, ...).</summary>
    public static ItemImage FromBytes(byte[] bytes) => new(bytes, null);

    /// <summary>From base64 text (decoded lazily; a bad string fails that item only).</summary>
    public static ItemImage FromBase64(string base64) => new(null, base64);

    /// <summary>The encoded bytes; throws <see cref="FormatException"/> for bad base64.</summary>
    public byte[] GetBytes() => _bytes ??= Convert.FromBase64String(_base64!);
}

/// <summary>One item of a benchmark.</summary>
/// <param name="Id">Unique id within the benchmark (the TSV index, questionId, pid, ...).</param>
/// <param name="Row">1-based data row (TSV line number or parquet row) the item came from, for messages.</param>
/// <param name="Images">Images in dataset order.</param>
/// <param name="Question">Question text as stored (MMMU keeps its &lt;image k&gt; tags).</param>
/// <param name="Answers">Reference answers (VQA: all annotators; MCQ: the letter).</param>
public sealed record BenchmarkItem(string Id, int Row, IReadOnlyList<ItemImage> Images, string Question, IReadOnlyList<string> Answers)
{
    /// <summary>Hint / context shown before the question (MMBench), if any.</summary>
    public string? Hint { get; init; }

    /// <summary>Multiple-choice options in letter order (A, B, ...); empty for open questions.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Options { get; init; } = [];

    /// <summary>MMBench circular group (original question index).</summary>
    public string? Group { get; init; }

    /// <summary>MathVista question_type/answer_type, MMMU question_type, ChartQA type, OCRBench category.</summary>
    public string? QuestionType { get; init; }

    /// <summary>Original image size when the data states it (RefCOCO width/height).</summary>
    public (int Width, int Height)? ImageSize { get; init; }

    /// <summary>Other per-benchmark fields handed to the scorer (category, l2-category, precision, unit, split...).</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
}

/// <summary>A data row that could not be turned into an item; the run goes on without it.</summary>
/// <param name="Row">1-based row (TSV line number, parquet row number).</param>
/// <param name="Message">What is wrong, naming the column.</param>
public sealed record DataRowError(int Row, string Message);

/// <summary>Items read from one dataset path plus the rows that were skipped.</summary>
public sealed record LoadedDataset(string Path, string Format, IReadOnlyList<BenchmarkItem> Items, IReadOnlyList<DataRowError> BadRows)
{
    /// <summary>Remarks about what was filtered (e.g. MMMU dev rows), for the report.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Data rows read (RefCOCO rows may give several items, one per expression).</summary>
    public int Rows { get; init; }
}

/// <summary>The dataset as a whole cannot be used (unreadable file, missing column); names file and column.</summary>
public sealed class DataException(string message) : Exception(message);
