// Whole-model check of the 8-row interleaved weights: on the scalar backend the tiny fixtures loaded
// at q8 / q4 with and without interleaving give bit-identical logits at prefill and over 16
// teacher-forced decode steps (same integer block sums, same float order). The SIMD kernels differ
// from the scalar ones only in float order, but a random-weight model is chaotic under int8
// activation rounding (one flipped rounding moves a logit by ~1e-2, and the ggml layout's own SIMD
// levels differ by up to 0.1 at the merger), so those are pinned per kernel in the Tensors tests and
// by QuantizedParityTests' agreement bounds. The weight source really hands out Q8_0x8 / Q4_0x8.
using QwenVL.Engine;
using QwenVL.Models.Common;
using QwenVL.Models.Quantization;
using QwenVL.Tensors;
using QwenVL.Tensors.Quant;
using QwenVL.Testing;

namespace QwenVL.Models.Tests.Quantization;

public sealed class InterleavedModelTests
{
    [Theory]
    [InlineData("qwen2.5-vl-tiny", WeightFormat.Q4)]
    [InlineData("qwen2-vl-tiny", WeightFormat.Q8)]
    public void Logits_ScalarBackendInterleavedOrNot_Identical(string model, WeightFormat weights)
    {
        Golden g = Golden.Load(model, Golden.Cases.Select(c => (string)c[1]).First(n => Golden.Cases.Any(c => (string)c[0] == model && (string)c[1] == n)));
        float[][] plain = Logits(g, weights, interleave: false);
        float[][] interleaved = Logits(g, weights, interleave: true);
        Assert.Equal(plain.Length, interleaved.Length);
        for (int step = 0; step < plain.Length; step++)
        {
            Assert.True(plain[step].AsSpan().SequenceEqual(interleaved[step]),
                $"{model} {weights} step {step}: max |diff| {ParityTests.MaxAbsDiff(plain[step], interleaved[step]):E2}, expected identical");
        }
    }

    [Fact]
    public void WeightSource_Q4WithInterleave_HandsOutInterleavedMatrices()
    {
        using var source = new QuantizingWeightSource(CheckpointWeights.Open(Fixtures.Model("qwen2.5-vl-tiny")), DType.Q4_0, interleave: true);
        (int interleaved, int plain) = CountLayouts(source, DType.Q4_0, expectInterleaved: true);
        Assert.True(interleaved > 10, $"only {interleaved} matrices interleaved ({plain} kept the ggml layout)");
    }

    [Theory]
    [InlineData(DType.Q4_0, DType.Q4_0, true)]
    [InlineData(DType.Q4_0, DType.Q8_0, false)]
    [InlineData(DType.Q8_0, DType.Q8_0, true)]
    [InlineData(DType.Q8_0, DType.Q4_K, false)] // ARMv8.0's choice: K-quants only
    public void WeightSource_PerTypeChoice_InterleavesOnlyTheChosenType(DType target, DType chosen, bool expectInterleaved)
    {
        // The predicate is asked with the type a matrix is handed out in (here: after quantizing from F32).
        var asked = new HashSet<DType>();
        using var source = new QuantizingWeightSource(CheckpointWeights.Open(Fixtures.Model("qwen2.5-vl-tiny")), target, t =>
        {
            lock (asked) { asked.Add(t); }
            return t == chosen;
        });
        (int interleaved, int plain) = CountLayouts(source, target, expectInterleaved);
        Assert.Equal([target], asked);
        Assert.True((expectInterleaved ? interleaved : plain) > 10, $"{interleaved} interleaved, {plain} in the ggml layout");
        Assert.Equal(expectInterleaved, source.Interleaves(target));
    }

    [Theory]
    [InlineData(WeightFormat.Q8, DType.Q8_0)]
    [InlineData(WeightFormat.Q4, DType.Q4_0)]
    public void WeightSources_DefaultChoice_FollowsThisCpusPreference(WeightFormat weights, DType made)
    {
        using IWeightSource source = WeightSources.Open(Fixtures.Model("qwen2.5-vl-tiny"), new ModelLoadOptions { Weights = weights });
        (int interleaved, int plain) = CountLayouts(source, made, RowInterleave.PreferredFor(made));
        Assert.True(interleaved + plain > 10, $"{interleaved} interleaved, {plain} in the ggml layout");
        using IWeightSource never = WeightSources.Open(Fixtures.Model("qwen2.5-vl-tiny"), new ModelLoadOptions { Weights = weights, InterleaveQuantized = false });
        CountLayouts(never, made, expectInterleaved: false);
    }

    [Fact]
    public void PreferredFor_KQuantsWhereverVectorsAre_Q8AndQ4OnlyWithByteDotInstructions()
    {
        // The policy, as a table: what each ggml block type gets on this CPU (the qemu ARM64 runs take
        // both ARM rows: Neoverse-N1 with dotprod, Cortex-A72 without).
        bool byteDot = System.Runtime.Intrinsics.X86.Avx2.IsSupported || System.Runtime.Intrinsics.Arm.Dp.IsSupported;
        bool vectors = System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated;
        Assert.Equal(byteDot, RowInterleave.PreferredFor(DType.Q8_0));
        Assert.Equal(byteDot, RowInterleave.PreferredFor(DType.Q4_0));
        Assert.Equal(vectors, RowInterleave.PreferredFor(DType.Q4_K));
        Assert.Equal(vectors, RowInterleave.PreferredFor(DType.Q6_K));
        Assert.False(RowInterleave.PreferredFor(DType.BF16));
        Assert.False(RowInterleave.PreferredFor(DType.Q4_Kx8));
    }

    /// <summary>Views every 2-D <paramref name="made"/> matrix and checks its layout; returns (interleaved, ggml) counts.</summary>
    private static (int Interleaved, int Plain) CountLayouts(IWeightSource source, DType made, bool expectInterleaved)
    {
        RowInterleave.TryInterleavedType(made, out DType x8);
        int interleaved = 0, plain = 0;
        foreach (string name in source.Names)
        {
            WeightInfo info = source.Info(name);
            if (info.Shape.Length != 2 || info.DType != made.ToString())
            {
                continue;
            }
            TensorView view = source.View(name, [.. info.Shape.Select(d => (int)d)]);
            bool expected = expectInterleaved && RowInterleave.CanInterleave(made, info.Shape[0], info.Shape[1]);
            Assert.True(view.DType == (expected ? x8 : made), $"{name}: handed out as {view.DType}, expected {(expected ? x8 : made)}");
            if (expected) { interleaved++; } else { plain++; }
        }
        return (interleaved, plain);
    }

    [Theory]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    public void Quantize_Interleaved_SameBytesAsInterleavingTheGgmlCopy(DType target)
    {
        // 200 rows: 4 parallel chunks of 64 rows and a partial one, every chunk a whole number of groups.
        var random = new Random(7);
        float[] values = new float[200 * 96];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (random.NextSingle() - 0.5f) * 3f;
        }
        using NativeTensor source = NativeTensor.FromFloats(values, DType.F32, 200, 96);
        using NativeTensor ggml = QuantizingWeightSource.Quantize(source.View, target);
        using NativeTensor expected = QuantizingWeightSource.Interleaved(ggml.View);
        using NativeTensor direct = QuantizingWeightSource.Quantize(source.View, target, interleave: true);
        Assert.Equal(expected.View.DType, direct.View.DType);
        Assert.True(expected.Bytes.SequenceEqual(direct.Bytes), "quantizing straight into the interleaved layout changed bytes");
        using NativeTensor odd = NativeTensor.FromFloats(values[..(12 * 96)], DType.F32, 12, 96);
        Assert.Throws<ArgumentException>(() => QuantizingWeightSource.Quantize(odd.View, target, interleave: true));
    }

    private static float[][] Logits(Golden g, WeightFormat weights, bool interleave)
    {
        using InferenceEngine engine = InferenceEngine.Load(g.ModelDir, new ModelLoadOptions { Weights = weights, InterleaveQuantized = interleave, Backend = "cpu-scalar" });
        var p = engine.Prepare(QuantizedParity.Messages(g));
        VisionLanguageModel m = engine.Model;
        ModelSession session = m.CreateSession(p.TokenIds.Length + g.GreedyIds.Length);
        var all = new List<float[]> { session.Prefill(p.TokenIds, [m.Vision.Encode(p.Images[0].Pixels!)], p.Positions).ToArray() };
        foreach (int id in g.GreedyIds)
        {
            all.Add(session.Decode(id).ToArray());
        }
        return [.. all];
    }
}
