// Which tensors get quantized, and how a quantized tensor is stored in a safetensors checkpoint
// written by `qwenvl quantize` (safetensors has no block dtypes). It does not read or write files.
using QwenVL.Tensors;

namespace QwenVL.Models.Quantization;

// The stored form of a quantized tensor:
//   header:   "<name>": {"dtype": "U8", "shape": [rows, rowBytes], ...}   rowBytes = cols/32·34 (Q8_0), cols/32·18 (Q4_0)
//   metadata: "__metadata__": {"qwenvl.quant.<name>": "Q8_0:<rows>,<cols>", ...}   (Q8_0, Q4_0, Q4_K or Q6_K)
//   data:     the rows of ggml blocks, byte for byte as in a GGUF tensor of that type.
// Each shard's metadata lists the quantized tensors of that shard. Other tensors keep their dtype.

/// <summary>The quantization policy and the on-disk description of quantized tensors.</summary>
public static class QuantizedTensorFormat
{
    /// <summary>Prefix of the metadata key that marks a U8 tensor as quantized.</summary>
    public const string MetadataPrefix = "qwenvl.quant.";

    /// <summary>The block type a load-time format quantizes to.</summary>
    public static DType Target(WeightFormat format) => format switch
    {
        WeightFormat.Q8 => DType.Q8_0,
        WeightFormat.Q4 => DType.Q4_0,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a quantized weight format"),
    };

    /// <summary>
    /// True for a float matrix worth quantizing: 2-D with a row length that is a whole number of
    /// 32-value blocks (every Linear weight, embed_tokens, lm_head). Vectors (norms, biases), the 5-D
    /// patch-embedding kernel and tensors already quantized stay as they are.
    /// </summary>
    public static bool ShouldQuantize(DType stored, ReadOnlySpan<long> shape) =>
        stored is DType.F32 or DType.F16 or DType.BF16 && shape.Length == 2 && shape[0] > 0 && shape[1] > 0 && shape[1] % 32 == 0;

    /// <summary>The metadata value, e.g. "Q8_0:2048,11008".</summary>
    public static string Describe(DType dtype, long rows, long cols) => $"{dtype}:{rows},{cols}";

    /// <summary>Parses a metadata value; false when it is not "&lt;block dtype&gt;:&lt;rows&gt;,&lt;cols&gt;" with positive sizes.</summary>
    public static bool TryParse(string value, out DType dtype, out int rows, out int cols)
    {
        dtype = default;
        rows = cols = 0;
        string[] parts = value.Split(':');
        if (parts.Length != 2 || !Enum.TryParse(parts[0], ignoreCase: false, out dtype) || !DTypeInfo.IsQuantized(dtype)
            || DTypeInfo.IsInterleaved(dtype))
        {
            return false;
        }
        string[] dims = parts[1].Split(',');
        return dims.Length == 2
            && int.TryParse(dims[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out rows)
            && int.TryParse(dims[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out cols)
            && rows > 0 && cols > 0 && cols % DTypeInfo.BlockSize(dtype) == 0;
    }

    /// <summary>Maps a weight-info dtype string ("BF16", "Q8_0") to <see cref="DType"/>; false for others (I64, ...).</summary>
    public static bool TryDType(string name, out DType dtype) =>
        Enum.TryParse(name, ignoreCase: false, out dtype) && Enum.IsDefined(dtype);
}
