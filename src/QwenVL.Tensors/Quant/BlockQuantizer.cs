// Float32 -> Q8_0 / Q4_0 blocks with exactly ggml's reference rounding (quantize_row_q8_0_ref,
// quantize_row_q4_0_ref), so a tensor quantized here is byte-identical to one llama.cpp writes.
// The scalar functions are the definition; the Vector256 versions (used to quantize a 3B model at
// load in seconds rather than tens of seconds) must give the same bytes, and a test pins them.
// K-quants are deliberately not produced: their search-based quantizers are not needed to run GGUFs.
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace QwenVL.Tensors.Quant;

/// <summary>Quantizes float32 rows to Q8_0 or Q4_0 blocks.</summary>
public static class BlockQuantizer
{
    /// <summary>
    /// Quantizes <paramref name="source"/> (a multiple of 32 values) to <paramref name="dtype"/>
    /// (Q8_0 or Q4_0) into the start of <paramref name="destination"/>.
    /// </summary>
    /// <param name="vectorized">False forces the scalar reference (for tests).</param>
    public static void Quantize(ReadOnlySpan<float> source, DType dtype, Span<byte> destination, bool vectorized = true)
    {
        if (dtype is not (DType.Q8_0 or DType.Q4_0))
        {
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "only Q8_0 and Q4_0 can be produced");
        }
        long bytes = DTypeInfo.ByteCount(dtype, source.Length);
        if (destination.Length < bytes)
        {
            throw new ArgumentException($"{source.Length} values need {bytes} bytes of {dtype}, destination has {destination.Length}", nameof(destination));
        }
        int blockBytes = DTypeInfo.BlockBytes(dtype);
        bool simd = vectorized && Vector256.IsHardwareAccelerated;
        for (int b = 0; b < source.Length / 32; b++)
        {
            ReadOnlySpan<float> x = source.Slice(b * 32, 32);
            Span<byte> block = destination.Slice(b * blockBytes, blockBytes);
            if (dtype == DType.Q8_0)
            {
                if (simd) { Q8_0Vector(x, block); } else { Q8_0Scalar(x, block); }
            }
            else
            {
                if (simd) { Q4_0Vector(x, block); } else { Q4_0Scalar(x, block); }
            }
        }
    }

    /// <summary>ggml: d = amax/127, id = 1/d (0 when d = 0), q = roundf(x·id) (half away from zero).</summary>
    private static void Q8_0Scalar(ReadOnlySpan<float> x, Span<byte> block)
    {
        float amax = 0f;
        for (int j = 0; j < 32; j++)
        {
            amax = MathF.Max(amax, MathF.Abs(x[j]));
        }
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        BinaryPrimitives.WriteUInt16LittleEndian(block, BlockFormats.FloatToHalf(d));
        for (int j = 0; j < 32; j++)
        {
            block[2 + j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
        }
    }

    /// <summary>
    /// ggml: the value of largest magnitude (the first one on ties) sets d = max/−8, so it maps to
    /// nibble 0; q = min(15, (int8)(x·id + 8.5)) with C's truncating conversion.
    /// </summary>
    private static void Q4_0Scalar(ReadOnlySpan<float> x, Span<byte> block)
    {
        float amax = 0f, max = 0f;
        for (int j = 0; j < 32; j++)
        {
            if (amax < MathF.Abs(x[j]))
            {
                amax = MathF.Abs(x[j]);
                max = x[j];
            }
        }
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        BinaryPrimitives.WriteUInt16LittleEndian(block, BlockFormats.FloatToHalf(d));
        for (int j = 0; j < 16; j++)
        {
            float x0 = x[j] * id;
            float x1 = x[j + 16] * id;
            int q0 = Math.Min(15, (int)(x0 + 8.5f));
            int q1 = Math.Min(15, (int)(x1 + 8.5f));
            block[2 + j] = (byte)(q0 | (q1 << 4));
        }
    }

    private static void Q8_0Vector(ReadOnlySpan<float> x, Span<byte> block)
    {
        ref float src = ref MemoryMarshal.GetReference(x);
        Vector256<float> v0 = Vector256.LoadUnsafe(ref src), v1 = Vector256.LoadUnsafe(ref src, 8);
        Vector256<float> v2 = Vector256.LoadUnsafe(ref src, 16), v3 = Vector256.LoadUnsafe(ref src, 24);
        Vector256<float> m = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
        float amax = HorizontalMax(m);
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        BinaryPrimitives.WriteUInt16LittleEndian(block, BlockFormats.FloatToHalf(d));
        var scale = Vector256.Create(id);
        Vector256<short> lo = Vector256.Narrow(RoundAway(v0 * scale), RoundAway(v1 * scale));
        Vector256<short> hi = Vector256.Narrow(RoundAway(v2 * scale), RoundAway(v3 * scale));
        Vector256.Narrow(lo, hi).AsByte().StoreUnsafe(ref block[2]);
    }

    private static void Q4_0Vector(ReadOnlySpan<float> x, Span<byte> block)
    {
        ref float src = ref MemoryMarshal.GetReference(x);
        Vector256<float> v0 = Vector256.LoadUnsafe(ref src), v1 = Vector256.LoadUnsafe(ref src, 8);
        Vector256<float> v2 = Vector256.LoadUnsafe(ref src, 16), v3 = Vector256.LoadUnsafe(ref src, 24);
        Vector256<float> m = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
        float amax = HorizontalMax(m);
        float max = 0f;
        if (amax > 0f)
        {
            // The first value whose magnitude is the maximum, as the scalar loop's strict '<' picks.
            for (int j = 0; j < 32; j++)
            {
                if (MathF.Abs(x[j]) == amax)
                {
                    max = x[j];
                    break;
                }
            }
        }
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        BinaryPrimitives.WriteUInt16LittleEndian(block, BlockFormats.FloatToHalf(d));
        var scale = Vector256.Create(id);
        var offset = Vector256.Create(8.5f);
        var fifteen = Vector256.Create(15);
        // Multiply and add are separate roundings, as in the C source (x0 = x·id; x0 + 8.5f).
        Vector256<int> q0 = Vector256.Min(fifteen, Vector256.ConvertToInt32(Vector256.Add(v0 * scale, offset)));
        Vector256<int> q1 = Vector256.Min(fifteen, Vector256.ConvertToInt32(Vector256.Add(v1 * scale, offset)));
        Vector256<int> q2 = Vector256.Min(fifteen, Vector256.ConvertToInt32(Vector256.Add(v2 * scale, offset)));
        Vector256<int> q3 = Vector256.Min(fifteen, Vector256.ConvertToInt32(Vector256.Add(v3 * scale, offset)));
        Vector256<int> packedLo = q0 | Vector256.ShiftLeft(q2, 4);
        Vector256<int> packedHi = q1 | Vector256.ShiftLeft(q3, 4);
        Vector256<short> narrow = Vector256.Narrow(packedLo, packedHi);
        Vector128.Narrow(narrow.GetLower(), narrow.GetUpper()).AsByte().StoreUnsafe(ref block[2]);
    }

    /// <summary>C's roundf: to nearest, halves away from zero (exact: x − trunc(x) is exact in float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> RoundAway(Vector256<float> v)
    {
        Vector256<float> t = Vector256.Truncate(v);
        Vector256<float> half = Vector256.GreaterThanOrEqual(Vector256.Abs(v - t), Vector256.Create(0.5f));
        Vector256<float> step = Vector256.CopySign(Vector256<float>.One, v) & half;
        return Vector256.ConvertToInt32(t + step);
    }

    private static float HorizontalMax(Vector256<float> v)
    {
        Vector128<float> m = Vector128.Max(v.GetLower(), v.GetUpper());
        return MathF.Max(MathF.Max(m[0], m[1]), MathF.Max(m[2], m[3]));
    }
}
