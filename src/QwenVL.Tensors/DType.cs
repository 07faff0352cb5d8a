// Storage types the compute layer understands for weights. Activations are always float32; this
// enum only says how a weight matrix is laid out in memory: plain floats, or the llama.cpp/GGUF
// block formats (Q8_0, Q4_0: 32 values per block; Q4_K, Q6_K: 256 per super-block), whose byte
// layouts match GGUF exactly so a GGUF tensor can be used in place, plus the two row-interleaved
// forms of Q8_0 / Q4_0 the CPU decode kernels read (Quant/RowInterleave.cs), made at load only.
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

    /// <summary>Blocks of 32: f16 scale d, 32 × int8 q; value = d·q (34 bytes).</summary>
    Q8_0,

    /// <summary>Blocks of 32: f16 scale d, 16 bytes of nibbles; value = d·(q − 8) (18 bytes).</summary>
    Q4_0,

    /// <summary>Super-blocks of 256: f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles (144 bytes).</summary>
    Q4_K,

    /// <summary>Super-blocks of 256: 128 bytes low nibbles, 64 bytes high 2 bits, 16 int8 scales, f16 d (210 bytes).</summary>
    Q6_K,

    /// <summary>Q8_0 with 8 rows interleaved per block (Quant/RowInterleave.cs); same bytes per value, rows not contiguous.</summary>
    Q8_0x8,

    /// <summary>Q4_0 with 8 rows interleaved per block (Quant/RowInterleave.cs); same bytes per value, rows not contiguous.</summary>
    Q4_0x8,

    /// <summary>Q4_K with 8 rows interleaved per super-block (Quant/RowInterleave.cs); same bytes, rows not contiguous.</summary>
    Q4_Kx8,

    /// <summary>Q6_K with 8 rows interleaved per super-block (Quant/RowInterleave.cs); same bytes, rows not contiguous.</summary>
    Q6_Kx8,
}

/// <summary>Sizes of <see cref="DType"/> elements and blocks.</summary>
public static class DTypeInfo
{
    /// <summary>True for the block-quantized formats.</summary>
    public static bool IsQuantized(DType dtype) => dtype is DType.Q8_0 or DType.Q4_0 or DType.Q4_K or DType.Q6_K
        or DType.Q8_0x8 or DType.Q4_0x8 or DType.Q4_Kx8 or DType.Q6_Kx8;

    /// <summary>True for the row-interleaved forms, whose rows are not contiguous byte ranges.</summary>
    public static bool IsInterleaved(DType dtype) => dtype is DType.Q8_0x8 or DType.Q4_0x8 or DType.Q4_Kx8 or DType.Q6_Kx8;

    /// <summary>The ggml block format of an interleaved type (itself for every other type).</summary>
    public static DType BlockFormat(DType dtype) => dtype switch
    {
        DType.Q8_0x8 => DType.Q8_0,
        DType.Q4_0x8 => DType.Q4_0,
        DType.Q4_Kx8 => DType.Q4_K,
        DType.Q6_Kx8 => DType.Q6_K,
        _ => dtype,
    };

    /// <summary>Bytes per element of a float format (throws for block formats, which have no per-element size).</summary>
    public static int SizeOf(DType dtype) => dtype switch
    {
        DType.F32 => 4,
        DType.F16 => 2,
        DType.BF16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "block-quantized types have no per-element size; use BlockBytes/RowBytes"),
    };

    /// <summary>Elements per block (1 for float formats).</summary>
    public static int BlockSize(DType dtype) => dtype switch
    {
        DType.F32 or DType.F16 or DType.BF16 => 1,
        DType.Q8_0 or DType.Q4_0 or DType.Q8_0x8 or DType.Q4_0x8 => 32,
        DType.Q4_K or DType.Q6_K or DType.Q4_Kx8 or DType.Q6_Kx8 => 256,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Bytes per block.</summary>
    public static int BlockBytes(DType dtype) => dtype switch
    {
        DType.F32 => 4,
        DType.F16 or DType.BF16 => 2,
        DType.Q8_0 or DType.Q8_0x8 => 34,
        DType.Q4_0 or DType.Q4_0x8 => 18,
        DType.Q4_K or DType.Q4_Kx8 => 144,
        DType.Q6_K or DType.Q6_Kx8 => 210,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Bytes of <paramref name="count"/> consecutive elements; <paramref name="count"/> must be a multiple of the block size.</summary>
    public static long ByteCount(DType dtype, long count)
    {
        int block = BlockSize(dtype);
        if (count % block != 0)
        {
            throw new ArgumentException($"{count} elements is not a whole number of {dtype} blocks of {block}");
        }
        return count / block * BlockBytes(dtype);
    }
}
