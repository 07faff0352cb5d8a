// Element types of the safetensors format (the dtype strings of the header) and their sizes.
// It deliberately knows nothing about how the engine computes with them; conversion to the compute
// layer's types happens in QwenVL.Models.
namespace QwenVL.Checkpoints;

/// <summary>Element type of a tensor stored in a safetensors file.</summary>
public enum SafeTensorDType
{
    /// <summary>IEEE binary64, header string "F64".</summary>
    F64,

    /// <summary>IEEE binary32, "F32".</summary>
    F32,

    /// <summary>IEEE binary16, "F16".</summary>
    F16,

    /// <summary>bfloat16, "BF16".</summary>
    BF16,

    /// <summary>Signed 64-bit integer, "I64".</summary>
    I64,

    /// <summary>Signed 32-bit integer, "I32".</summary>
    I32,

    /// <summary>Signed 16-bit integer, "I16".</summary>
    I16,

    /// <summary>Signed 8-bit integer, "I8".</summary>
    I8,

    /// <summary>Unsigned byte, "U8".</summary>
    U8,

    /// <summary>One byte per boolean, "BOOL".</summary>
    Bool,

    /// <summary>FP8 with 4 exponent / 3 mantissa bits, "F8_E4M3".</summary>
    F8E4M3,

    /// <summary>FP8 with 5 exponent / 2 mantissa bits, "F8_E5M2".</summary>
    F8E5M2,

    /// <summary>Unsigned 16-bit integer, "U16".</summary>
    U16,

    /// <summary>Unsigned 32-bit integer, "U32".</summary>
    U32,

    /// <summary>Unsigned 64-bit integer, "U64".</summary>
    U64,
}
