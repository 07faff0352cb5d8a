// Owns a checkpoint's memory-mapped tensors and hands them to the models as compute views.
// Weights are never copied or widened here (BF16 stays BF16); only small vectors (norms, biases)
// are widened to float[] by WeightScope. It does not know tensor meanings or name layouts.
using QwenVL.Checkpoints;
using QwenVL.Tensors;

namespace QwenVL.Models.Common;

/// <summary>The tensors of one checkpoint folder, mapped once for the model's lifetime.</summary>
public sealed class CheckpointWeights : IDisposable
{
    private readonly TensorStore _store;

    private CheckpointWeights(TensorStore store) => _store = store;

    /// <summary>Folder the tensors came from.</summary>
    public string Folder => _store.Folder;

    /// <summary>Total bytes of all tensors.</summary>
    public long TotalBytes => _store.TotalBytes;

    /// <summary>Every tensor name.</summary>
    public IEnumerable<string> Names => _store.Names;

    /// <summary>Opens the safetensors files of a folder.</summary>
    public static CheckpointWeights Open(string folder) => new(TensorStore.Open(folder));

    /// <summary>True when the checkpoint holds a tensor of this full name.</summary>
    public bool Contains(string name) => _store.Contains(name);

    /// <summary>Info of a tensor (name, dtype, shape, file).</summary>
    public SafeTensorInfo Info(string name) => _store.GetInfo(name);

    /// <summary>A view of a tensor, checked against <paramref name="expectedShape"/>.</summary>
    public TensorView View(string name, int[] expectedShape)
    {
        SafeTensorInfo info = _store.GetRequired(name, [.. expectedShape.Select(d => (long)d)]);
        DType dtype = info.DType switch
        {
            SafeTensorDType.F32 => DType.F32,
            SafeTensorDType.F16 => DType.F16,
            SafeTensorDType.BF16 => DType.BF16,
            _ => throw new ModelException(
                $"tensor '{name}' in {info.File} has dtype {info.DType}; supported weight dtypes are F32, F16 and BF16",
                info.File, name),
        };
        return new TensorView(_store.GetPointer(name), dtype, expectedShape);
    }

    /// <inheritdoc/>
    public void Dispose() => _store.Dispose();
}
