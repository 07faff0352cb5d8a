// A model's identity card for `qwenvl inspect`, `/v1/models` and logs: architecture, sizes,
// parameter counts and storage dtypes, all read from the checkpoint (nothing is estimated).
namespace QwenVL.Models;

/// <summary>Descriptive facts about a loaded model.</summary>
public sealed record ModelInfo(
    string Folder,
    string ModelType,
    string Family,
    string Architecture,
    IReadOnlyList<KeyValuePair<string, string>> Dimensions,
    long VisionParameters,
    long TextParameters,
    IReadOnlyDictionary<string, long> BytesByDType,
    int ContextLength)
{
    /// <summary>All parameters.</summary>
    public long TotalParameters => VisionParameters + TextParameters;
}
