// Header-string mapping, element sizes and the writer's ordering rank for SafeTensorDType.
// It deliberately accepts only the exact, case-sensitive strings of the safetensors spec ("BF16",
// not "bf16" or "bfloat16"), as the reference Rust reader does.
namespace QwenVL.Checkpoints;

/// <summary>Facts about <see cref="SafeTensorDType"/> values.</summary>
public static class SafeTensorDTypes
{
    private static readonly SafeTensorDType[] All = Enum.GetValues<SafeTensorDType>();

    /// <summary>The header strings of every supported dtype, for error messages.</summary>
    public static string KnownNames => string.Join(", ", All.Select(ToHeaderName));

    /// <summary>Bytes per element (1 for BOOL and the FP8 types).</summary>
    public static int ItemSize(this SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.F64 or SafeTensorDType.I64 or SafeTensorDType.U64 => 8,
        SafeTensorDType.F32 or SafeTensorDType.I32 or SafeTensorDType.U32 => 4,
        SafeTensorDType.F16 or SafeTensorDType.BF16 or SafeTensorDType.I16 or SafeTensorDType.U16 => 2,
        SafeTensorDType.I8 or SafeTensorDType.U8 or SafeTensorDType.Bool
            or SafeTensorDType.F8E4M3 or SafeTensorDType.F8E5M2 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a SafeTensorDType"),
    };

    /// <summary>The string written in the "dtype" field of a header.</summary>
    public static string ToHeaderName(this SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.Bool => "BOOL",
        SafeTensorDType.F8E4M3 => "F8_E4M3",
        SafeTensorDType.F8E5M2 => "F8_E5M2",
        _ when Enum.IsDefined(dtype) => dtype.ToString(),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a SafeTensorDType"),
    };

    /// <summary>Parses a header dtype string; false for anything not in the spec.</summary>
    public static bool TryParse(string? name, out SafeTensorDType dtype)
    {
        foreach (SafeTensorDType candidate in All)
        {
            if (string.Equals(candidate.ToHeaderName(), name, StringComparison.Ordinal))
            {
                dtype = candidate;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    /// <summary>
    /// Position in the reference implementation's Dtype enum (BOOL=0 ... U64=14), which is ordered by
    /// alignment; its writer lays tensors out by descending rank, then by name, so that every tensor
    /// stays aligned to its element size once the header is padded to 8 bytes.
    /// </summary>
    internal static int AlignmentRank(this SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.Bool => 0,
        SafeTensorDType.U8 => 1,
        SafeTensorDType.I8 => 2,
        SafeTensorDType.F8E5M2 => 3,
        SafeTensorDType.F8E4M3 => 4,
        SafeTensorDType.I16 => 5,
        SafeTensorDType.U16 => 6,
        SafeTensorDType.F16 => 7,
        SafeTensorDType.BF16 => 8,
        SafeTensorDType.I32 => 9,
        SafeTensorDType.U32 => 10,
        SafeTensorDType.F32 => 11,
        SafeTensorDType.F64 => 12,
        SafeTensorDType.I64 => 13,
        SafeTensorDType.U64 => 14,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a SafeTensorDType"),
    };
}
