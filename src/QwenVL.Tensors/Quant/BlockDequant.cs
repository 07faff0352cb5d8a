// Dequantizes runs of whole blocks to floats fast enough for the BF16 GEMM to pack quantized
// weights on the fly (prefill re-reads every weight once per call: a scalar loop cost ~0.5 ns a
// value, 1.5 s per 3B prefill). Q8_0 / Q4_0 use AVX-512 sign extension (16 values an instruction);
// other dtypes and machines go through the scalar BlockFormats.Dequantize, which is the reference.
// RunBf16 rounds the result to BF16 rows, the form the BF16 GEMM's fast panel transpose takes.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Quant;

/// <summary>Vectorized block dequantization.</summary>
internal static unsafe class BlockDequant
{
    /// <summary>Dequantizes the whole blocks holding <paramref name="values"/> values at <paramref name="source"/> into <paramref name="destination"/>.</summary>
    public static void Run(byte* source, DType dtype, int values, float* destination)
    {
        int blocks = values / DTypeInfo.BlockSize(dtype);
        if (Avx512F.IsSupported && dtype == DType.Q8_0)
        {
            for (int b = 0; b < blocks; b++, source += BlockFormats.Q8_0Bytes, destination += 32)
            {
                Vector512<float> d = Vector512.Create(BlockFormats.HalfToFloat(*(ushort*)source));
                Vector128<sbyte> lo = Vector128.Load((sbyte*)(source + 2)), hi = Vector128.Load((sbyte*)(source + 18));
                (Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(lo)) * d).Store(destination);
                (Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(hi)) * d).Store(destination + 16);
            }
            return;
        }
        if (Avx512F.IsSupported && dtype == DType.Q4_0)
        {
            // Byte j holds value j in its low nibble and value j + 16 in its high nibble.
            for (int b = 0; b < blocks; b++, source += BlockFormats.Q4_0Bytes, destination += 32)
            {
                Vector512<float> d = Vector512.Create(BlockFormats.HalfToFloat(*(ushort*)source));
                Vector128<byte> packed = Vector128.Load(source + 2);
                Vector128<sbyte> lo = ((packed & Vector128.Create((byte)0x0F)) - Vector128.Create((byte)8)).AsSByte();
                Vector128<sbyte> hi = (Vector128.ShiftRightLogical(packed, 4) - Vector128.Create((byte)8)).AsSByte();
                (Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(lo)) * d).Store(destination);
                (Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(hi)) * d).Store(destination + 16);
            }
            return;
        }
        int bytes = (int)DTypeInfo.ByteCount(dtype, values);
        BlockFormats.Dequantize(new ReadOnlySpan<byte>(source, bytes), dtype, new Span<float>(destination, values));
    }

    /// <summary>
    /// Dequantizes like <see cref="Run"/>, then rounds to BF16 (round to nearest even, as
    /// <see cref="Numerics.FloatToBF16"/>) into <paramref name="destination"/>, so the BF16 GEMM can pack
    /// the panel with its fast transpose. <paramref name="scratch"/> holds <paramref name="values"/> floats.
    /// </summary>
    public static void RunBf16(byte* source, DType dtype, int values, ushort* destination, float* scratch)
    {
        Run(source, dtype, values, scratch);
        int i = 0;
        if (Avx512F.IsSupported)
        {
            for (; i + 32 <= values; i += 32)
            {
                Vector512.Narrow(Gemm.Bf16Packing.RoundToBF16(Vector512.Load(scratch + i)), Gemm.Bf16Packing.RoundToBF16(Vector512.Load(scratch + i + 16)))
                    .Store(destination + i);
            }
        }
        for (; i < values; i++)
        {
            destination[i] = Numerics.FloatToBF16(scratch[i]);
        }
    }
}
