// The row-interleaved forms of Q8_0 / Q4_0 / Q4_K / Q6_K (DType.Q8_0x8 ... Q6_Kx8), made from the ggml
// layout at load so the decode kernels read 8 weight rows as one contiguous stream with one int32 lane
// per row: a 4-byte group of x is broadcast to all 8 lanes, so a block needs no horizontal sums and its
// scales are converted once for 8 rows. Each is a pure byte permutation of the ggml blocks (same bytes
// per value, no field unpacked); nothing here is written to disk (checkpoints keep ggml's layout).
namespace QwenVL.Tensors.Quant;

// Layout of rows 8g..8g+7, blocks in order, each block of the 8 rows together: first every f16 field of
// the ggml block, 8 rows × 2 bytes each (row r at 2r), then every other 4-byte group t of the block in
// order, 8 rows × 4 bytes (bytes 4r..4r+3 = the row's group t):
//   Q4_0x8 (144 = 8 × 18): d[8] | 4 groups of qs. Group c's low nibbles hold values 4c..4c+3 of row r
//     in lane r, its high nibbles values 16+4c.. (qs[j] holds value j low and j + 16 high, as in ggml).
//   Q8_0x8 (272 = 8 × 34): d[8] | 8 groups of q.
//   Q4_Kx8 (1152 = 8 × 144): d[8] | dmin[8] | 3 groups of packed 6-bit scales/mins | 32 groups of qs.
//   Q6_Kx8 (1680 = 8 × 210): d[8] (ggml keeps it last) | 32 groups of ql | 16 of qh | 4 of int8 scales.
// Row groups follow each other; a tensor is interleaved only when its row count is a multiple of 8.

/// <summary>Converts between the ggml row layout and the 8-row interleaved one.</summary>
public static unsafe class RowInterleave
{
    /// <summary>Rows per interleaved group.</summary>
    public const int Rows = 8;

    /// <summary>
    /// True where models should hand <paramref name="blockType"/> matrices to the backend interleaved:
    /// where its interleaved kernels beat its ggml-layout ones on this CPU. Q8_0 / Q4_0: where there
    /// are int8 dot instructions for them, AVX2 (AVX-VNNI where present) or ARM64 dotprod (sdot: Apple
    /// M1 and later, Neoverse N1 and later); through the 128-bit widening multiply instead they ran
    /// 6–17% slower than the ggml-layout kernels (2048 × 1024 from L3, 2 threads, 2026-11-28), so
    /// ARMv8.0 (Cortex-A72, Raspberry Pi 4) keeps ggml's layout for them. Q4_K / Q6_K: wherever 128-bit
    /// vectors are accelerated, since in ggml's layout their decode dequantizes each row to floats
    /// first: interleaved, the widening multiply ran 4.0× (Q4_K) and 7.3× (Q6_K) faster there.
    /// Other types have no interleaved form.
    /// </summary>
    public static bool PreferredFor(DType blockType) => blockType switch
    {
        DType.Q8_0 or DType.Q4_0 => System.Runtime.Intrinsics.X86.Avx2.IsSupported
            || (System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported && System.Runtime.Intrinsics.Arm.Dp.IsSupported),
        DType.Q4_K or DType.Q6_K => System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary>The interleaved type of a ggml block type, or false when there is none.</summary>
    public static bool TryInterleavedType(DType dtype, out DType interleaved)
    {
        interleaved = dtype switch
        {
            DType.Q8_0 => DType.Q8_0x8,
            DType.Q4_0 => DType.Q4_0x8,
            DType.Q4_K => DType.Q4_Kx8,
            DType.Q6_K => DType.Q6_Kx8,
            _ => dtype,
        };
        return interleaved != dtype;
    }

    /// <summary>True when a [rows, cols] tensor of <paramref name="dtype"/> can be interleaved.</summary>
    public static bool CanInterleave(DType dtype, long rows, long cols) =>
        TryInterleavedType(dtype, out _) && rows > 0 && rows % Rows == 0 && cols > 0 && cols % DTypeInfo.BlockSize(dtype) == 0;

    /// <summary>
    /// The f16 fields of a ggml block of <paramref name="dtype"/>: where they start and how many there
    /// are. They sit together at the start (or, for Q6_K, the end); the rest is 4-byte groups.
    /// </summary>
    private static (int At, int Count) Halves(DType dtype) => dtype switch
    {
        DType.Q4_K => (0, 2),
        DType.Q6_K => (208, 1),
        _ => (0, 1),
    };

    /// <summary>
    /// Writes the interleaved form of <paramref name="rows"/> × <paramref name="cols"/> ggml blocks at
    /// <paramref name="source"/> (row-major) into <paramref name="destination"/> (same byte count).
    /// Groups are independent, so callers may split [firstGroup, endGroup) across threads.
    /// </summary>
    public static void Interleave(DType dtype, byte* source, byte* destination, int cols, int firstGroup, int endGroup)
    {
        if (!TryInterleavedType(dtype, out DType interleaved))
        {
            throw new ArgumentException($"{dtype} has no interleaved form (Q8_0, Q4_0, Q4_K and Q6_K do)", nameof(dtype));
        }
        long rowBytes = DTypeInfo.ByteCount(dtype, cols);
        for (int row = firstGroup * Rows; row < endGroup * Rows; row++)
        {
            WriteRow(interleaved, destination, cols, row, source + (row * rowBytes));
        }
    }

    /// <summary>
    /// Copies blocks [<paramref name="firstBlock"/>, +<paramref name="count"/>) of row <paramref name="row"/>
    /// of an interleaved tensor (row length <paramref name="cols"/>) to <paramref name="destination"/> in the ggml layout.
    /// </summary>
    public static void ReadRowBlocks(DType interleaved, byte* data, int cols, int row, int firstBlock, int count, byte* destination)
    {
        DType dtype = DTypeInfo.BlockFormat(interleaved);
        int blockBytes = DTypeInfo.BlockBytes(dtype);
        (int At, int Count) halves = Halves(dtype);
        long rowBytes = DTypeInfo.ByteCount(dtype, cols);
        int r = row % Rows;
        byte* group = data + ((long)(row / Rows) * Rows * rowBytes);
        for (int b = firstBlock; b < firstBlock + count; b++, destination += blockBytes)
        {
            byte* src = group + ((long)b * Rows * blockBytes);
            Copy(src, destination, blockBytes, r, halves, toGgml: true);
        }
    }

    /// <summary>
    /// Writes one row's ggml blocks (<paramref name="source"/>, one row of <paramref name="cols"/> values)
    /// into its place in an interleaved tensor: quantize-at-load fills the interleaved form row by row
    /// without a ggml copy.
    /// </summary>
    public static void WriteRow(DType interleaved, byte* data, int cols, int row, byte* source)
    {
        DType dtype = DTypeInfo.BlockFormat(interleaved);
        int blockBytes = DTypeInfo.BlockBytes(dtype);
        (int At, int Count) halves = Halves(dtype);
        long rowBytes = DTypeInfo.ByteCount(dtype, cols);
        int blocks = (int)(rowBytes / blockBytes);
        int r = row % Rows;
        byte* group = data + ((long)(row / Rows) * Rows * rowBytes);
        for (int b = 0; b < blocks; b++, source += blockBytes)
        {
            Copy(group + ((long)b * Rows * blockBytes), source, blockBytes, r, halves, toGgml: false);
        }
    }

    /// <summary>Moves one row's block between the interleaved block at <paramref name="mixed"/> and the ggml block at <paramref name="ggml"/>.</summary>
    private static void Copy(byte* mixed, byte* ggml, int blockBytes, int r, (int At, int Count) halves, bool toGgml)
    {
        for (int h = 0; h < halves.Count; h++)
        {
            ushort* a = (ushort*)(mixed + (16 * h) + (2 * r)), b = (ushort*)(ggml + halves.At + (2 * h));
            if (toGgml) { *b = *a; } else { *a = *b; }
        }
        int groups = (blockBytes - (2 * halves.Count)) / 4;
        uint* m = (uint*)(mixed + (16 * halves.Count) + (4 * r));
        byte* g = ggml + (halves.At == 0 ? 2 * halves.Count : 0);
        for (int t = 0; t < groups; t++, m += 8)
        {
            uint* b = (uint*)(g + (4 * t));
            if (toGgml) { *b = *m; } else { *m = *b; }
        }
    }

    /// <summary>Dequantizes row <paramref name="row"/> of an interleaved [rows, cols] tensor into <paramref name="destination"/>[0..cols).</summary>
    public static void ReadRow(DType interleaved, nint data, int cols, int row, Span<float> destination)
    {
        DType dtype = DTypeInfo.BlockFormat(interleaved);
        int values = DTypeInfo.BlockSize(dtype);
        int blocks = cols / values;
        int blockBytes = DTypeInfo.BlockBytes(dtype);
        // One block at a time through a stack buffer: no allocation, any row length.
        byte* block = stackalloc byte[blockBytes];
        for (int b = 0; b < blocks; b++)
        {
            ReadRowBlocks(interleaved, (byte*)data, cols, row, b, 1, block);
            BlockFormats.Dequantize(new ReadOnlySpan<byte>(block, blockBytes), dtype, destination.Slice(b * values, values));
        }
    }
}
