// Quantizes activation rows to the int8 form the quantized matmul multiplies with: per block of 32,
// a float32 scale d = amax/127 and q = round-half-even(x/d) in [−127, 127], plus an offset −bias·Σq.
// Like ggml's q8_0/q8_1 activations, except the scale stays float32 (one fewer rounding); K-quants get
// per-32 scales too (ggml's q8_K has one per 256), plus the sums KQuantSide makes. The scalar
// loop is the definition; the vector versions produce identical bytes (same float operations).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace QwenVL.Tensors.Quant;

// bias is what the kernels add to the weights to make them unsigned bytes (8 for Q4_0's nibbles,
// 128 for Q8_0 on AVX-VNNI): seeded into the integer accumulator, the offset keeps
// Σ(w + bias)·q − bias·Σq = Σw·q exact for one memory load.

/// <summary>Float32 rows → int8 blocks of 32 with a float scale and an integer sum per block.</summary>
internal static unsafe class ActivationQuantizer
{
    /// <summary>
    /// Quantizes one row of <paramref name="k"/> floats (a multiple of 32): <paramref name="q"/> gets
    /// k values, <paramref name="d"/> and (when not null) <paramref name="s"/> (the −bias·Σq offsets) k/32 each.
    /// </summary>
    public static void QuantizeRow(float* x, int k, sbyte* q, float* d, int* s, int bias, SimdLevel level)
    {
        int blocks = k / 32;
        for (int b = 0; b < blocks; b++)
        {
            float* xb = x + (b * 32);
            sbyte* qb = q + (b * 32);
            int sum;
            if (level >= SimdLevel.Vector256 && Vector256.IsHardwareAccelerated)
            {
                d[b] = Block256(xb, qb, out sum);
            }
            else if (level >= SimdLevel.Vector128 && Vector128.IsHardwareAccelerated)
            {
                d[b] = Block128(xb, qb, out sum);
            }
            else
            {
                d[b] = BlockScalar(xb, qb, out sum);
            }
            if (s != null)
            {
                s[b] = -bias * sum;
            }
        }
    }

    /// <summary>
    /// What the K-quant kernels need besides q and d, for one quantized row of <paramref name="k"/> values
    /// (a multiple of 256): Q4_K, <paramref name="side"/>[j] = d_j·Σq over block j (k/32 floats; the
    /// mins multiply Σx); Q6_K, ((int*)side)[g] = −32·Σq over the 16 values g (k/16 ints; the offset of
    /// every 6-bit value, seeded into its integer sum). Exact integer sums: no SIMD needed at k/16 terms.
    /// </summary>
    public static void KQuantSide(DType weights, sbyte* q, float* d, int k, float* side)
    {
        if (weights == DType.Q4_K)
        {
            for (int b = 0; b < k / 32; b++)
            {
                side[b] = d[b] * Sum(q + (32 * b), 32);
            }
            return;
        }
        for (int g = 0; g < k / 16; g++)
        {
            ((int*)side)[g] = -32 * Sum(q + (16 * g), 16);
        }
    }

    private static int Sum(sbyte* q, int count)
    {
        int sum = 0;
        for (int i = 0; i < count; i++)
        {
            sum += q[i];
        }
        return sum;
    }

    private static float BlockScalar(float* x, sbyte* q, out int sum)
    {
        float amax = 0f;
        for (int j = 0; j < 32; j++)
        {
            amax = MathF.Max(amax, MathF.Abs(x[j]));
        }
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        sum = 0;
        for (int j = 0; j < 32; j++)
        {
            q[j] = (sbyte)MathF.Round(x[j] * id, MidpointRounding.ToEven);
            sum += q[j];
        }
        return d;
    }

    private static float Block256(float* x, sbyte* q, out int sum)
    {
        Vector256<float> v0 = Vector256.Load(x), v1 = Vector256.Load(x + 8), v2 = Vector256.Load(x + 16), v3 = Vector256.Load(x + 24);
        Vector256<float> m = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
        Vector128<float> m4 = Vector128.Max(m.GetLower(), m.GetUpper());
        float amax = MathF.Max(MathF.Max(m4[0], m4[1]), MathF.Max(m4[2], m4[3]));
        float d = amax / 127f;
        var id = Vector256.Create(d != 0f ? 1f / d : 0f);
        Vector256<int> r0 = Round(v0 * id), r1 = Round(v1 * id), r2 = Round(v2 * id), r3 = Round(v3 * id);
        sum = Vector256.Sum((r0 + r1) + (r2 + r3));
        Vector256.Narrow(Vector256.Narrow(r0, r1), Vector256.Narrow(r2, r3)).Store(q);
        return d;
    }

    private static float Block128(float* x, sbyte* q, out int sum)
    {
        Vector128<float> m = Vector128<float>.Zero;
        for (int j = 0; j < 32; j += 4)
        {
            m = Vector128.Max(m, Vector128.Abs(Vector128.Load(x + j)));
        }
        float amax = MathF.Max(MathF.Max(m[0], m[1]), MathF.Max(m[2], m[3]));
        float d = amax / 127f;
        var id = Vector128.Create(d != 0f ? 1f / d : 0f);
        Vector128<int> total = Vector128<int>.Zero;
        for (int j = 0; j < 32; j += 16)
        {
            Vector128<int> r0 = Round(Vector128.Load(x + j) * id), r1 = Round(Vector128.Load(x + j + 4) * id);
            Vector128<int> r2 = Round(Vector128.Load(x + j + 8) * id), r3 = Round(Vector128.Load(x + j + 12) * id);
            total += (r0 + r1) + (r2 + r3);
            Vector128.Narrow(Vector128.Narrow(r0, r1), Vector128.Narrow(r2, r3)).Store(q + j);
        }
        sum = Vector128.Sum(total);
        return d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Round(Vector256<float> v) => Vector256.ConvertToInt32(Vector256.Round(v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Round(Vector128<float> v) => Vector128.ConvertToInt32(Vector128.Round(v));
}
