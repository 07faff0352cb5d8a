// Quantize-at-load: a decorator over any IWeightSource that hands out Q8_0 / Q4_0 copies of every
// matrix QuantizedTensorFormat.ShouldQuantize accepts, made once on first request and owned until
// Dispose. Tensors already quantized (a `qwenvl quantize` checkpoint, a GGUF) pass through: never
// re-quantized. Source pages of a quantized tensor are released (MappedPages): RSS holds one copy.
using System.Collections.Concurrent;
using QwenVL.Models.Common;
using QwenVL.Tensors;
using QwenVL.Tensors.Quant;

namespace QwenVL.Models.Quantization;

/// <summary>An <see cref="IWeightSource"/> whose float matrices are quantized on load.</summary>
public sealed class QuantizingWeightSource : IWeightSource
{
    // Rows per parallel work item: big enough (≥ 64 KiB of source) to amortize scheduling.
    private const int RowsPerChunk = 64;

    private readonly IWeightSource _inner;
    private readonly ConcurrentDictionary<string, NativeTensor> _quantized = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private bool _disposed;

    /// <summary>Wraps <paramref name="inner"/> (owned: disposed with this source).</summary>
    public QuantizingWeightSource(IWeightSource inner, DType target)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (target is not (DType.Q8_0 or DType.Q4_0))
        {
            throw new ArgumentOutOfRangeException(nameof(target), target, "quantize-at-load produces Q8_0 or Q4_0");
        }
        _inner = inner;
        Target = target;
    }

    /// <summary>The block type matrices are quantized to.</summary>
    public DType Target { get; }

    /// <inheritdoc/>
    public string Folder => _inner.Folder;

    /// <inheritdoc/>
    public IEnumerable<string> Names => _inner.Names;

    /// <inheritdoc/>
    public long TotalBytes => Names.Sum(n => Info(n).ByteLength);

    /// <inheritdoc/>
    public bool Contains(string name) => _inner.Contains(name);

    /// <inheritdoc/>
    public WeightInfo Info(string name)
    {
        WeightInfo stored = _inner.Info(name);
        if (!QuantizedTensorFormat.TryDType(stored.DType, out DType dtype) || !QuantizedTensorFormat.ShouldQuantize(dtype, stored.Shape))
        {
            return stored;
        }
        return stored with { DType = Target.ToString(), ByteLength = DTypeInfo.ByteCount(Target, stored.ElementCount) };
    }

    /// <inheritdoc/>
    public TensorView View(string name, int[] expectedShape)
    {
        TensorView stored = _inner.View(name, expectedShape);
        long[] shape = [.. expectedShape.Select(d => (long)d)];
        if (!QuantizedTensorFormat.ShouldQuantize(stored.DType, shape))
        {
            return stored;
        }
        if (_quantized.TryGetValue(name, out NativeTensor? cached))
        {
            return cached.View;
        }
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_quantized.TryGetValue(name, out cached))
            {
                cached = Quantize(stored, Target);
                _quantized[name] = cached;
                if (_inner is CheckpointWeights)
                {
                    MappedPages.Release(stored.Data, stored.ByteLength); // read-only file mapping: safe to drop
                }
            }
            return cached.View;
        }
    }

    /// <summary>Quantizes a 2-D float view row by row (in parallel) into a new tensor of <paramref name="target"/>.</summary>
    public static unsafe NativeTensor Quantize(in TensorView source, DType target)
    {
        int rows = source.Rows, cols = source.Cols;
        var tensor = new NativeTensor(target, rows, cols);
        try
        {
            long rowBytes = DTypeInfo.ByteCount(target, cols);
            byte* dst = (byte*)tensor.View.Data;
            TensorView view = source;
            int chunks = (rows + RowsPerChunk - 1) / RowsPerChunk;
            Parallel.For(0, chunks, () => new float[cols], (chunk, _, buffer) =>
            {
                int end = Math.Min(rows, (chunk + 1) * RowsPerChunk);
                for (int r = chunk * RowsPerChunk; r < end; r++)
                {
                    view.ReadRow(r, buffer);
                    BlockQuantizer.Quantize(buffer, target, new Span<byte>(dst + (r * rowBytes), (int)rowBytes));
                }
                return buffer;
            }, _ => { });
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            foreach (NativeTensor tensor in _quantized.Values)
            {
                tensor.Dispose();
            }
            _quantized.Clear();
        }
        _inner.Dispose();
    }
}
