// Counts parameters and bytes per dtype straight from the checkpoint's tensor table, so `inspect`
// reports what is on disk rather than what the config claims.


namespace QwenVL.Models.Common;

/// <summary>Builds <see cref="ModelInfo"/> from a checkpoint.</summary>
public static class ModelInfoBuilder
{
    /// <summary>Counts vision ("visual." anywhere in the name) and text parameters and bytes per dtype.</summary>
    public static ModelInfo Build(IWeightSource weights, string modelType, string family, string architecture,
        IReadOnlyList<KeyValuePair<string, string>> dimensions, int contextLength)
    {
        long vision = 0, text = 0;
        var bytes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (string name in weights.Names)
        {
            WeightInfo info = weights.Info(name);
            if (name.StartsWith("visual.", StringComparison.Ordinal) || name.Contains(".visual.", StringComparison.Ordinal))
            {
                vision += info.ElementCount;
            }
            else
            {
                text += info.ElementCount;
            }
            string key = info.DType;
            bytes[key] = bytes.GetValueOrDefault(key) + info.ByteLength;
        }
        return new ModelInfo(weights.Folder, modelType, family, architecture, dimensions, vision, text, bytes, contextLength);
    }
}
