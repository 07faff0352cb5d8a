// Which ggml storage types the engine computes with, and their DType: the float formats and the
// four block formats whose byte layout DType declares identical to ggml's (so views are zero-copy).
// Any other type (Q5_K, IQ4_XS, ...) fails by name when a model asks for that tensor, not before.
using QwenVL.Checkpoints.Gguf;
using QwenVL.Tensors;

namespace QwenVL.Models.Gguf;

/// <summary>ggml type to <see cref="DType"/>.</summary>
public static class GgufDTypes
{
    /// <summary>The ggml types a GGUF weight may have here.</summary>
    public static IReadOnlyList<GgmlType> Supported { get; } =
        [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K];

    /// <summary>The DType of a ggml type, or null when the engine cannot compute with it.</summary>
    public static DType? TryToDType(GgmlType type) => type switch
    {
        GgmlType.F32 => DType.F32,
        GgmlType.F16 => DType.F16,
        GgmlType.BF16 => DType.BF16,
        GgmlType.Q8_0 => DType.Q8_0,
        GgmlType.Q4_0 => DType.Q4_0,
        GgmlType.Q4_K => DType.Q4_K,
        GgmlType.Q6_K => DType.Q6_K,
        _ => null,
    };

    /// <summary>The DType of <paramref name="tensor"/>; <see cref="ModelException"/> "unsupported ggml type Q5_K in tensor X" otherwise.</summary>
    public static DType ToDType(GgufFile file, GgufTensorInfo tensor) => TryToDType(tensor.Type) ?? throw new ModelException(
        $"{file.Path}: unsupported ggml type {tensor.Type} in tensor {tensor.Name} (supported: {string.Join(", ", Supported)}); " +
        "re-quantize the file with one of these types", file.Path, tensor.Name);

    /// <summary>The ggml type of a DType (every DType has one).</summary>
    public static GgmlType ToGgml(DType type) => type switch
    {
        DType.F32 => GgmlType.F32,
        DType.F16 => GgmlType.F16,
        DType.BF16 => GgmlType.BF16,
        DType.Q8_0 => GgmlType.Q8_0,
        DType.Q4_0 => GgmlType.Q4_0,
        DType.Q4_K => GgmlType.Q4_K,
        DType.Q6_K => GgmlType.Q6_K,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no ggml type"),
    };
}
