// Element types the compute layer understands for weights. Activations are always float32;
// this enum only says how a weight matrix is stored. Quantized block formats come later (issue 3).
namespace QwenVL.Tensors;

/// <summary>Storage type of a weight tensor.</summary>
public enum DType
{
    /// <summary>IEEE 754 binary32.</summary>
    F32,

    /// <summary>IEEE 754 binary16.</summary>
    F16,

    /// <summary>bfloat16: the upper 16 bits of a binary32.</summary>
    BF16,
}

/// <summary>Sizes of <see cref="DType"/> elements.</summary>
public static class DTypeInfo
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(DType dtype) => dtype switch
    {
        DType.F32 => 4,
        DType.F16 => 2,
        DType.BF16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };
}
