// An activation tap that copies every activation it sees into memory, for tests and the parity
// tooling. Not for production runs: it copies whole vision activations.
namespace QwenVL.Models.Diagnostics;

/// <summary>Keeps a copy of each tapped activation by name (last write wins).</summary>
public sealed class RecordingTap : IActivationTap
{
    private readonly Dictionary<string, (float[] Data, int Rows, int Cols)> _records = new(StringComparer.Ordinal);

    /// <summary>Names seen so far, in first-seen order.</summary>
    public List<string> Names { get; } = [];

    /// <inheritdoc/>
    public void Tap(string name, ReadOnlySpan<float> data, int rows, int cols)
    {
        if (!_records.ContainsKey(name))
        {
            Names.Add(name);
        }
        _records[name] = (data.ToArray(), rows, cols);
    }

    /// <summary>The recorded activation, or throws naming the missing tap.</summary>
    public (float[] Data, int Rows, int Cols) Get(string name) =>
        _records.TryGetValue(name, out var r) ? r : throw new KeyNotFoundException($"no activation named '{name}' was tapped");
}
