// Safetensors-backed weights: a checkpoint folder's memory-mapped tensors handed to the models as
// compute views. Weights are never copied or widened here (BF16 stays BF16); only small vectors
// (norms, biases) are widened to float[] by WeightScope. It does not know tensor meanings.
using QwenVL.Checkpoints;
using QwenVL.Tensors;

namespace QwenVL.Models.Common;

/// <summary>The tensors of one safetensors checkpoint folder, mapped once for the model's lifetime.</summary>
public sealed class CheckpointWeights : IWeightSource
{
    private readonly TensorStore _store;

    private CheckpointWeights(TensorStore store) => _store = store;

    /// <inheritdoc/>
    public string Folder => _store.Folder;

    /// <inheritdoc/>
    public long TotalBytes => _store.TotalBytes;

    /// <inheritdoc/>
    public IEnumerable<string> Names => _store.Names;

    /// <summary>Opens the safetensors files of a folder (CheckpointException on a broken file).</summary>
    public static CheckpointWeights Open(string folder) => new(TensorStore.Open(folder));

    /// <inheritdoc/>
    public bool Contains(string name) => _store.Contains(name);

    /// <inheritdoc/>
    public WeightInfo Info(string name)
    {
        SafeTensorInfo i = _store.GetInfo(name);
        return new WeightInfo(i.Name, i.DType.ToString(), i.Shape, i.ByteLength, i.File);
    }

    /// <inheritdoc/>
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
