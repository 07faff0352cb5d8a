// Argument validation shared by every IComputeBackend, so all backends reject the same calls with
// the same messages (which operation, which argument, what size was needed). Buffers may be
// longer than needed: activation buffers are sized once for the largest call.
namespace QwenVL.Tensors;

/// <summary>Shape and length checks for <see cref="IComputeBackend"/> arguments.</summary>
internal static class BackendChecks
{
    public static int MatMul(int xLength, int n, int k, in TensorView w, int biasLength, int yLength)
    {
        if (w.IsEmpty)
        {
            throw new ArgumentException("MatMul: weight view is empty", nameof(w));
        }
        NonNegative("MatMul", n, nameof(n));
        NonNegative("MatMul", k, nameof(k));
        if (w.Cols != k)
        {
            throw new ArgumentException($"MatMul: weight {w} has {w.Cols} columns, x has k = {k}", nameof(w));
        }
        int m = w.Rows;
        AtLeast("MatMul", "x", xLength, (long)n * k);
        if (biasLength != 0 && biasLength != m)
        {
            throw new ArgumentException($"MatMul: bias has {biasLength} values, weight {w} has m = {m} rows", "bias");
        }
        AtLeast("MatMul", "y", yLength, (long)n * m);
        return m;
    }

    public static void Norm(string op, int xLength, int n, int d, int weightLength, int biasLength, int yLength)
    {
        NonNegative(op, n, nameof(n));
        NonNegative(op, d, nameof(d));
        AtLeast(op, "x", xLength, (long)n * d);
        AtLeast(op, "y", yLength, (long)n * d);
        if (weightLength != d)
        {
            throw new ArgumentException($"{op}: weight has {weightLength} values, rows have d = {d}", "weight");
        }
        if (biasLength != 0 && biasLength != d)
        {
            throw new ArgumentException($"{op}: bias has {biasLength} values, rows have d = {d}", "bias");
        }
    }

    public static void SameLength(string op, string name, int length, int expected)
    {
        if (length != expected)
        {
            throw new ArgumentException($"{op}: {name} has {length} values, expected {expected}", name);
        }
    }

    public static void Rope(int xLength, int n, int heads, int headDim, int rowStride, int cosLength, int sinLength)
    {
        NonNegative("Rope", n, nameof(n));
        NonNegative("Rope", heads, nameof(heads));
        if (headDim <= 0 || headDim % 2 != 0)
        {
            throw new ArgumentException($"Rope: headDim {headDim} must be positive and even", nameof(headDim));
        }
        if (rowStride < heads * headDim)
        {
            throw new ArgumentException($"Rope: rowStride {rowStride} < heads·headDim = {heads * headDim}", nameof(rowStride));
        }
        AtLeast("Rope", "x", xLength, Span2D(n, rowStride, heads * headDim));
        AtLeast("Rope", "cos", cosLength, (long)n * headDim);
        AtLeast("Rope", "sin", sinLength, (long)n * headDim);
    }

    public static void Attention(
        int qLength, int qRows, int qStride, int kLength, int vLength, int kvRows, int kvStride,
        int numHeads, int numKvHeads, int headDim, int causalOffset, int outLength, int outStride, int kvHeadStride = 0)
    {
        NonNegative("Attention", qRows, nameof(qRows));
        NonNegative("Attention", kvRows, nameof(kvRows));
        if (numHeads <= 0 || numKvHeads <= 0 || numHeads % numKvHeads != 0)
        {
            throw new ArgumentException(
                $"Attention: numHeads {numHeads} must be a positive multiple of numKvHeads {numKvHeads}", nameof(numKvHeads));
        }
        if (headDim <= 0)
        {
            throw new ArgumentException($"Attention: headDim {headDim} must be positive", nameof(headDim));
        }
        if (causalOffset < -1)
        {
            throw new ArgumentException($"Attention: causalOffset {causalOffset} must be −1 (non-causal) or ≥ 0", nameof(causalOffset));
        }
        int qWidth = numHeads * headDim;
        int kvWidth = numKvHeads * headDim;
        if (kvHeadStride < 0 || (kvHeadStride > 0 && kvHeadStride < headDim))
        {
            throw new ArgumentException(
                $"Attention: kvHeadStride {kvHeadStride} must be 0 (heads side by side in each row) or ≥ headDim {headDim}", nameof(kvHeadStride));
        }
        // Side by side, a row holds every KV head; head-major, a row is one head's headDim floats.
        int rowWidth = kvHeadStride == 0 ? kvWidth : headDim;
        if (qStride < qWidth || outStride < qWidth || kvStride < rowWidth)
        {
            throw new ArgumentException(
                $"Attention: strides q {qStride}, out {outStride} must be ≥ {qWidth} and kv {kvStride} ≥ {rowWidth}", nameof(qStride));
        }
        long kvSpan = kvHeadStride == 0 ? Span2D(kvRows, kvStride, kvWidth)
            : kvRows == 0 ? 0 : ((long)(numKvHeads - 1) * kvHeadStride) + Span2D(kvRows, kvStride, headDim);
        AtLeast("Attention", "q", qLength, Span2D(qRows, qStride, qWidth));
        AtLeast("Attention", "k", kLength, kvSpan);
        AtLeast("Attention", "v", vLength, kvSpan);
        AtLeast("Attention", "output", outLength, Span2D(qRows, outStride, qWidth));
    }

    /// <summary>Elements spanned by <paramref name="rows"/> rows of <paramref name="width"/> at <paramref name="stride"/>.</summary>
    private static long Span2D(int rows, int stride, int width) => rows == 0 ? 0 : ((long)(rows - 1) * stride) + width;

    private static void NonNegative(string op, int value, string name)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{op}: {name} must be ≥ 0");
        }
    }

    private static void AtLeast(string op, string name, int length, long needed)
    {
        if (length < needed)
        {
            throw new ArgumentException($"{op}: {name} has {length} values, needs at least {needed}", name);
        }
    }
}
