// Quantizes activation rows to the int8 form the quantized matmul multiplies with: per block of 32,
// a float32 scale d = amax/127 and q = round-half-even(x/d) in [−127, 127], plus an offset −bias·Σq.
// Like ggml's q8_0/q8_1 activations, except the scale stays float32 (one fewer rounding); K-quants get
// per-32 scales too (ggml's q8_K has one per 256), plus the sums KQuantSide makes. The scalar
// loop is the definition; the vector versions produce identical bytes for finite inputs.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Quant;

// bias is what the kernels add to the weights to make them unsigned bytes (8 for Q4_0's nibbles,
// 128 for Q8_0 on AVX-VNNI): seeded into the integer accumulator, the offset keeps
// Σ(w + bias)·q − bias·Σq = Σw·q exact for one memory load.

/// <summary>Float32 rows → int8 blocks of 32 with a float scale and an integer sum per block.</summary>
internal static unsafe class ActivationQuantizer
{
    /// <summary>
    /// Quantizes one row of <paramref name="k"/> floats (a multiple of 32): <paramref name="q"/> gets
    /// k values, <paramref name="d"/> and (when not null) <paramref name="s"/> (the −bias·Σq offsets) k/32 each,
    /// and (when not null) <paramref name="halves"/> Σq over each 16 values, k/16 ints (what KQuantSide needs).
    /// </summary>
    public static void QuantizeRow(float* x, int k, sbyte* q, float* d, int* s, int bias, SimdLevel level, int* halves = null)
    {
        int blocks = k / 32;
        for (int b = 0; b < blocks; b++)
        {
            float* xb = x + (b * 32);
            sbyte* qb = q + (b * 32);
            int low, high;
            if (level >= SimdLevel.Vector256 && Avx2.IsSupported)
            {
                d[b] = Block256(xb, qb, out low, out high);
            }
            else if (level >= SimdLevel.Vector128 && Vector128.IsHardwareAccelerated)
            {
                d[b] = Block128(xb, qb, out low, out high);
            }
            else
            {
                d[b] = BlockScalar(xb, qb, out low, out high);
            }
            if (s != null)
            {
                s[b] = -bias * (low + high);
            }
            if (halves != null)
            {
                halves[2 * b] = low;
                halves[(2 * b) + 1] = high;
            }
        }
    }

    /// <summary>
    /// What the K-quant kernels need besides q and d, for one quantized row of <paramref name="k"/> values
    /// (a multiple of 256), from QuantizeRow's sums per 16 values, which <paramref name="side"/> holds on
    /// entry (k/16 ints) and which are replaced in place: Q4_K, side[j] = d_j·Σq over block j (k/32
    /// floats; the mins multiply Σx); Q6_K, ((int*)side)[g] = −32·Σq over the 16 values g (k/16 ints; the
    /// offset of every 6-bit value, seeded into its integer sum). The sums come from the quantizing
    /// pass's vectors, so q is not read a second time.
    /// </summary>
    public static void KQuantSide(DType weights, float* d, int k, float* side)
    {
        int* halves = (int*)side;
        if (weights == DType.Q4_K)
        {
            // In place, forward: slot j is written after slots 2j and 2j + 1 (≥ j) are read.
            for (int b = 0; b < k / 32; b++)
            {
                side[b] = d[b] * (halves[2 * b] + halves[(2 * b) + 1]);
            }
            return;
        }
        for (int g = 0; g < k / 16; g++)
        {
            halves[g] *= -32;
        }
    }

    private static float BlockScalar(float* x, sbyte* q, out int low, out int high)
    {
        float amax = 0f;
        for (int j = 0; j < 32; j++)
        {
            amax = MathF.Max(amax, MathF.Abs(x[j]));
        }
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        low = 0;
        high = 0;
        for (int j = 0; j < 32; j++)
        {
            q[j] = (sbyte)MathF.Round(x[j] * id, MidpointRounding.ToEven);
            if (j < 16) { low += q[j]; } else { high += q[j]; }
        }
        return d;
    }

    /// <summary>
    /// One block on x86's 256-bit vectors with the machine's own max and conversion: vmaxps on
    /// absolute values (no NaN/−0 fix-ups) and vcvtps2dq, which rounds half to even in the default
    /// MXCSR mode .NET never changes. The same bytes as BlockScalar for finite x (NaN activations give
    /// garbage either way, not necessarily the same garbage). The portable Max/Round/ConvertToInt32
    /// forms compiled to about twice the instructions: a 2048-wide row took 2.6 µs, now 1.2-1.4, most
    /// of a small decode matvec's fixed cost (252 matvecs a token in a 3B model).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Block256(float* x, sbyte* q, out int low, out int high)
    {
        Vector256<float> v0 = Vector256.Load(x), v1 = Vector256.Load(x + 8), v2 = Vector256.Load(x + 16), v3 = Vector256.Load(x + 24);
        Vector256<float> m = Vector256.MaxNative(
            Vector256.MaxNative(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.MaxNative(Vector256.Abs(v2), Vector256.Abs(v3)));
        Vector128<float> m4 = Vector128.MaxNative(m.GetLower(), m.GetUpper());
        Vector128<float> m2 = Vector128.MaxNative(m4, Vector128.Shuffle(m4, Vector128.Create(2, 3, 0, 1)));
        float amax = Vector128.MaxNative(m2, Vector128.Shuffle(m2, Vector128.Create(1, 0, 3, 2))).ToScalar();
        float d = amax / 127f;
        var id = Vector256.Create(d != 0f ? 1f / d : 0f);
        Vector256<int> r0 = Avx.ConvertToVector256Int32(v0 * id), r1 = Avx.ConvertToVector256Int32(v1 * id);
        Vector256<int> r2 = Avx.ConvertToVector256Int32(v2 * id), r3 = Avx.ConvertToVector256Int32(v3 * id);
        low = Vector256.Sum(r0 + r1);
        high = Vector256.Sum(r2 + r3);
        Vector256.Narrow(Vector256.Narrow(r0, r1), Vector256.Narrow(r2, r3)).Store(q);
        return d;
    }

    private static float Block128(float* x, sbyte* q, out int low, out int high)
    {
        Vector128<float> m = Vector128<float>.Zero;
        for (int j = 0; j < 32; j += 4)
        {
            m = Vector128.Max(m, Vector128.Abs(Vector128.Load(x + j)));
        }
        float amax = MathF.Max(MathF.Max(m[0], m[1]), MathF.Max(m[2], m[3]));
        float d = amax / 127f;
        var id = Vector128.Create(d != 0f ? 1f / d : 0f);
        low = 0;
        high = 0;
        for (int j = 0; j < 32; j += 16)
        {
            Vector128<int> r0 = Round(Vector128.Load(x + j) * id), r1 = Round(Vector128.Load(x + j + 4) * id);
            Vector128<int> r2 = Round(Vector128.Load(x + j + 8) * id), r3 = Round(Vector128.Load(x + j + 12) * id);
            int sum = Vector128.Sum((r0 + r1) + (r2 + r3));
            if (j == 0) { low = sum; } else { high = sum; }
            Vector128.Narrow(Vector128.Narrow(r0, r1), Vector128.Narrow(r2, r3)).Store(q + j);
        }
        return d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Round(Vector128<float> v) => Vector128.ConvertToInt32(Vector128.Round(v));
}
