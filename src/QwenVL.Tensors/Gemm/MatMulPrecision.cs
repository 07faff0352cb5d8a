// How CpuBackend's packed matmul treats activations. Exact keeps float32 activations and weights
// widened exactly (the parity default); FastBf16 rounds activations (and non-BF16 weights) to
// bfloat16 like llama.cpp's BF16 path, for the AMX tile unit's rate (~4× float32 here). Decode
// (n < CpuBackend.GemmMinRows) is always exact.
namespace QwenVL.Tensors;

/// <summary>Arithmetic precision of <see cref="CpuBackend"/>'s packed matmul (n ≥ 6 rows).</summary>
public enum MatMulPrecision
{
    /// <summary>Float32 activations and products (bit-compatible with the reference within float rounding).</summary>
    Exact,

    /// <summary>
    /// Activations rounded to bfloat16, bf16×bf16 products accumulated in float32 (AMX <c>tdpbf16ps</c>
    /// or avx512_bf16 <c>vdpbf16ps</c>). With AMX, attention over ≥ 128 query and key rows rounds Q, K,
    /// the probabilities and V the same way (softmax itself stays float32).
    /// </summary>
    FastBf16,
}

/// <summary>The BF16 micro-kernel behind <see cref="MatMulPrecision.FastBf16"/>.</summary>
internal enum Bf16KernelKind
{
    /// <summary>None available: the backend stays exact.</summary>
    None,

    /// <summary>AMX tiles (tdpbf16ps), 32 × 32.</summary>
    Amx,

    /// <summary>AVX-512 vdpbf16ps, 12 × 32.</summary>
    Avx512Bf16,
}
