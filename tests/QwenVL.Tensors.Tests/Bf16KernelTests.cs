// The generated BF16 micro-kernels against their scalar models (vdpbf16ps bit for bit; AMX within
// float32 summation-order error, its internal order being undocumented) and the bf16 packing
// routines against their portable loops or the plain definition. Skipped, visibly, without the CPU feature.
using System.Runtime.Intrinsics;
using QwenVL.Tensors;
using QwenVL.Tensors.Gemm;

namespace QwenVL.Tensors.Tests;

public class Bf16KernelTests
{
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

    [AmxFact]
    public unsafe void AmxTile_RandomPanels_MatchesScalarModel()
    {
        var random = new Random(TestData.Seed);
        foreach (int slots in new[] { 16, 64, 256 })
        {
            foreach (bool withInit in new[] { false, true })
            {
                uint[] a = RandomPairs(random, slots * 32);
                uint[] b = RandomPairs(random, slots * 32);
                float[] init = TestData.Uniform(random, 32);
                const int ldc = 40;
                float[] start = TestData.Uniform(random, 32 * ldc);
                float[] expected = (float[])start.Clone();
                float[] actual = (float[])start.Clone();
                fixed (uint* pa = a, pb = b)
                fixed (float* pi = init, pe = expected, pc = actual)
                {
                    AmxKernel.TileReference(pa, pb, slots, pe, ldc, withInit ? pi : null);
                    AmxKernel.Begin();
                    AmxKernel.Tile((float*)pa, (float*)pb, slots, pc, ldc, withInit ? pi : null);
                    AmxKernel.End();
                }
                for (int r = 0; r < 32; r++)
                {
                    // Columns 32..39 of each row must be untouched; the tile within float32 summation-order error.
                    Assert.Equal(start.AsSpan((r * ldc) + 32, 8).ToArray(), actual.AsSpan((r * ldc) + 32, 8).ToArray());
                }
                TestData.AssertClose(expected, actual, Math.Sqrt(2 * slots) * 10, $"AMX tile slots={slots} init={withInit}");
            }
        }
    }

    [Avx512Fact]
    public unsafe void AmxPackA_OddDepthsAndRows_EqualsDefinition()
    {
        var random = new Random(TestData.Seed);
        const int ldx = 141;
        float[] x = TestData.Uniform(random, 32 * ldx, -3f, 3f);
        foreach ((int rows, int k0, int kc) in new[] { (32, 0, 64), (32, 3, 131), (17, 0, 141), (32, 1, 5), (1, 2, 33) })
        {
            int slots = AmxPacking.PaddedSlots(kc);
            var actual = new uint[slots * 32];
            fixed (float* px = x)
            fixed (uint* pa = actual)
            {
                AmxPacking.PackA(px, ldx, rows, k0, kc, pa);
            }
            for (int s = 0; s < slots; s++)
            {
                for (int r = 0; r < 32; r++)
                {
                    uint lo = r < rows && 2 * s < kc ? Numerics.FloatToBF16(x[(r * ldx) + k0 + (2 * s)]) : 0u;
                    uint hi = r < rows && (2 * s) + 1 < kc ? Numerics.FloatToBF16(x[(r * ldx) + k0 + (2 * s) + 1]) : 0u;
                    Assert.Equal(lo | (hi << 16), actual[(((s / 16 * 32) + r) * 16) + (s % 16)]);
                }
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

    internal static uint[] RandomPairs(Random random, int count)
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
}
