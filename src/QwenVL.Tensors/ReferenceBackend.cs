// The specification of every kernel: plain scalar C#, no intrinsics, no threads, dot products and
// norm reductions accumulated in double, one rounding to float at the end. Faster backends are
// tested against it. It is slow (attention builds a full score row per query) and that is fine.
namespace QwenVL.Tensors;

/// <summary>Scalar reference implementation of <see cref="IComputeBackend"/>.</summary>
public sealed class ReferenceBackend : IComputeBackend
{
    /// <inheritdoc/>
    public string Name => "reference";

    /// <inheritdoc/>
    public void MatMul(ReadOnlySpan<float> x, int n, int k, in TensorView w, ReadOnlySpan<float> bias, Span<float> y)
    {
        int m = BackendChecks.MatMul(x.Length, n, k, w, bias.Length, y.Length);
        var row = new float[k];
        for (int j = 0; j < m; j++)
        {
            w.ReadRow(j, row); // block-quantized rows are dequantized exactly (ggml's formulas)
            double b = bias.IsEmpty ? 0.0 : bias[j];
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<float> xi = x.Slice(i * k, k);
                double sum = 0.0;
                for (int t = 0; t < k; t++)
                {
                    sum += (double)xi[t] * row[t];
                }
                y[(i * m) + j] = (float)(sum + b);
            }
        }
    }

    /// <inheritdoc/>
    public void RmsNorm(ReadOnlySpan<float> x, int n, int d, ReadOnlySpan<float> weight, float eps, Span<float> y)
    {
        BackendChecks.Norm("RmsNorm", x.Length, n, d, weight.Length, 0, y.Length);
        for (int i = 0; i < n; i++)
        {
            int row = i * d;
            double sumSquares = 0.0;
            for (int t = 0; t < d; t++)
            {
                sumSquares += (double)x[row + t] * x[row + t];
            }
            double inverseRms = 1.0 / Math.Sqrt((sumSquares / d) + eps);
            for (int t = 0; t < d; t++)
            {
                y[row + t] = (float)(x[row + t] * inverseRms * weight[t]);
            }
        }
    }

    /// <inheritdoc/>
    public void LayerNorm(ReadOnlySpan<float> x, int n, int d, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float eps, Span<float> y)
    {
        BackendChecks.Norm("LayerNorm", x.Length, n, d, weight.Length, bias.Length, y.Length);
        for (int i = 0; i < n; i++)
        {
            int row = i * d;
            double sum = 0.0;
            for (int t = 0; t < d; t++)
            {
                sum += x[row + t];
            }
            double mean = sum / d;
            double sumSquares = 0.0;
            for (int t = 0; t < d; t++)
            {
                double centered = x[row + t] - mean;
                sumSquares += centered * centered;
            }
            double inverseStd = 1.0 / Math.Sqrt((sumSquares / d) + eps);
            for (int t = 0; t < d; t++)
            {
                double b = bias.IsEmpty ? 0.0 : bias[t];
                y[row + t] = (float)(((x[row + t] - mean) * inverseStd * weight[t]) + b);
            }
        }
    }

    /// <inheritdoc/>
    public void SwiGlu(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> y)
    {
        BackendChecks.SameLength("SwiGlu", "up", up.Length, gate.Length);
        BackendChecks.SameLength("SwiGlu", "y", y.Length, gate.Length);
        for (int i = 0; i < gate.Length; i++)
        {
            double g = gate[i];
            y[i] = (float)(g / (1.0 + Math.Exp(-g)) * up[i]);
        }
    }

    /// <inheritdoc/>
    public void QuickGelu(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            x[i] = (float)(v / (1.0 + Math.Exp(-1.702 * v)));
        }
    }

    /// <inheritdoc/>
    public void GeluErf(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            x[i] = (float)(0.5 * v * (1.0 + SpecialFunctions.Erf(v / Math.Sqrt(2.0))));
        }
    }

    /// <inheritdoc/>
    public void Add(ReadOnlySpan<float> x, Span<float> y)
    {
        BackendChecks.SameLength("Add", "y", y.Length, x.Length);
        for (int i = 0; i < x.Length; i++)
        {
            y[i] += x[i];
        }
    }

    /// <inheritdoc/>
    public void Rope(Span<float> x, int n, int heads, int headDim, int rowStride, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        BackendChecks.Rope(x.Length, n, heads, headDim, rowStride, cos.Length, sin.Length);
        int half = headDim / 2;
        for (int r = 0; r < n; r++)
        {
            ReadOnlySpan<float> c = cos.Slice(r * headDim, headDim);
            ReadOnlySpan<float> s = sin.Slice(r * headDim, headDim);
            for (int h = 0; h < heads; h++)
            {
                Span<float> head = x.Slice((r * rowStride) + (h * headDim), headDim);
                for (int t = 0; t < half; t++)
                {
                    double a = head[t];
                    double b = head[t + half];
                    // rotate_half(x) = concat(−b, a), so x' = x·cos + rotate_half(x)·sin.
                    head[t] = (float)((a * c[t]) - (b * s[t]));
                    head[t + half] = (float)((b * c[t + half]) + (a * s[t + half]));
                }
            }
        }
    }

    /// <inheritdoc/>
    public void Attention(
        ReadOnlySpan<float> q, int qRows, int qStride,
        ReadOnlySpan<float> k, ReadOnlySpan<float> v, int kvRows, int kvStride,
        int numHeads, int numKvHeads, int headDim, float scale, int causalOffset,
        Span<float> output, int outStride, int kvHeadStride = 0)
    {
        BackendChecks.Attention(q.Length, qRows, qStride, k.Length, v.Length, kvRows, kvStride,
            numHeads, numKvHeads, headDim, causalOffset, output.Length, outStride, kvHeadStride);
        int headStride = kvHeadStride == 0 ? headDim : kvHeadStride;
        int group = numHeads / numKvHeads;
        var scores = new double[kvRows];
        var sum = new double[headDim];
        for (int i = 0; i < qRows; i++)
        {
            int visible = causalOffset < 0 ? kvRows : Math.Min(kvRows, causalOffset + i + 1);
            for (int h = 0; h < numHeads; h++)
            {
                ReadOnlySpan<float> qi = q.Slice((i * qStride) + (h * headDim), headDim);
                int kvOffset = h / group * headStride;
                double max = double.NegativeInfinity;
                for (int j = 0; j < visible; j++)
                {
                    ReadOnlySpan<float> kj = k.Slice((j * kvStride) + kvOffset, headDim);
                    double dot = 0.0;
                    for (int t = 0; t < headDim; t++)
                    {
                        dot += (double)qi[t] * kj[t];
                    }
                    scores[j] = dot * scale;
                    max = Math.Max(max, scores[j]);
                }
                double total = 0.0;
                Array.Clear(sum);
                for (int j = 0; j < visible; j++)
                {
                    double p = Math.Exp(scores[j] - max);
                    total += p;
                    ReadOnlySpan<float> vj = v.Slice((j * kvStride) + kvOffset, headDim);
                    for (int t = 0; t < headDim; t++)
                    {
                        sum[t] += p * vj[t];
                    }
                }
                // A query that sees no key (only possible when kvRows is 0) gets zeros.
                Span<float> oi = output.Slice((i * outStride) + (h * headDim), headDim);
                for (int t = 0; t < headDim; t++)
                {
                    oi[t] = visible == 0 ? 0f : (float)(sum[t] / total);
                }
            }
        }
    }
}
