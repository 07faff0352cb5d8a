// One tensor to be written by SafeTensorsWriter: its header fields plus a callback producing its bytes.
// It deliberately holds no data itself, so a 16 GB checkpoint can be streamed tensor by tensor.
namespace QwenVL.Checkpoints;

/// <summary>
/// A tensor for <see cref="SafeTensorsWriter"/>; <paramref name="WriteData"/> must write exactly
/// <see cref="ByteLength"/> little-endian, row-major bytes to the stream it is given.
/// </summary>
public sealed record TensorToWrite(string Name, SafeTensorDType DType, long[] Shape, Action<Stream> WriteData)
{
    /// <summary>Bytes the callback must write: product of the shape times the element size.</summary>
    public long ByteLength => ShapeMath.TryByteLength(Shape, DType, out long bytes)
        ? bytes
        : throw new ArgumentException($"tensor '{Name}': shape {ShapeMath.Format(Shape)} is negative or overflows", nameof(Shape));

    /// <summary>A tensor whose bytes are already in memory (copied by reference, not by value).</summary>
    public static TensorToWrite FromBytes(string name, SafeTensorDType dtype, long[] shape, ReadOnlyMemory<byte> data) =>
        new(name, dtype, shape, stream => stream.Write(data.Span));
}
