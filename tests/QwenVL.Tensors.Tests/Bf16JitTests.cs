// Tests of the FastBf16 path: the emitter's encodings against GNU as/objdump bytes, the generated
// vdpbf16ps kernel against its scalar model (bit for bit), the bf16 packing against its portable
// loops, and the whole GEMM against ReferenceBackend. Kernel tests are skipped, visibly, on CPUs
// without avx512_bf16; encoding tests run everywhere.
using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using QwenVL.Tensors;
using QwenVL.Tensors.Gemm;
using QwenVL.Tensors.Jit;

namespace QwenVL.Tensors.Tests;

/// <summary>A fact that is skipped, with the reason shown, where the generated BF16 kernel cannot run.</summary>
public sealed class Bf16FactAttribute : FactAttribute
{
    public Bf16FactAttribute()
    {
        if (!Bf16Kernel.IsAvailable)
        {
            Skip = "needs Linux x64 with avx512_bf16 (CPUID.7.1:EAX[5]) and AVX-512 enabled";
        }
    }
}

/// <summary>A fact that is skipped, with the reason shown, without AVX-512 (the vector packing paths).</summary>
public sealed class Avx512FactAttribute : FactAttribute
{
    public Avx512FactAttribute()
    {
        if (!Avx512F.IsSupported)
        {
            Skip = "needs AVX-512F";
        }
    }
}

public class Bf16JitTests
{
    private static readonly ReferenceBackend Reference = new();

    /// <summary>
    /// Every instruction form the kernel uses, with bytes from GNU as 2.40 (`as --64`, Intel syntax)
    /// and the text objdump 2.40 prints for them (`objdump -D -b binary -mi386:x86-64 -M intel`).
    /// </summary>
    private static readonly (string Asm, string Bytes, Action<X64Emitter> Emit)[] Encodings =
    [
        ("vpxord zmm0,zmm0,zmm0", "62 f1 7d 48 ef c0", e => e.VpxordZmm(0, 0, 0)),
        ("vpxord zmm23,zmm23,zmm23", "62 a1 45 40 ef ff", e => e.VpxordZmm(23, 23, 23)),
        ("vpxord zmm9,zmm17,zmm30", "62 11 75 40 ef ce", e => e.VpxordZmm(9, 17, 30)),
        ("vaddps zmm0,zmm0,zmm26", "62 91 7c 48 58 c2", e => e.VaddpsZmm(0, 0, 26)),
        ("vaddps zmm23,zmm23,zmm27", "62 81 44 40 58 fb", e => e.VaddpsZmm(23, 23, 27)),
        ("vaddps zmm5,zmm5,ZMMWORD PTR [rcx]", "62 f1 54 48 58 29", e => e.VaddpsZmmMem(5, 5, Gpr.Rcx, 0)),
        ("vaddps zmm21,zmm21,ZMMWORD PTR [rcx+0x40]", "62 e1 54 40 58 69 01", e => e.VaddpsZmmMem(21, 21, Gpr.Rcx, 64)),
        ("vaddps zmm1,zmm2,ZMMWORD PTR [rcx+0x64]", "62 f1 6c 48 58 89 64 00 00 00", e => e.VaddpsZmmMem(1, 2, Gpr.Rcx, 100)),
        ("vmovups zmm24,ZMMWORD PTR [rsi]", "62 61 7c 48 10 06", e => e.VmovupsLoad(24, Gpr.Rsi, 0)),
        ("vmovups zmm25,ZMMWORD PTR [rsi+0x40]", "62 61 7c 48 10 4e 01", e => e.VmovupsLoad(25, Gpr.Rsi, 64)),
        ("vmovups zmm26,ZMMWORD PTR [r9]", "62 41 7c 48 10 11", e => e.VmovupsLoad(26, Gpr.R9, 0)),
        ("vmovups zmm27,ZMMWORD PTR [r9+0x40]", "62 41 7c 48 10 59 01", e => e.VmovupsLoad(27, Gpr.R9, 64)),
        ("vmovups ZMMWORD PTR [rcx],zmm0", "62 f1 7c 48 11 01", e => e.VmovupsStore(Gpr.Rcx, 0, 0)),
        ("vmovups ZMMWORD PTR [rcx+0x40],zmm23", "62 e1 7c 48 11 79 01", e => e.VmovupsStore(Gpr.Rcx, 64, 23)),
        ("vmovups ZMMWORD PTR [rcx+0x2000],zmm3", "62 f1 7c 48 11 99 00 20 00 00", e => e.VmovupsStore(Gpr.Rcx, 8192, 3)),
        ("vdpbf16ps zmm0,zmm24,DWORD BCST [rdi]", "62 f2 3e 50 52 07", e => e.Vdpbf16psBroadcast(0, 24, Gpr.Rdi, 0)),
        ("vdpbf16ps zmm23,zmm25,DWORD BCST [rdi+0x2c]", "62 e2 36 50 52 7f 0b", e => e.Vdpbf16psBroadcast(23, 25, Gpr.Rdi, 44)),
        ("vdpbf16ps zmm7,zmm12,DWORD BCST [r8+0x4]", "62 d2 1e 58 52 78 01", e => e.Vdpbf16psBroadcast(7, 12, Gpr.R8, 4)),
        ("vdpbf16ps zmm16,zmm31,DWORD BCST [rdi+0x400]", "62 e2 06 50 52 87 00 04 00 00", e => e.Vdpbf16psBroadcast(16, 31, Gpr.Rdi, 1024)),
        ("add rdi,0x30", "48 83 c7 30", e => e.AddImm(Gpr.Rdi, 48)),
        ("add rsi,0x80", "48 81 c6 80 00 00 00", e => e.AddImm(Gpr.Rsi, 128)),
        ("add rax,r8", "4c 01 c0", e => e.AddReg(Gpr.Rax, Gpr.R8)),
        ("add rcx,r8", "4c 01 c1", e => e.AddReg(Gpr.Rcx, Gpr.R8)),
        ("mov rax,rcx", "48 89 c8", e => e.MovReg(Gpr.Rax, Gpr.Rcx)),
        ("test rdx,rdx", "48 85 d2", e => e.TestReg(Gpr.Rdx, Gpr.Rdx)),
        ("test r9,r9", "4d 85 c9", e => e.TestReg(Gpr.R9, Gpr.R9)),
        ("dec rdx", "48 ff ca", e => e.Dec(Gpr.Rdx)),
        ("prefetcht0 BYTE PTR [rax]", "0f 18 08", e => e.Prefetcht0(Gpr.Rax, 0)),
        ("prefetcht0 BYTE PTR [rax+0x40]", "0f 18 48 40", e => e.Prefetcht0(Gpr.Rax, 64)),
        ("prefetcht0 BYTE PTR [r9+0x40]", "41 0f 18 49 40", e => e.Prefetcht0(Gpr.R9, 64)),
        ("vzeroupper", "c5 f8 77", e => e.Vzeroupper()),
        ("ret", "c3", e => e.Ret()),
    ];

    [Fact]
    public void Emitter_EveryForm_EncodesAsGnuAs()
    {
        foreach ((string asm, string bytes, Action<X64Emitter> emit) in Encodings)
        {
            var e = new X64Emitter();
            emit(e);
            Assert.True(bytes == Hex(e.ToArray()), $"{asm}: expected {bytes}, emitted {Hex(e.ToArray())}");
        }
    }

    [Fact]
    public void Emitter_Branches_PatchRel32FromInstructionEnd()
    {
        var e = new X64Emitter();
        int top = e.NewLabel(), end = e.NewLabel();
        e.Bind(top);
        e.Dec(Gpr.Rdx);     // 3 bytes
        e.Jnz(top);         // 0f 85 rel32 = -9 (back over itself and dec)
        e.Jz(end);          // 0f 84 rel32 = +5 (over the jmp)
        e.Jmp(top);         // e9 rel32 = -20
        e.Bind(end);
        e.Ret();
        Assert.Equal("48 ff ca 0f 85 f7 ff ff ff 0f 84 05 00 00 00 e9 ec ff ff ff c3", Hex(e.ToArray()));
    }

    [Fact]
    public void Emitter_TableAndKernel_DisassembleWithObjdump()
    {
        // Dev-time check made repeatable: where objdump exists, it must read the table bytes as the
        // table's text and read the whole kernel without "(bad)" instructions.
        if (!File.Exists("/usr/bin/objdump"))
        {
            return;
        }
        var all = new List<byte>();
        foreach ((_, string bytes, _) in Encodings)
        {
            all.AddRange(bytes.Split(' ').Select(b => Convert.ToByte(b, 16)));
        }
        string[] lines = Disassemble([.. all]);
        Assert.Equal(Encodings.Select(x => x.Asm), lines);
        string[] kernel = Disassemble(Bf16KernelCode.Build());
        Assert.DoesNotContain(kernel, line => line.Contains("(bad)", StringComparison.Ordinal));
        Assert.Equal(24 * 12 / 12, kernel.Count(line => line.StartsWith("vdpbf16ps", StringComparison.Ordinal)));
    }

    [Bf16Fact]
    public unsafe void Tile_RandomPanels_MatchesScalarModelBitForBit()
    {
        var random = new Random(TestData.Seed);
        foreach (int slots in new[] { 1, 7, 256 })
        {
            foreach (bool withInit in new[] { false, true })
            {
                uint[] a = RandomPairs(random, slots * 12);
                uint[] b = RandomPairs(random, slots * 32);
                float[] init = TestData.Uniform(random, 32);
                const int ldc = 40; // a row stride wider than the tile
                float[] start = TestData.Uniform(random, 12 * ldc);
                float[] expected = (float[])start.Clone();
                float[] actual = (float[])start.Clone();
                fixed (uint* pa = a, pb = b)
                fixed (float* pi = init, pe = expected, pc = actual)
                {
                    Bf16Kernel.TileReference(pa, pb, slots, pe, ldc, withInit ? pi : null);
                    Bf16Kernel.Tile((float*)pa, (float*)pb, slots, pc, ldc, withInit ? pi : null);
                }
                Assert.Equal(expected, actual); // includes the 8 untouched floats after each row
            }
        }
    }

    [Avx512Fact]
    public unsafe void PackA12_OddDepths_EqualsPortablePacking()
    {
        var random = new Random(TestData.Seed);
        const int ldx = 101;
        float[] x = TestData.Uniform(random, 12 * ldx, -3f, 3f);
        x[5] = float.NaN;
        x[6] = float.PositiveInfinity;
        x[7] = BitConverter.UInt32BitsToSingle(0x3F80_8000); // exact tie: rounds to even
        x[8] = BitConverter.UInt32BitsToSingle(0x3F81_8000); // exact tie: rounds up to even
        foreach ((int rows, int k0, int kc) in new[] { (12, 0, 32), (12, 3, 97), (12, 0, 101), (11, 2, 64), (12, 1, 5) })
        {
            int slots = (kc + 1) / 2;
            var expected = new uint[slots * 12];
            var actual = new uint[slots * 12];
            fixed (float* px = x)
            fixed (uint* e = expected, a = actual)
            {
                Bf16Packing.PackA(px, ldx, rows, k0, kc, e);
                Bf16Packing.PackA12(px, ldx, rows, k0, kc, a);
            }
            Assert.Equal(expected, actual);
        }
    }

    [Avx512Fact]
    public unsafe void PackB32_OddDepths_EqualsPortablePacking()
    {
        var random = new Random(TestData.Seed);
        const int ldw = 99;
        using NativeTensor w = NativeTensor.FromFloats(TestData.Uniform(random, 40 * ldw), DType.BF16, 40, ldw);
        foreach ((int cols, int k0, int kc) in new[] { (32, 0, 32), (32, 2, 97), (32, 0, 99), (31, 0, 64), (32, 4, 7) })
        {
            int slots = (kc + 1) / 2;
            var expected = new uint[slots * 32];
            var actual = new uint[slots * 32];
            fixed (uint* e = expected, a = actual)
            {
                Bf16Packing.PackB((byte*)w.View.Data, DType.BF16, ldw, cols, k0, kc, e);
                Bf16Packing.PackB32((byte*)w.View.Data, DType.BF16, ldw, cols, k0, kc, a);
            }
            Assert.Equal(expected, actual);
        }
    }

    [Avx512Fact]
    public void RoundToBF16_SpecialValues_EqualsScalarRounding()
    {
        uint[] patterns = [0, 0x8000_0000, 0x3F80_8000, 0x3F81_8000, 0x3F80_8001, 0x7F7F_FFFF, 0xFF7F_FFFF, 0x7F80_0000,
            0x7F80_0001, 0xFFC0_0000, 0x0000_0001, 0x0080_0000, 0x4049_0FDB, 0xC049_0FDB, 0x3F7F_FFFF, 0x1234_5678];
        Vector512<float> values = Vector512.Create(patterns).AsSingle();
        Vector512<uint> rounded = Bf16Packing.RoundToBF16(values);
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(Numerics.FloatToBF16(BitConverter.UInt32BitsToSingle(patterns[i])), (ushort)rounded[i]);
        }
    }

    public static TheoryData<DType, bool, int> GemmCases()
    {
        var data = new TheoryData<DType, bool, int>();
        foreach (DType dtype in new[] { DType.F32, DType.F16, DType.BF16 })
        {
            foreach (int threads in new[] { 1, 3 })
            {
                data.Add(dtype, true, threads);
                data.Add(dtype, false, threads);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(GemmCases))]
    public void MatMul_FastBf16OddShapes_MatchesReferenceOfRoundedInputs(DType dtype, bool withBias, int threads)
    {
        using var cpu = new CpuBackend(threads, SimdLevel.Best, MatMulPrecision.FastBf16);
        if (cpu.Precision != MatMulPrecision.FastBf16)
        {
            Assert.Equal(MatMulPrecision.Exact, cpu.Precision);
            Assert.DoesNotContain("bf16", cpu.Name, StringComparison.Ordinal);
            return; // falls back to the exact path, which GemmParityTests covers
        }
        var random = new Random(TestData.Seed);
        foreach (int n in new[] { 1, 15, 16, 17, 33, 100 })
        {
            foreach (int k in new[] { 1, 7, 64, 67, 300, 1030 })
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
        cpu.BlockingOverride = new GemmBlocking(KC: 64, MC: 30, NC: 70); // KC even: whole pairs per block
        var random = new Random(TestData.Seed);
        foreach ((int n, int k, int m) in new[] { (16, 67, 100), (100, 67, 33), (61, 301, 131), (37, 17, 200) })
        {
            CheckFastBf16(cpu, random, n, k, m, DType.BF16, withBias: true);
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

    private static uint[] RandomPairs(Random random, int count)
    {
        var pairs = new uint[count];
        for (int i = 0; i < count; i++)
        {
            uint lo = Numerics.FloatToBF16((random.NextSingle() * 4f) - 2f);
            uint hi = Numerics.FloatToBF16((random.NextSingle() * 4f) - 2f);
            pairs[i] = lo | (hi << 16);
        }
        return pairs;
    }

    private static string Hex(byte[] bytes) => string.Join(' ', bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    private static string[] Disassemble(byte[] code)
    {
        string path = Path.Combine(Path.GetTempPath(), $"qwenvl-jit-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, code);
        try
        {
            var start = new ProcessStartInfo("/usr/bin/objdump", ["-D", "-b", "binary", "-mi386:x86-64", "-M", "intel", path])
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            using Process process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            // Instruction lines look like "   6:\t62 a1 45 40 ef ff    \tvpxord zmm23,zmm23,zmm23".
            return output.Split('\n')
                .Select(line => line.Split('\t'))
                .Where(parts => parts.Length >= 3 && parts[0].TrimEnd().EndsWith(':'))
                .Select(parts => System.Text.RegularExpressions.Regex.Replace(parts[2].Trim(), @"\s+", " "))
                .ToArray();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
