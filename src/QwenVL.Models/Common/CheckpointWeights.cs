// Safetensors-backed weights: a checkpoint folder's memory-mapped tensors handed to the models as
// compute views, never copied or widened (BF16 stays BF16). Tensors written by `qwenvl quantize`
// (U8 plus "qwenvl.quant.<name>" metadata, Quantization/QuantizedTensorFormat.cs) come back in place
// as views of their block dtype and logical shape: never re-quantized. It does not know meanings.
using QwenVL.Checkpoints;
using QwenVL.Models.Quantization;
using QwenVL.Tensors;

namespace QwenVL.Models.Common;

/// <summary>The tensors of one safetensors checkpoint folder, mapped once for the model's lifetime.</summary>
public sealed class CheckpointWeights : IWeightSource
{
    private readonly TensorStore _store;
    private readonly Dictionary<string, (DType DType, int Rows, int Cols)> _quantized;

    private CheckpointWeights(TensorStore store)
    {
        _store = store;
        _quantized = ReadQuantized(store);
    }

    /// <inheritdoc/>
    public string Folder => _store.Folder;

    /// <inheritdoc/>
    public long TotalBytes => _store.TotalBytes;

    /// <inheritdoc/>
    public IEnumerable<string> Names => _store.Names;

    /// <summary>Opens the safetensors files of a folder (CheckpointException on a broken file).</summary>
    public static CheckpointWeights Open(string folder)
    {
        TensorStore store = TensorStore.Open(folder);
        try
        {
            return new CheckpointWeights(store);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public bool Contains(string name) => _store.Contains(name);

    /// <inheritdoc/>
    public WeightInfo Info(string name)
    {
        SafeTensorInfo i = _store.GetInfo(name);
        if (_quantized.TryGetValue(name, out var q))
        {
            return new WeightInfo(i.Name, q.DType.ToString(), [q.Rows, q.Cols], i.ByteLength, i.File);
        }
        return new WeightInfo(i.Name, i.DType.ToString(), i.Shape, i.ByteLength, i.File);
    }

    /// <inheritdoc/>
    public void ReleaseStorage(string name)
    {
        // Every tensor is a read-only file mapping: its pages can be dropped and re-read on demand.
        Quantization.MappedPages.Release(_store.GetPointer(name), _store.GetInfo(name).ByteLength);
    }

    /// <inheritdoc/>
    public TensorView View(string name, int[] expectedShape)
    {
        if (_quantized.TryGetValue(name, out var q))
        {
            if (expectedShape.Length != 2 || expectedShape[0] != q.Rows || expectedShape[1] != q.Cols)
            {
                SafeTensorInfo stored = _store.GetInfo(name);
                throw new ModelException(
                    $"tensor '{name}' in {stored.File} is {q.DType} [{q.Rows}, {q.Cols}], expected [{string.Join(", ", expectedShape)}]",
                    stored.File, name);
            }
            return new TensorView(_store.GetPointer(name), q.DType, expectedShape);
        }
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

    /// <summary>Every "qwenvl.quant.*" entry of every file, checked against the tensor it describes.</summary>
    private static Dictionary<string, (DType, int, int)> ReadQuantized(TensorStore store)
    {
        var result = new Dictionary<string, (DType, int, int)>(StringComparer.Ordinal);
        foreach (SafeTensorsFile file in store.Files)
        {
            foreach (var (key, value) in file.Metadata)
            {
                if (!key.StartsWith(QuantizedTensorFormat.MetadataPrefix, StringComparison.Ordinal))
                {
                    continue;
                }
                string name = key[QuantizedTensorFormat.MetadataPrefix.Length..];
                if (!file.Contains(name) || !store.Contains(name))
                {
                    throw new ModelException($"{file.Path}: metadata '{key}' describes tensor '{name}', which this file does not hold", file.Path, key);
                }
                if (!QuantizedTensorFormat.TryParse(value, out DType dtype, out int rows, out int cols))
                {
                    throw new ModelException($"{file.Path}: metadata '{key}' is '{value}', expected '<Q8_0|Q4_0|Q4_K|Q6_K>:<rows>,<cols>'", file.Path, key);
                }
                SafeTensorInfo info = file.GetInfo(name);
                long rowBytes = DTypeInfo.ByteCount(dtype, cols);
                if (info.DType != SafeTensorDType.U8 || info.Shape.Length != 2 || info.Shape[0] != rows || info.Shape[1] != rowBytes)
                {
                    throw new ModelException(
                        $"{file.Path}: quantized tensor '{name}' ({value}) must be stored as U8 [{rows}, {rowBytes}], found {info.DType} [{string.Join(", ", info.Shape)}]",
                        file.Path, name);
                }
                result[name] = (dtype, rows, cols);
            }
        }
        return result;
    }
}
