// CpuBackend.Attention under MatMulPrecision.FastBf16 with AMX (the tile-unit path for ≥ 128 query
// and key rows) against ReferenceBackend: vision-shaped (not causal, head size 80 padded to 96),
// causal prefill with grouped KV heads, a chunk after cached rows, row counts that are not whole
// 32/64-row panels, key counts over several 512-key value blocks, and head sizes below one panel.
// Q, K, P and V are rounded to bf16 on this path, so the bound is bf16's, not float32's.
using QwenVL.Tensors;
using QwenVL.Tensors.Gemm;

namespace QwenVL.Tensors.Tests;

public class FastBf16AttentionTests
{
    private static readonly ReferenceBackend Reference = new();

    // Outputs are convex mixes of values in [−1, 1]. Rounding q, k (|·| ≤ 2) to bf16 moves a score
    // by up to ~headDim·4·2⁻⁹/√headDim ≈ 0.07 at 80 (typically ~0.005), P and V by 2⁻⁹ relative:
    // measured worst |error| 4.9e-3, mean 3.5e-4. A float32-exact kernel would be ~1e-6; a wrong mask,
    // block offset or normalisation is off by 0.05 or more.
    private const double MaxError = 0.012, MeanError = 0.0015;

    public static TheoryData<int, int, int, int, int, int> Cases() => new()
    {
        // heads, kvHeads, headDim, qRows, kvRows, causalOffset
        { 4, 4, 80, 300, 300, -1 },   // vision full attention: 80 → 3 key steps, value panels 32+32+16
        { 8, 2, 128, 200, 200, 0 },   // causal prefill, 4 heads per KV head
        { 8, 2, 128, 150, 350, 200 }, // a 150-token chunk after 200 cached rows
        { 2, 1, 64, 130, 1100, -1 },  // 1100 keys: three value blocks, the last partial; 130 rows: a 2-row tail
        { 6, 3, 40, 129, 129, 0 },    // head size below one 32-wide panel, odd everything
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Attention_AmxPath_MatchesReferenceWithinBf16Rounding(int heads, int kvHeads, int headDim, int qRows, int kvRows, int causalOffset)
    {
        using var cpu = new CpuBackend(3, SimdLevel.Best, MatMulPrecision.FastBf16);
        if (cpu.Precision != MatMulPrecision.FastBf16 || !AmxKernel.IsAvailable)
        {
            return; // no AMX here: the float32 paths are CpuAttentionParityTests'
        }
        cpu.FastKernel = Bf16KernelKind.Amx;
        var random = new Random(TestData.Seed);
        int qWidth = heads * headDim, kvWidth = kvHeads * headDim;
        (float[] q, float[] k, float[] v) = TestData.AttentionInputs(random, qRows, qWidth, kvRows, kvWidth);
        float scale = 1f / MathF.Sqrt(headDim);
        var expected = new float[qRows * qWidth];
        var actual = new float[qRows * qWidth];
        var exact = new float[qRows * qWidth];
        Reference.Attention(q, qRows, qWidth, k, v, kvRows, kvWidth, heads, kvHeads, headDim, scale, causalOffset, expected, qWidth);
        cpu.Attention(q, qRows, qWidth, k, v, kvRows, kvWidth, heads, kvHeads, headDim, scale, causalOffset, actual, qWidth);
        using (var exactCpu = new CpuBackend(3))
        {
            exactCpu.Attention(q, qRows, qWidth, k, v, kvRows, kvWidth, heads, kvHeads, headDim, scale, causalOffset, exact, qWidth);
        }
        // The same keys and values head-major (a KV cache's layout) pack into the same tiles.
        var headMajor = new float[qRows * qWidth];
        cpu.Attention(q, qRows, qWidth, TestData.HeadMajor(k, kvRows, kvHeads, headDim, kvRows + 7), TestData.HeadMajor(v, kvRows, kvHeads, headDim, kvRows + 7),
            kvRows, headDim, heads, kvHeads, headDim, scale, causalOffset, headMajor, qWidth, (kvRows + 7) * headDim);
        Assert.True(actual.AsSpan().SequenceEqual(headMajor), "head-major K/V gave other outputs than side-by-side rows");

        double worst = 0, total = 0, exactWorst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            Assert.False(double.IsNaN(error), $"element {i} is NaN");
            worst = Math.Max(worst, error);
            total += error;
            exactWorst = Math.Max(exactWorst, Math.Abs((double)exact[i] - expected[i]));
        }
        double mean = total / expected.Length;
        Assert.True(worst <= MaxError && mean <= MeanError, $"worst |error| {worst:E2} (≤ {MaxError}), mean {mean:E2} (≤ {MeanError})");
        // The bf16 path really ran: its error is far above the float32 path's.
        Assert.True(worst > 50 * exactWorst, $"worst {worst:E2} vs float32 path {exactWorst:E2}: the AMX path did not run");
    }

    [AmxFact]
    public void Attention_AmxPath_ShortCallsStayOnTheFloat32Path()
    {
        using var cpu = new CpuBackend(3, SimdLevel.Best, MatMulPrecision.FastBf16);
        using var exactCpu = new CpuBackend(3);
        var random = new Random(TestData.Seed);
        const int Heads = 2, HeadDim = 64, Rows = 127;
        float[] q = TestData.Uniform(random, Rows * Heads * HeadDim, -2f, 2f);
        float[] k = TestData.Uniform(random, Rows * Heads * HeadDim, -2f, 2f);
        float[] v = TestData.Uniform(random, Rows * Heads * HeadDim, -1f, 1f);
        var fast = new float[q.Length];
        var exact = new float[q.Length];
        cpu.Attention(q, Rows, Heads * HeadDim, k, v, Rows, Heads * HeadDim, Heads, Heads, HeadDim, 0.125f, 0, fast, Heads * HeadDim);
        exactCpu.Attention(q, Rows, Heads * HeadDim, k, v, Rows, Heads * HeadDim, Heads, Heads, HeadDim, 0.125f, 0, exact, Heads * HeadDim);
        Assert.Equal(exact, fast);
    }
}
