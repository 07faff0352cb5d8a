// A read-only, non-owning view of a dense row-major tensor in unmanaged memory (usually a
// memory-mapped checkpoint). It never copies or widens the data; kernels read it in place.
// Lifetime is the owner's business (the checkpoint or a NativeTensor must outlive the view).
namespace QwenVL.Tensors;

/// <summary>Dense row-major tensor in unmanaged memory, viewed as <c>[Rows, Cols]</c> for matmul.</summary>
public readonly unsafe struct TensorView
{
    private readonly int[] _shape;

    /// <summary>Creates a view. <paramref name="data"/> must hold <c>prod(shape) * SizeOf(dtype)</c> bytes.</summary>
    public TensorView(nint data, DType dtype, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(shape), "negative dimension");
            }
            count *= d;
        }
        Data = data;
        DType = dtype;
        _shape = shape;
        ElementCount = count;
    }

    /// <summary>Address of element 0.</summary>
    public nint Data { get; }

    /// <summary>Storage type.</summary>
    public DType DType { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>Number of elements.</summary>
    public long ElementCount { get; }

    /// <summary>Number of bytes.</summary>
    public long ByteLength => DTypeInfo.ByteCount(DType, ElementCount);

    /// <summary>First dimension (1 for a scalar).</summary>
    public int Rows => _shape.Length == 0 ? 1 : _shape[0];

    /// <summary>Product of all dimensions after the first: the row length of the matmul view.</summary>
    public int Cols => Rows == 0 ? 0 : checked((int)(ElementCount / Rows));

    /// <summary>True when the view points at nothing.</summary>
    public bool IsEmpty => _shape is null;

    /// <summary>Raw bytes of row <paramref name="row"/> in the <c>[Rows, Cols]</c> view.</summary>
    public ReadOnlySpan<byte> RowBytes(int row)
    {
        if ((uint)row >= (uint)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"row outside [0, {Rows})");
        }
        if (DTypeInfo.IsInterleaved(DType))
        {
            throw new InvalidOperationException($"rows of a {DType} tensor are interleaved, not contiguous bytes; use ReadRow");
        }
        int rowBytes = checked((int)DTypeInfo.ByteCount(DType, Cols));
        return new ReadOnlySpan<byte>((byte*)Data + (long)row * rowBytes, rowBytes);
    }

    /// <summary>All bytes.</summary>
    public ReadOnlySpan<byte> Bytes => new((void*)Data, checked((int)ByteLength));

    /// <summary>Widens row <paramref name="row"/> to float32.</summary>
    public void ReadRow(int row, Span<float> destination)
    {
        if (DTypeInfo.IsInterleaved(DType))
        {
            if ((uint)row >= (uint)Rows)
            {
                throw new ArgumentOutOfRangeException(nameof(row), row, $"row outside [0, {Rows})");
            }
            Quant.RowInterleave.ReadRow(DType, Data, Cols, row, destination[..Cols]);
            return;
        }
        Numerics.ToFloat(RowBytes(row), DType, destination[..Cols]);
    }

    /// <summary>Widens the whole tensor to a new float32 array (for small tensors: norms, biases).</summary>
    public float[] ToFloatArray()
    {
        var result = new float[ElementCount];
        if (DTypeInfo.IsInterleaved(DType))
        {
            for (int r = 0; r < Rows; r++)
            {
                ReadRow(r, result.AsSpan(r * Cols, Cols));
            }
            return result;
        }
        Numerics.ToFloat(Bytes, DType, result);
        return result;
    }

    /// <summary>Same data, another shape with the same element count.</summary>
    public TensorView Reshape(params int[] shape)
    {
        var view = new TensorView(Data, DType, shape);
        if (view.ElementCount != ElementCount)
        {
            throw new ArgumentException($"cannot reshape {ElementCount} elements to [{string.Join(", ", shape)}]");
        }
        return view;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{DType}[{string.Join(", ", _shape ?? [])}]";
}
