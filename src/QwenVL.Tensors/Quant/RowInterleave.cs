// The row-interleaved forms of Q8_0 / Q4_0 (DType.Q8_0x8 / Q4_0x8), made from the ggml layout at load
// so the decode kernels read 8 weight rows as one contiguous stream with one int32 lane per row: a
// 4-byte group of x is broadcast to all 8 lanes, so a block needs no horizontal sums, one scale
// conversion for 8 rows and one float FMA for 8 rows (the ggml layout needed one per row and block).
// Same bytes per value as the ggml form; nothing here is written to disk (checkpoints keep ggml's layout).
namespace QwenVL.Tensors.Quant;

// Layout of rows 8g..8g+7, blocks in order (k/32 of them), each block of the 8 rows together:
//   Q4_0x8 (144 bytes = 8 × 18): f16 d[8] (row r at 2r) | 4 chunks c of 32 bytes: bytes 4r..4r+3 of
//     chunk c = qs[4c..4c+3] of row r. So chunk c's low nibbles hold values 4c..4c+3 of row r in lane r
//     and its high nibbles values 16+4c..16+4c+3 (qs[j] holds value j low and j + 16 high, as in ggml).
//   Q8_0x8 (272 bytes = 8 × 34): f16 d[8] | 8 chunks c of 32 bytes: bytes 4r..4r+3 of chunk c =
//     q[4c..4c+3] of row r.
// Row groups follow each other; a tensor is interleaved only when its row count is a multiple of 8.

/// <summary>Converts between the ggml row layout and the 8-row interleaved one.</summary>
public static unsafe class RowInterleave
{
    /// <summary>Rows per interleaved group.</summary>
    public const int Rows = 8;

    /// <summary>
    /// True where the interleaved kernels are vectorized (AVX2; AVX-VNNI where present). Elsewhere
    /// (ARM64) models keep the ggml layout, whose Vector128 kernels exist; interleaved weights still
    /// work there through the scalar kernel, only slowly.
    /// </summary>
    public static bool Preferred => System.Runtime.Intrinsics.X86.Avx2.IsSupported;

    /// <summary>The interleaved type of a ggml block type, or false when there is none.</summary>
    public static bool TryInterleavedType(DType dtype, out DType interleaved)
    {
        interleaved = dtype switch
        {
            DType.Q8_0 => DType.Q8_0x8,
            DType.Q4_0 => DType.Q4_0x8,
            _ => dtype,
        };
        return interleaved != dtype;
    }

    /// <summary>True when a [rows, cols] tensor of <paramref name="dtype"/> can be interleaved.</summary>
    public static bool CanInterleave(DType dtype, long rows, long cols) =>
        dtype is DType.Q8_0 or DType.Q4_0 && rows > 0 && rows % Rows == 0 && cols > 0 && cols % 32 == 0;

    /// <summary>
    /// Writes the interleaved form of <paramref name="rows"/> × <paramref name="cols"/> ggml blocks at
    /// <paramref name="source"/> (row-major) into <paramref name="destination"/> (same byte count).
    /// Groups are independent, so callers may split [firstGroup, endGroup) across threads.
    /// </summary>
    public static void Interleave(DType dtype, byte* source, byte* destination, int cols, int firstGroup, int endGroup)
    {
        if (!TryInterleavedType(dtype, out DType interleaved))
        {
            throw new ArgumentException($"{dtype} has no interleaved form (Q8_0 and Q4_0 do)", nameof(dtype));
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
        int chunks = (blockBytes - 2) / 4;
        long rowBytes = (long)(cols / 32) * blockBytes;
        int r = row % Rows;
        byte* group = data + ((long)(row / Rows) * Rows * rowBytes);
        for (int b = firstBlock; b < firstBlock + count; b++, destination += blockBytes)
        {
            byte* src = group + ((long)b * Rows * blockBytes);
            *(ushort*)destination = *(ushort*)(src + (2 * r));
            for (int c = 0; c < chunks; c++)
            {
                *(uint*)(destination + 2 + (4 * c)) = *(uint*)(src + 16 + (32 * c) + (4 * r));
            }
        }
    }

    /// <summary>
    /// Writes one row's ggml blocks (<paramref name="source"/>, cols/32 blocks) into its place in an
    /// interleaved tensor: quantize-at-load fills the interleaved form row by row without a ggml copy.
    /// </summary>
    public static void WriteRow(DType interleaved, byte* data, int cols, int row, byte* source)
    {
        DType dtype = DTypeInfo.BlockFormat(interleaved);
        int blockBytes = DTypeInfo.BlockBytes(dtype);
        int chunks = (blockBytes - 2) / 4;
        int blocks = cols / 32;
        long rowBytes = (long)blocks * blockBytes;
        int r = row % Rows;
        byte* group = data + ((long)(row / Rows) * Rows * rowBytes);
        for (int b = 0; b < blocks; b++, source += blockBytes)
        {
            byte* dst = group + ((long)b * Rows * blockBytes);
            *(ushort*)(dst + (2 * r)) = *(ushort*)source;
            for (int c = 0; c < chunks; c++)
            {
                *(uint*)(dst + 16 + (32 * c) + (4 * r)) = *(uint*)(source + 2 + (4 * c));
            }
        }
    }

    /// <summary>Dequantizes row <paramref name="row"/> of an interleaved [rows, cols] tensor into <paramref name="destination"/>[0..cols).</summary>
    public static void ReadRow(DType interleaved, nint data, int cols, int row, Span<float> destination)
    {
        DType dtype = DTypeInfo.BlockFormat(interleaved);
        int blocks = cols / 32;
        int blockBytes = DTypeInfo.BlockBytes(dtype);
        // One block at a time through a 34-byte stack buffer: no allocation, any row length.
        byte* block = stackalloc byte[BlockFormats.Q8_0Bytes];
        for (int b = 0; b < blocks; b++)
        {
            ReadRowBlocks(interleaved, (byte*)data, cols, row, b, 1, block);
            BlockFormats.Dequantize(new ReadOnlySpan<byte>(block, blockBytes), dtype, destination.Slice(b * 32, 32));
        }
    }
}
