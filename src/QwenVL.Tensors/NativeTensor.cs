// An owning tensor in native (unmanaged, 64-byte aligned) memory: used for weights that are
// created rather than mapped (synthetic checkpoints, test data, later quantized copies).
// It is not an activation buffer type: activations live in plain float[] sized once.
using System.Runtime.InteropServices;

namespace QwenVL.Tensors;

/// <summary>Owns aligned unmanaged memory and exposes it as a <see cref="TensorView"/>.</summary>
public sealed unsafe class NativeTensor : IDisposable
{
    private void* _data;

    /// <summary>Allocates a zeroed tensor.</summary>
    public NativeTensor(DType dtype, params int[] shape)
    {
        var probe = new TensorView(0, dtype, shape);
        nuint bytes = (nuint)Math.Max(1, probe.ByteLength);
        _data = NativeMemory.AlignedAlloc(bytes, 64);
        NativeMemory.Clear(_data, bytes);
        View = new TensorView((nint)_data, dtype, shape);
    }

    /// <summary>The tensor's view; invalid after <see cref="Dispose"/>.</summary>
    public TensorView View { get; }

    /// <summary>Writable bytes of the tensor.</summary>
    public Span<byte> Bytes => new(_data, checked((int)View.ByteLength));

    /// <summary>Creates a tensor of <paramref name="dtype"/> from float32 values (rounding to nearest even).</summary>
    public static NativeTensor FromFloats(ReadOnlySpan<float> values, DType dtype, params int[] shape)
    {
        var tensor = new NativeTensor(dtype, shape);
        if (tensor.View.ElementCount != values.Length)
        {
            tensor.Dispose();
            throw new ArgumentException($"{values.Length} values for shape [{string.Join(", ", shape)}]");
        }
        Numerics.FromFloat(values, dtype, tensor.Bytes);
        return tensor;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_data != null)
        {
            NativeMemory.AlignedFree(_data);
            _data = null;
        }
    }
}
