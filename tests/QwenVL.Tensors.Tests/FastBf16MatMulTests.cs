// CpuBackend.MatMul with MatMulPrecision.FastBf16 against ReferenceBackend over odd shapes, both
// BF16 kernels (AMX and vdpbf16ps, each where the CPU has it), all float weight dtypes and the
// Q8_0 / Q4_0 blocks (dequantized per panel: the reference sees the same dequantized values), with and
// without bias, 1 and 3 threads, plus shrunken blocks; and the precision's naming and fallback rules.
using QwenVL.Tensors;
using QwenVL.Tensors.Gemm;

namespace QwenVL.Tensors.Tests;

public class FastBf16MatMulTests
{
    private static readonly ReferenceBackend Reference = new();

    public static TheoryData<string, DType, bool, int> GemmCases()
    {
        var data = new TheoryData<string, DType, bool, int>();
        foreach (string kernel in new[] { "amx", "vdpbf16ps" })
        {
            foreach (DType dtype in new[] { DType.F32, DType.F16, DType.BF16 })
            {
                foreach (int threads in new[] { 1, 3 })
                {
                    data.Add(kernel, dtype, true, threads);
                    data.Add(kernel, dtype, false, threads);
                }
            }
            // Quantized panels share every code path past dequantization: one case each keeps the suite short.
            data.Add(kernel, DType.Q8_0, true, 3);
            data.Add(kernel, DType.Q4_0, false, 3);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(GemmCases))]
    public void MatMul_FastBf16OddShapes_MatchesReferenceOfRoundedInputs(string kernel, DType dtype, bool withBias, int threads)
    {
        using var cpu = new CpuBackend(threads, SimdLevel.Best, MatMulPrecision.FastBf16);
        bool amx = kernel == "amx";
        if (cpu.Precision != MatMulPrecision.FastBf16 || !(amx ? AmxKernel.IsAvailable : Bf16Kernel.IsAvailable))
        {
            return; // not on this CPU (the Bf16Fact/AmxFact tests report the skip); the exact path is GemmParityTests'
        }
        cpu.FastKernel = amx ? Bf16KernelKind.Amx : Bf16KernelKind.Avx512Bf16;
        var random = new Random(TestData.Seed);
        foreach (int n in new[] { 1, 15, 16, 17, 33, 100 })
        {
            // Quantized rows are whole 32-value blocks; 1056 spans a 512-value KC block edge mid-row.
            foreach (int k in DTypeInfo.IsQuantized(dtype) ? new[] { 32, 288, 1056 } : new[] { 1, 7, 64, 67, 300, 1030 })
            {
                foreach (int m in new[] { 1, 31, 32, 33, 100 })
                {
                    CheckFastBf16(cpu, random, n, k, m, dtype, withBias);
                }
            }
        }
    }

    [Bf16Fact]
    public void MatMul_FastBf16TinyBlocks_MatchesReferenceAcrossEveryBlockEdge()
    {
        using var cpu = new CpuBackend(3, SimdLevel.Best, MatMulPrecision.FastBf16);
        cpu.FastKernel = Bf16KernelKind.Avx512Bf16;
        cpu.BlockingOverride = new GemmBlocking(KC: 64, MC: 30, NC: 70); // KC even: whole pairs per block
        var random = new Random(TestData.Seed);
        foreach ((int n, int k, int m) in new[] { (16, 67, 100), (100, 67, 33), (61, 301, 131), (37, 17, 200) })
        {
            CheckFastBf16(cpu, random, n, k, m, DType.BF16, withBias: true);
        }
    }

    [AmxFact]
    public void MatMul_AmxTinyBlocks_MatchesReferenceAcrossEveryBlockEdge()
    {
        using var cpu = new CpuBackend(3, SimdLevel.Best, MatMulPrecision.FastBf16);
        Assert.Equal(Bf16KernelKind.Amx, cpu.FastKernel); // preferred where present
        cpu.BlockingOverride = new GemmBlocking(KC: 64, MC: 64, NC: 70); // MC: whole 32-row panels
        var random = new Random(TestData.Seed);
        foreach ((int n, int k, int m) in new[] { (16, 67, 100), (100, 67, 33), (61, 301, 131), (37, 17, 200), (130, 1030, 70) })
        {
            CheckFastBf16(cpu, random, n, k, m, DType.BF16, withBias: true);
        }
        foreach ((int n, int k, int m) in new[] { (16, 64, 100), (61, 320, 131), (130, 1024, 70) })
        {
            CheckFastBf16(cpu, random, n, k, m, DType.Q8_0, withBias: true);
            CheckFastBf16(cpu, random, n, k, m, DType.Q4_0, withBias: false);
        }
    }

    [Bf16Fact]
    public void Create_CpuBf16_ReportsFastBf16InName()
    {
        using var cpu = (CpuBackend)ComputeBackends.Create("cpu-bf16", threads: 2);
        Assert.Equal(MatMulPrecision.FastBf16, cpu.Precision);
        Assert.Equal($"cpu-{SimdLevels.ShortName(cpu.Level)}x2-bf16", cpu.Name);
    }

    [Fact]
    public void Constructor_DefaultPrecision_IsExactWithoutSuffix()
    {
        using var cpu = new CpuBackend(1, SimdLevel.Vector128, MatMulPrecision.FastBf16);
        Assert.Equal(MatMulPrecision.Exact, cpu.Precision); // FastBf16 needs the Vector512 level
        Assert.Equal("cpu-v128x1", cpu.Name);
    }

    /// <summary>
    /// Two checks: against the reference run on bf16-rounded x and W (only float32 summation order
    /// differs, so the usual 1e-5·√k), and against the exact reference with the bf16 budget:
    /// two roundings of 2⁻⁹ relative each per product give ~1e-2·√k relative to the row's scale.
    /// </summary>
    private static void CheckFastBf16(CpuBackend cpu, Random random, int n, int k, int m, DType dtype, bool withBias)
    {
        float[] x = TestData.Uniform(random, n * k);
        float[] wValues = TestData.Uniform(random, m * k);
        using NativeTensor w = NativeTensor.FromFloats(wValues, dtype, m, k);
        float[] bias = withBias ? TestData.Uniform(random, m) : [];
        var actual = new float[n * m];
        Array.Fill(actual, float.NaN);
        cpu.MatMul(x, n, k, w.View, bias, actual);

        var exact = new float[n * m];
        Reference.MatMul(x, n, k, w.View, bias, exact);
        string at = $"{cpu.Name} {dtype} n={n} k={k} m={m} bias={withBias}";
        TestData.AssertClose(exact, actual, 1e3 * Math.Sqrt(k), "vs exact: " + at);
        if (n < CpuBackend.GemmMinRows)
        {
            return; // decode-sized calls stay on the exact path
        }
        float[] xRounded = x.Select(v => Numerics.BF16ToFloat(Numerics.FloatToBF16(v))).ToArray();
        var stored = new float[m * k];
        for (int j = 0; j < m; j++)
        {
            w.View.ReadRow(j, stored.AsSpan(j * k, k));
        }
        using NativeTensor wRounded = NativeTensor.FromFloats(stored, DType.BF16, m, k);
        var rounded = new float[n * m];
        Reference.MatMul(xRounded, n, k, wRounded.View, bias, rounded);
        TestData.AssertClose(rounded, actual, Math.Sqrt(k), "vs rounded inputs: " + at);
    }
}
