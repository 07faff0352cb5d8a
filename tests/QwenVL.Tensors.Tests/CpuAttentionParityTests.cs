// Pins CpuBackend's tiled online-softmax attention to the reference's full-row softmax: causal
// and not, grouped KV heads, decode against a cache (causalOffset > 0), strided fused layouts,
// key counts spanning several key blocks, and head sizes that take the register-tiled path at
// some vector widths and the plain path at others, and the pair-lane decode layout.
using QwenVL.Tensors;

namespace QwenVL.Tensors.Tests;

public class CpuAttentionParityTests
{
    private static readonly ReferenceBackend Reference = new();

    public static TheoryData<SimdLevel, int, int, int> Cases()
    {
        var data = new TheoryData<SimdLevel, int, int, int>();
        foreach (SimdLevel level in TestData.Levels())
        {
            data.Add(level, 4, 2, 16);
            data.Add(level, 6, 3, 80);
            data.Add(level, 4, 4, 16); // plain multi-head
            data.Add(level, 2, 1, 128); // text head size: 2 groups of 4 vectors at 512 bits
            data.Add(level, 3, 1, 24);  // tiled at 128/256 bits, the plain path at 512
            data.Add(level, 2, 2, 12);  // tiled at 128 bits only
            // Grouped heads packed into lanes for few query rows: the 3B text shape (8 heads per KV
            // head), and groups of 3 and 7 so a lane block starts in the middle of a row's heads.
            data.Add(level, 16, 2, 128);
            data.Add(level, 6, 2, 24);
            data.Add(level, 14, 2, 16);
            // Two lanes per query (≤ half a vector of queries per KV head): 2 rows × 4 heads fill
            // 16 lanes, so the causal mask runs on pair lanes.
            data.Add(level, 8, 2, 32);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Attention_CausalAndNot_MatchesReference(SimdLevel level, int heads, int kvHeads, int headDim)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        // (qRows, kvRows, causalOffset): non-causal vision-style, causal prefill, decode one token
        // against a 300-row cache, and a 5-token chunk appended after 200 cached rows.
        foreach ((int qRows, int kvRows, int offset) in new[] { (37, 300, -1), (150, 150, 0), (1, 300, 299), (5, 205, 200), (3, 1, -1), (2, 70, 68), (9, 80, 71) })
        {
            Check(cpu, random, qRows, kvRows, offset, heads, kvHeads, headDim, $"q={qRows} kv={kvRows} offset={offset}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Attention_NarrowAndWideTiles_IdenticalAndMatchReference(SimdLevel level, int heads, int kvHeads, int headDim)
    {
        // The 4-wide products (x86 without AVX-512) and the 8-wide ones sum every score and output
        // element in the same order, so the two must agree bit for bit on every path that takes them:
        // vision-style (packed rows, 2 query vectors), causal prefill, grouped decode lanes.
        using CpuBackend wide = TestData.Cpu(level);
        using CpuBackend narrow = TestData.Cpu(level);
        wide.NarrowAttentionTiles = false;
        narrow.NarrowAttentionTiles = true;
        foreach ((int qRows, int kvRows, int offset) in new[] { (37, 300, -1), (150, 150, 0), (1, 300, 299), (5, 205, 200), (2, 70, 68), (9, 80, 71) })
        {
            // The same inputs for both (same seed); each is also checked against the reference.
            string context = $"q={qRows} kv={kvRows} offset={offset}";
            float[] a = Check(wide, new Random(TestData.Seed + qRows), qRows, kvRows, offset, heads, kvHeads, headDim, $"wide tiles, {context}");
            float[] b = Check(narrow, new Random(TestData.Seed + qRows), qRows, kvRows, offset, heads, kvHeads, headDim, $"narrow tiles, {context}");
            TestData.AssertSameFloats(a, b, $"narrow tiles, {narrow.Name} heads={heads}/{kvHeads} dim={headDim} {context}", "wide tiles");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Attention_HeadMajorKv_SameAsSideBySideRows(SimdLevel level, int heads, int kvHeads, int headDim)
    {
        // A KV cache kept head-major ([kvHeads, capacity, headDim]: kvStride headDim, kvHeadStride
        // capacity·headDim) holds the same numbers as side-by-side rows in another order, so every path
        // (tiled with packed or in-place rows, lanes of grouped heads, pair lanes, plain) must give the
        // same outputs bit for bit; rows past kvRows are NaN, so reading one would show.
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        foreach ((int qRows, int kvRows, int offset) in new[] { (37, 300, -1), (150, 150, 0), (1, 300, 299), (5, 205, 200), (1, 1, -1) })
        {
            int qWidth = heads * headDim, kvWidth = kvHeads * headDim, capacity = kvRows + 13;
            (float[] q, float[] k, float[] v) = TestData.AttentionInputs(random, qRows, qWidth, kvRows, kvWidth);
            float[] kh = TestData.HeadMajor(k, kvRows, kvHeads, headDim, capacity), vh = TestData.HeadMajor(v, kvRows, kvHeads, headDim, capacity);
            float scale = 1f / MathF.Sqrt(headDim);
            var rows = new float[qRows * qWidth];
            var headMajor = new float[qRows * qWidth];
            var reference = new float[qRows * qWidth];
            var referenceHeadMajor = new float[qRows * qWidth];
            cpu.Attention(q, qRows, qWidth, k, v, kvRows, kvWidth, heads, kvHeads, headDim, scale, offset, rows, qWidth);
            cpu.Attention(q, qRows, qWidth, kh, vh, kvRows, headDim, heads, kvHeads, headDim, scale, offset, headMajor, qWidth, capacity * headDim);
            Reference.Attention(q, qRows, qWidth, k, v, kvRows, kvWidth, heads, kvHeads, headDim, scale, offset, reference, qWidth);
            Reference.Attention(q, qRows, qWidth, kh, vh, kvRows, headDim, heads, kvHeads, headDim, scale, offset, referenceHeadMajor, qWidth,
                capacity * headDim);
            string context = $"{cpu.Name} heads={heads}/{kvHeads} dim={headDim} q={qRows} kv={kvRows} offset={offset}";
            Assert.True(rows.AsSpan().SequenceEqual(headMajor), $"{context}: head-major outputs differ from side-by-side ones");
            Assert.True(reference.AsSpan().SequenceEqual(referenceHeadMajor), $"reference {context}: head-major outputs differ");
            TestData.AssertClose(reference, headMajor, Math.Sqrt(headDim), $"head-major {context}");
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Attention_FusedQkvRowsWithStrides_MatchesReferenceAndKeepsPadding(SimdLevel level)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        var random = new Random(TestData.Seed);
        const int Heads = 4, KvHeads = 2, HeadDim = 16, Rows = 70;
        // One row holds [q | k | v] as a fused QKV projection writes it.
        int stride = (Heads + (2 * KvHeads)) * HeadDim;
        int outStride = (Heads * HeadDim) + 5;
        float[] qkv = TestData.Uniform(random, Rows * stride, -2f, 2f);
        ReadOnlySpan<float> q = qkv;
        ReadOnlySpan<float> k = q[(Heads * HeadDim)..];
        ReadOnlySpan<float> v = q[((Heads + KvHeads) * HeadDim)..];
        float scale = 1f / MathF.Sqrt(HeadDim);

        var expected = new float[Rows * outStride];
        var actual = new float[Rows * outStride];
        Array.Fill(expected, 7f);
        Array.Fill(actual, 7f);
        Reference.Attention(q, Rows, stride, k, v, Rows, stride, Heads, KvHeads, HeadDim, scale, 0, expected, outStride);
        cpu.Attention(q, Rows, stride, k, v, Rows, stride, Heads, KvHeads, HeadDim, scale, 0, actual, outStride);
        TestData.AssertClose(expected, actual, Math.Sqrt(HeadDim), "fused causal");
        for (int row = 0; row < Rows; row++)
        {
            Assert.Equal(7f, actual[(row * outStride) + (Heads * HeadDim)]);
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Attention_NoKeys_WritesZeros(SimdLevel level)
    {
        using CpuBackend cpu = TestData.Cpu(level);
        float[] output = [5, 5, 5, 5];
        cpu.Attention([1, 2, 3, 4], 1, 4, [], [], 0, 4, 2, 1, 2, 1f, -1, output, 4);
        Assert.Equal([0f, 0f, 0f, 0f], output);
    }

    public static TheoryData<SimdLevel> Levels() => TestData.LevelData();

    /// <summary>Runs <paramref name="cpu"/> on random inputs, asserts it is close to the reference, and returns its output.</summary>
    private static float[] Check(CpuBackend cpu, Random random, int qRows, int kvRows, int offset,
        int heads, int kvHeads, int headDim, string context)
    {
        int qWidth = heads * headDim;
        int kvWidth = kvHeads * headDim;
        (float[] q, float[] k, float[] v) = TestData.AttentionInputs(random, qRows, qWidth, kvRows, kvWidth);
        float scale = 1f / MathF.Sqrt(headDim);
        var expected = new float[qRows * qWidth];
        var actual = new float[qRows * qWidth];
        Reference.Attention(q, qRows, qWidth, k, v, kvRows, kvWidth, heads, kvHeads, headDim, scale, offset, expected, qWidth);
        cpu.Attention(q, qRows, qWidth, k, v, kvRows, kvWidth, heads, kvHeads, headDim, scale, offset, actual, qWidth);
        TestData.AssertClose(expected, actual, Math.Sqrt(headDim), $"Attention {cpu.Name} heads={heads}/{kvHeads} dim={headDim} {context}");
        return actual;
    }
}
