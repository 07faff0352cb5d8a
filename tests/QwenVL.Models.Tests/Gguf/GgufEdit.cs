// Copies a GGUF file with edits (metadata replaced or removed, tensors dropped or re-typed), so the
// loader-error tests can start from a valid converted file and break exactly one thing.
using QwenVL.Checkpoints.Gguf;

namespace QwenVL.Models.Tests.Gguf;

internal static class GgufEdit
{
    /// <summary>Writes <paramref name="target"/> from <paramref name="source"/>: <paramref name="metadata"/> null values remove a key,
    /// <paramref name="tensor"/> returning null drops the tensor (or renames / re-types it).</summary>
    public static void Copy(string source, string target, Dictionary<string, GgufValue?>? metadata = null,
        Func<GgufTensorInfo, byte[], (string Name, GgmlType Type, long[] Shape, byte[] Data)?>? tensor = null)
    {
        var w = new GgufWriter();
        using (GgufFile f = GgufFile.Open(source))
        {
            foreach (string key in f.Metadata.Keys)
            {
                if (metadata is null || !metadata.TryGetValue(key, out GgufValue? replacement))
                {
                    w.Add(key, f.Metadata.Get(key)!);
                }
                else if (replacement is not null)
                {
                    w.Add(key, replacement);
                }
            }
            foreach ((string key, GgufValue? value) in metadata ?? [])
            {
                if (value is not null && !f.Metadata.Has(key))
                {
                    w.Add(key, value);
                }
            }
            foreach (GgufTensorInfo t in f.Tensors)
            {
                byte[] data = f.GetBytes(t.Name).ToArray();
                var edited = tensor is null ? (t.Name, t.Type, t.Shape, data) : tensor(t, data);
                if (edited is var (name, type, shape, bytes))
                {
                    w.AddTensor(name, type, shape, bytes);
                }
            }
        }
        w.Write(target);
    }
}
