// The one narrow seam between model code and numeric kernels. Model code calls only these
// operations and never branches on which backend runs them; the scalar ReferenceBackend is the
// specification, faster backends must agree with it (tests pin them together).
// All activations are float32, row-major, contiguous unless a stride is given.
namespace QwenVL.Tensors;

/// <summary>Numeric kernels used by the models.</summary>
public interface IComputeBackend
{
    /// <summary>Short name for logs and benchmarks ("reference", "cpu-avx512", ...).</summary>
    string Name { get; }

    /// <summary>
    /// <c>y[n, m] = x[n, k] · W[m, k]ᵀ + bias[m]</c>, where <paramref name="w"/> is viewed as
    /// <c>[m, k]</c> (PyTorch <c>nn.Linear</c> layout) in any supported dtype. An empty
    /// <paramref name="bias"/> means no bias. <paramref name="y"/> is overwritten.
    /// </summary>
    void MatMul(ReadOnlySpan<float> x, int n, int k, in TensorView w, ReadOnlySpan<float> bias, Span<float> y);

    /// <summary>Per row of length <paramref name="d"/>: <c>y = x · rsqrt(mean(x²) + eps) · weight</c>. In place allowed.</summary>
    void RmsNorm(ReadOnlySpan<float> x, int n, int d, ReadOnlySpan<float> weight, float eps, Span<float> y);

    /// <summary>Per row: <c>y = (x − mean) · rsqrt(var + eps) · weight + bias</c> (biased variance). In place allowed.</summary>
    void LayerNorm(ReadOnlySpan<float> x, int n, int d, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float eps, Span<float> y);

    /// <summary><c>y[i] = silu(gate[i]) · up[i]</c> where <c>silu(x) = x·σ(x)</c>. <paramref name="y"/> may alias <paramref name="gate"/>.</summary>
    void SwiGlu(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> y);

    /// <summary>In place <c>x·σ(1.702·x)</c> (OpenAI CLIP's QuickGELU).</summary>
    void QuickGelu(Span<float> x);

    /// <summary>In place exact GELU <c>0.5·x·(1 + erf(x/√2))</c> (PyTorch <c>nn.GELU()</c>).</summary>
    void GeluErf(Span<float> x);

    /// <summary><c>y[i] += x[i]</c>.</summary>
    void Add(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>
    /// NeoX-style rotary embedding in place over <paramref name="n"/> rows, each holding
    /// <paramref name="heads"/> heads of <paramref name="headDim"/> floats starting at
    /// <c>row·rowStride</c>: <c>x' = x·cos + rotate_half(x)·sin</c>, where
    /// <c>rotate_half(x) = concat(−x[d/2:], x[:d/2])</c>. <paramref name="cos"/> and
    /// <paramref name="sin"/> are <c>[n, headDim]</c> and shared by all heads of a row.
    /// </summary>
    void Rope(Span<float> x, int n, int heads, int headDim, int rowStride, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin);

    /// <summary>
    /// Scaled dot-product attention with grouped KV heads. Query row <c>i</c>, head <c>h</c> is at
    /// <c>q[i·qStride + h·headDim]</c>; key/value row <c>j</c>, KV head <c>g</c> at
    /// <c>k[j·kvStride + g·kvHeadStride]</c>, where a <paramref name="kvHeadStride"/> of 0 means headDim
    /// (the heads side by side in each row; a KV cache kept head-major passes its capacity·headDim
    /// and a kvStride of headDim); head <c>h</c> uses KV head <c>h / (numHeads/numKvHeads)</c>.
    /// With <paramref name="causalOffset"/> ≥ 0, query <c>i</c> sees keys <c>j ≤ causalOffset + i</c>;
    /// with −1 it sees all <paramref name="kvRows"/> keys. Softmax in float32. Output row <c>i</c>
    /// head <c>h</c> goes to <c>output[i·outStride + h·headDim]</c>.
    /// </summary>
    void Attention(
        ReadOnlySpan<float> q, int qRows, int qStride,
        ReadOnlySpan<float> k, ReadOnlySpan<float> v, int kvRows, int kvStride,
        int numHeads, int numKvHeads, int headDim, float scale, int causalOffset,
        Span<float> output, int outStride, int kvHeadStride = 0);
}
