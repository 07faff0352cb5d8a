// The key/value metadata of a GGUF file with typed, error-naming accessors: every failure is a
// CheckpointException naming the file and the key. Absent optional keys give null; it deliberately
// converts nothing silently (a float stored where an integer is expected is an error).
namespace QwenVL.Checkpoints.Gguf;

/// <summary>GGUF metadata of one file, by key.</summary>
public sealed class GgufMetadata
{
    private readonly IReadOnlyDictionary<string, GgufValue> _values;

    /// <summary>Wraps parsed metadata of <paramref name="file"/>.</summary>
    public GgufMetadata(string file, IReadOnlyDictionary<string, GgufValue> values)
    {
        File = file;
        _values = values;
    }

    /// <summary>The file the metadata came from.</summary>
    public string File { get; }

    /// <summary>Every key.</summary>
    public IEnumerable<string> Keys => _values.Keys;

    /// <summary>Number of keys.</summary>
    public int Count => _values.Count;

    /// <summary>True when the key is present.</summary>
    public bool Has(string key) => _values.ContainsKey(key);

    /// <summary>The raw value, or null when absent.</summary>
    public GgufValue? Get(string key) => _values.GetValueOrDefault(key);

    /// <summary>A string value, or null when absent.</summary>
    public string? String(string key) => Get(key) switch
    {
        null => null,
        { Type: GgufValueType.String, Raw: string s } => s,
        var v => throw Error(key, $"must be a string, got {v}"),
    };

    /// <summary>An integer of any width, or null when absent.</summary>
    public long? Integer(string key) => Get(key) switch
    {
        null => null,
        var v when v.TryGetInteger(out long l) => l,
        var v => throw Error(key, $"must be an integer, got {v}"),
    };

    /// <summary>An integer or float as a double, or null when absent.</summary>
    public double? Number(string key) => Get(key) switch
    {
        null => null,
        var v when v.TryGetNumber(out double d) => d,
        var v => throw Error(key, $"must be a number, got {v}"),
    };

    /// <summary>A bool, or null when absent.</summary>
    public bool? Bool(string key) => Get(key) switch
    {
        null => null,
        { Raw: bool b } => b,
        var v => throw Error(key, $"must be a bool, got {v}"),
    };

    /// <summary>An array of strings, or null when absent.</summary>
    public string[]? StringArray(string key) => Get(key) switch
    {
        null => null,
        { Type: GgufValueType.Array, Raw: string[] a } => a,
        var v => throw Error(key, $"must be an array of strings, got {v}"),
    };

    /// <summary>An array of integers (any width), or null when absent.</summary>
    public long[]? IntegerArray(string key) => Get(key) switch
    {
        null => null,
        var v => v.AsIntegerArray() ?? throw Error(key, $"must be an array of integers, got {v}"),
    };

    /// <summary>An array of numbers, or null when absent.</summary>
    public double[]? NumberArray(string key) => Get(key) switch
    {
        null => null,
        var v => v.AsNumberArray() ?? throw Error(key, $"must be an array of numbers, got {v}"),
    };

    /// <summary>A required string.</summary>
    public string RequireString(string key) => String(key) ?? throw Missing(key);

    /// <summary>A required integer within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long RequireInteger(string key, long min = long.MinValue, long max = long.MaxValue)
    {
        long v = Integer(key) ?? throw Missing(key);
        return v >= min && v <= max ? v : throw Error(key, $"is {v}, outside [{min}, {max}]");
    }

    /// <summary>A required number.</summary>
    public double RequireNumber(string key) => Number(key) ?? throw Missing(key);

    /// <summary>An exception naming this file and <paramref name="key"/>.</summary>
    public CheckpointException Error(string key, string problem) => new(File, key, $"metadata key '{key}' {problem}");

    private CheckpointException Missing(string key) => Error(key, "is required but absent");
}
