// Collects per-item scores, failure counts, sub-score buckets and notes while one benchmark is
// scored, then builds the ScoreReport (overall and sub-scores x100). It knows no metric.
namespace QwenVL.Eval.Scoring;

/// <summary>Mutable builder for a <see cref="ScoreReport"/>.</summary>
internal sealed class ScoreAccumulator(string benchmark)
{
    readonly Dictionary<string, double> _items = new(StringComparer.Ordinal);
    readonly Dictionary<string, (double Sum, int N)> _buckets = new(StringComparer.Ordinal);
    readonly Dictionary<string, double> _extraSubScores = new(StringComparer.Ordinal);
    readonly List<string> _skipped = [];

    public List<string> Notes { get; } = [];

    public int ExtractionFailures { get; set; }

    public int RandomFallbacks { get; set; }

    /// <summary>Records one scored unit (item or circular group) and the buckets it belongs to.</summary>
    public void Add(string id, double score, params string?[] buckets)
    {
        _items[id] = score;
        AddBucketOnly(score, buckets);
    }

    /// <summary>Adds a score to buckets only (circular groups: the unit is the group, not a row).</summary>
    public void AddBucketOnly(double score, params string?[] buckets)
    {
        foreach (string? b in buckets)
        {
            if (string.IsNullOrEmpty(b)) continue;
            var (sum, n) = _buckets.GetValueOrDefault(b);
            _buckets[b] = (sum + score, n + 1);
        }
    }

    /// <summary>Adds a sub-score that is not a bucket mean (already on its final scale).</summary>
    public void SetSubScore(string name, double value) => _extraSubScores[name] = value;

    /// <summary>An item that lacked a field its benchmark needs; reported in Notes, not scored.</summary>
    public void Skip(string id, string why) => _skipped.Add($"{id} ({why})");

    /// <summary>Builds the report; the overall score is 100 x the mean of <paramref name="units"/> (or of all items).</summary>
    public ScoreReport Build(IReadOnlyCollection<double>? units = null)
    {
        IReadOnlyCollection<double> values = units ?? _items.Values;
        double score = values.Count == 0 ? 0 : 100.0 * values.Sum() / values.Count;
        var subs = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, (sum, n)) in _buckets) subs[name] = 100.0 * sum / n;
        foreach (var (name, v) in _extraSubScores) subs[name] = v;
        var notes = new List<string>(Notes);
        if (_skipped.Count > 0)
            notes.Add($"{_skipped.Count} item(s) not scored for missing fields: {string.Join(", ", _skipped.Take(5))}{(_skipped.Count > 5 ? ", ..." : "")}");
        return new ScoreReport(benchmark, score, values.Count, new Dictionary<string, double>(_items, StringComparer.Ordinal),
            ExtractionFailures, RandomFallbacks, new Dictionary<string, double>(subs, StringComparer.Ordinal), notes);
    }
}
