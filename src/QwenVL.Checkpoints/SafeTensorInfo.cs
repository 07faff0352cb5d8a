// Where one tensor lives in a safetensors file: dtype, shape and its byte range in the data region.
// It deliberately holds no data and no pointer; SafeTensorsFile/TensorStore resolve it to bytes.
namespace QwenVL.Checkpoints;

/// <summary>Header entry of one tensor; offsets are relative to the start of the data region.</summary>
public sealed record SafeTensorInfo(
    string Name, SafeTensorDType DType, long[] Shape, long DataBegin, long DataEnd, string File)
{
    /// <summary>Number of elements (product of <see cref="Shape"/>; 1 for a scalar, 0 for an empty tensor).</summary>
    public long ElementCount { get; } = ShapeMath.TryElementCount(Shape, out long n)
        ? n
        : throw new ArgumentException($"shape {ShapeMath.Format(Shape)} of '{Name}' is negative or overflows", nameof(Shape));

    /// <summary>Bytes of the tensor data (DataEnd - DataBegin).</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>Readable one-line description, e.g. "w BF16 [2, 3] bytes [0, 12) in f.safetensors".</summary>
    public override string ToString() =>
        $"{Name} {DType.ToHeaderName()} {ShapeMath.Format(Shape)} bytes [{DataBegin}, {DataEnd}) in {File}";
}
