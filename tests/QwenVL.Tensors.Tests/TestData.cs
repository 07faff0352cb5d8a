// Shared helpers for the kernel tests: seeded random data, the SIMD levels this machine can run,
// and the tolerance check used to pin CpuBackend to ReferenceBackend.
// Every random stream starts from the same fixed seed so failures reproduce exactly.
using System.Runtime.Intrinsics;
using QwenVL.Tensors;

namespace QwenVL.Tensors.Tests;

internal static class TestData
{
    public const int Seed = 20241126;

    /// <summary>Scalar and Vector128 always; wider levels only where the hardware accelerates them.</summary>
    public static IEnumerable<SimdLevel> Levels()
    {
        yield return SimdLevel.Scalar;
        yield return SimdLevel.Vector128;
        if (Vector256.IsHardwareAccelerated)
        {
            yield return SimdLevel.Vector256;
        }
        if (Vector512.IsHardwareAccelerated)
        {
            yield return SimdLevel.Vector512;
        }
    }

    /// <summary>Every level of <see cref="Levels"/> with each of <paramref name="dtypes"/>.</summary>
    public static TheoryData<SimdLevel, DType> LevelsWith(params DType[] dtypes)
    {
        var data = new TheoryData<SimdLevel, DType>();
        foreach (SimdLevel level in Levels())
        {
            foreach (DType dtype in dtypes)
            {
                data.Add(level, dtype);
            }
        }
        return data;
    }

    public static TheoryData<SimdLevel> LevelData()
    {
        var data = new TheoryData<SimdLevel>();
        foreach (SimdLevel level in Levels())
        {
            data.Add(level);
        }
        return data;
    }

    /// <summary>
    /// Asserts <paramref name="actual"/> equals <paramref name="expected"/> bit for bit, naming the first
    /// index that differs, the case (<paramref name="what"/>) and where the expected values came from.
    /// </summary>
    public static void AssertSameFloats(float[] expected, float[] actual, string what, string expectedFrom)
    {
        int first = expected.Zip(actual).TakeWhile(p => p.First.Equals(p.Second)).Count();
        Assert.True(first == expected.Length && actual.Length == expected.Length,
            $"{what}: y[{first}] = {(first < actual.Length ? actual[first] : 0):R}, {expectedFrom} {(first < expected.Length ? expected[first] : 0):R}");
    }

    /// <summary>
    /// A CPU backend forced to <paramref name="level"/>, with 3 threads so the partitioned paths
    /// run even on a 2-core machine.
    /// </summary>
    public static CpuBackend Cpu(SimdLevel level)
    {
        var backend = new CpuBackend(threads: 3, maxSimd: level);
        Assert.Equal(level, backend.Level);
        return backend;
    }

    /// <summary>
    /// One decode-shaped matmul (one x-row) on <paramref name="one"/>, then 40 on <paramref name="many"/>,
    /// each equal to the first bit for bit: which thread runs which weight rows must not change a sum.
    /// </summary>
    public static void AssertOneRowMatchesOneThread(CpuBackend many, CpuBackend one, float[] x, TensorView w, float[] bias)
    {
        var expected = new float[w.Rows];
        one.MatMul(x, 1, w.Cols, w, bias, expected);
        var actual = new float[w.Rows];
        for (int call = 0; call < 40; call++)
        {
            actual.AsSpan().Fill(float.NaN);
            many.MatMul(x, 1, w.Cols, w, bias, actual);
            Assert.Equal(expected, actual);
        }
    }

    /// <summary>
    /// Attention inputs [rows, width]: q and k in [−2, 2], so scores are of order ±several and a
    /// running max really moves between key blocks; v in [−1, 1].
    /// </summary>
    public static (float[] Q, float[] K, float[] V) AttentionInputs(Random random, int qRows, int qWidth, int kvRows, int kvWidth) =>
        (Uniform(random, qRows * qWidth, -2f, 2f), Uniform(random, kvRows * kvWidth, -2f, 2f), Uniform(random, kvRows * kvWidth, -1f, 1f));

    /// <summary>
    /// Side-by-side KV rows <c>[kvRows, kvHeads·headDim]</c> rearranged head-major, <c>[kvHeads, capacity, headDim]</c>
    /// (a KV cache's layout), with every row past <paramref name="kvRows"/> NaN so a read beyond them shows.
    /// </summary>
    public static float[] HeadMajor(float[] rows, int kvRows, int kvHeads, int headDim, int capacity)
    {
        var result = new float[kvHeads * capacity * headDim];
        Array.Fill(result, float.NaN);
        for (int j = 0; j < kvRows; j++)
        {
            for (int g = 0; g < kvHeads; g++)
            {
                rows.AsSpan(((j * kvHeads) + g) * headDim, headDim).CopyTo(result.AsSpan(((g * capacity) + j) * headDim));
            }
        }
        return result;
    }

    /// <summary>
    /// Bytes this thread allocates over 10 calls of <paramref name="call"/> once the path is warm:
    /// rounds of 10 calls repeat (at most 20) until one allocates nothing. The first calls may
    /// allocate once in the runtime rather than in the kernel (tiered compilation: on-stack
    /// replacement compiles on the calling thread), the likeliest source of the 5.7 KB one CI run
    /// saw after a single warm-up call; an allocation on every call still fails.
    /// </summary>
    public static long SteadyStateAllocation(Action call)
    {
        long spent = -1;
        for (int round = 0; round < 20 && spent != 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++)
            {
                call();
            }
            spent = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        return spent;
    }

    public static float[] Uniform(Random random, int length, float low = -1f, float high = 1f)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = low + ((high - low) * random.NextSingle());
        }
        return values;
    }

    /// <summary>
    /// Asserts |actual − expected| ≤ 1e-5·(1 + |expected|)·<paramref name="scale"/> element-wise.
    /// 1e-5 is ~80 float ulps: the CPU backend rounds to float32 at every step while the reference
    /// rounds once from double. For dot products pass scale = √k: float rounding errors of a k-term
    /// sum grow like √k (random walk) when summed in an arbitrary order.
    /// </summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double scale, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-5 * (1 + Math.Abs(expected[i])) * scale;
            double error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= tolerance))
            {
                Assert.Fail($"{context}: element {i} is {actual[i]:R}, reference {expected[i]:R}, |error| {error:E3} > {tolerance:E3}");
            }
        }
    }
}
