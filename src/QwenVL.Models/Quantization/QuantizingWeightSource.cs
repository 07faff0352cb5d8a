// Quantize-at-load: a decorator over any IWeightSource that hands out Q8_0 / Q4_0 copies of every
// matrix QuantizedTensorFormat.ShouldQuantize accepts, made once on first request and owned until
// Dispose. Tensors already quantized (a `qwenvl quantize` checkpoint, a GGUF) are never re-quantized.
// With interleaving on for a block type, its Q8_0 / Q4_0 / Q4_K / Q6_K matrices (made here or stored) are
// handed out in the 8-row interleaved form the CPU decode kernels read; the source's copy is released so
// RSS holds one copy.
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
    private readonly Func<DType, bool> _interleave;
    private readonly ConcurrentDictionary<string, NativeTensor> _quantized = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private bool _disposed;

    /// <summary>Wraps <paramref name="inner"/> (owned: disposed with this source).</summary>
    /// <remarks>
    /// <paramref name="target"/> null quantizes nothing (only interleaves what is stored quantized);
    /// <paramref name="interleave"/> hands Q8_0 / Q4_0 / Q4_K / Q6_K matrices with a multiple of 8 rows out interleaved (Q8_0x8 ... Q6_Kx8).
    /// </remarks>
    public QuantizingWeightSource(IWeightSource inner, DType? target, bool interleave = false)
        : this(inner, target, interleave ? static _ => true : static _ => false)
    {
    }

    /// <summary>Wraps <paramref name="inner"/> (owned), interleaving the ggml block types <paramref name="interleave"/> accepts.</summary>
    /// <remarks>
    /// <paramref name="interleave"/> is asked with the block type a matrix is handed out in (after
    /// quantizing, if this source quantizes it): <see cref="RowInterleave.PreferredFor"/> picks the
    /// types whose interleaved kernels are the faster ones on this CPU.
    /// </remarks>
    public QuantizingWeightSource(IWeightSource inner, DType? target, Func<DType, bool> interleave)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(interleave);
        if (target is not (null or DType.Q8_0 or DType.Q4_0))
        {
            throw new ArgumentOutOfRangeException(nameof(target), target, "quantize-at-load produces Q8_0 or Q4_0");
        }
        _inner = inner;
        Target = target;
        _interleave = interleave;
    }

    /// <summary>The block type matrices are quantized to (null: none are).</summary>
    public DType? Target { get; }

    /// <summary>True when <paramref name="blockType"/> (Q8_0 / Q4_0 / Q4_K / Q6_K) matrices are handed out 8-row interleaved.</summary>
    public bool Interleaves(DType blockType) => RowInterleave.TryInterleavedType(blockType, out _) && _interleave(blockType);

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
        if (Target is not { } target || !QuantizedTensorFormat.TryDType(stored.DType, out DType dtype) || !QuantizedTensorFormat.ShouldQuantize(dtype, stored.Shape))
        {
            return stored;
        }
        return stored with { DType = target.ToString(), ByteLength = DTypeInfo.ByteCount(target, stored.ElementCount) };
    }

    /// <inheritdoc/>
    public TensorView View(string name, int[] expectedShape)
    {
        if (_quantized.TryGetValue(name, out NativeTensor? cached))
        {
            return cached.View.Reshape(expectedShape);
        }
        TensorView stored = _inner.View(name, expectedShape);
        long[] shape = [.. expectedShape.Select(d => (long)d)];
        bool quantize = Target is not null && QuantizedTensorFormat.ShouldQuantize(stored.DType, shape);
        DType made = quantize ? Target!.Value : stored.DType;
        bool interleave = expectedShape.Length == 2 && RowInterleave.CanInterleave(made, stored.Rows, stored.Cols) && _interleave(made);
        if (!quantize && !interleave)
        {
            return stored;
        }
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_quantized.TryGetValue(name, out cached))
            {
                if (quantize)
                {
                    cached = Quantize(stored, made, interleave);
                }
                else
                {
                    cached = Interleaved(stored);
                }
                _quantized[name] = cached;
                _inner.ReleaseStorage(name); // the copy is all that is read from now on
            }
            return cached.View.Reshape(expectedShape);
        }
    }

    /// <summary>The 8-row interleaved copy of a Q8_0 / Q4_0 / Q4_K / Q6_K [rows, cols] view (rows a multiple of 8), groups in parallel.</summary>
    public static unsafe NativeTensor Interleaved(in TensorView source)
    {
        if (!RowInterleave.TryInterleavedType(source.DType, out DType type) || !RowInterleave.CanInterleave(source.DType, source.Rows, source.Cols))
        {
            throw new ArgumentException($"a {source.DType} [{source.Rows}, {source.Cols}] tensor cannot be interleaved (Q8_0, Q4_0, Q4_K or Q6_K with rows a multiple of 8)", nameof(source));
        }
        var tensor = new NativeTensor(type, source.Rows, source.Cols);
        byte* src = (byte*)source.Data, dst = (byte*)tensor.View.Data;
        int groups = source.Rows / RowInterleave.Rows, cols = source.Cols;
        DType dtype = source.DType;
        int chunks = (groups + RowsPerChunk - 1) / RowsPerChunk;
        Parallel.For(0, chunks, chunk =>
            RowInterleave.Interleave(dtype, src, dst, cols, chunk * RowsPerChunk, Math.Min(groups, (chunk + 1) * RowsPerChunk)));
        return tensor;
    }

    /// <summary>
    /// Quantizes a 2-D float view row by row (in parallel) into a new tensor of <paramref name="target"/>,
    /// or, with <paramref name="interleave"/>, of its 8-row interleaved type (rows a multiple of 8):
    /// each row is quantized into a small buffer and scattered into place, so no ggml-layout copy exists.
    /// </summary>
    public static unsafe NativeTensor Quantize(in TensorView source, DType target, bool interleave = false)
    {
        int rows = source.Rows, cols = source.Cols;
        DType stored = target;
        if (interleave && !(RowInterleave.TryInterleavedType(target, out stored) && RowInterleave.CanInterleave(target, rows, cols)))
        {
            throw new ArgumentException($"a [{rows}, {cols}] {target} tensor cannot be interleaved (rows a multiple of 8)", nameof(interleave));
        }
        var tensor = new NativeTensor(stored, rows, cols);
        try
        {
            int rowBytes = (int)DTypeInfo.ByteCount(target, cols);
            byte* dst = (byte*)tensor.View.Data;
            TensorView view = source;
            int chunks = (rows + RowsPerChunk - 1) / RowsPerChunk;
            Parallel.For(0, chunks, () => (new float[cols], new byte[rowBytes]), (chunk, _, buffers) =>
            {
                int end = Math.Min(rows, (chunk + 1) * RowsPerChunk);
                for (int r = chunk * RowsPerChunk; r < end; r++)
                {
                    view.ReadRow(r, buffers.Item1);
                    if (!interleave)
                    {
                        BlockQuantizer.Quantize(buffers.Item1, target, new Span<byte>(dst + ((long)r * rowBytes), rowBytes));
                        continue;
                    }
                    BlockQuantizer.Quantize(buffers.Item1, target, buffers.Item2);
                    fixed (byte* row = buffers.Item2)
                    {
                        RowInterleave.WriteRow(stored, dst, cols, r, row);
                    }
                }
                return buffers;
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
