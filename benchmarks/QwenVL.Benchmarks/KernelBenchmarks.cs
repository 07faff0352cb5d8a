// The kernels one Qwen2.5-VL-3B layer spends its time in, at that model's shapes, on the scalar
// reference backend and the fast CPU backend: matmul decode-shaped (1x2048 · 2048x11008 BF16) and
// prefill-shaped (512x2048 · 2048x2048 BF16), RmsNorm, M-RoPE-style rotary, attention (1 query over
// 4096 keys; 512x512 causal) and SwiGLU. Inputs are seeded noise; values do not change speed.
using BenchmarkDotNet.Attributes;
using QwenVL.Tensors;

namespace QwenVL.Benchmarks;

/// <summary>Kernel timings per backend.</summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    // Qwen2.5-VL-3B text dimensions: hidden 2048, MLP 11008, 16 query heads and 2 KV heads of 128.
    private const int Hidden = 2048, Intermediate = 11008, Heads = 16, KvHeads = 2, HeadDim = 128;
    private const int PrefillRows = 512, DecodeKeys = 4096;

    private IComputeBackend _backend = null!;
    private NativeTensor _wUp = null!, _wSquare = null!;
    private float[] _x = null!, _yWide = null!, _yPrefill = null!, _normWeight = null!, _normed = null!;
    private float[] _rope = null!, _cos = null!, _sin = null!;
    private float[] _q = null!, _k = null!, _v = null!, _attnOut = null!;
    private float[] _gate = null!, _up = null!;

    /// <summary>"reference" (scalar specification), "cpu" (widest SIMD, all cores), and "cpu-bf16" where the build has it.</summary>
    public static IEnumerable<string> Backends() => ComputeBackends.Names.Where(n => n is "reference" or "cpu" or "cpu-bf16");

    /// <summary>Which backend runs the kernels.</summary>
    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>Allocates every input once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _backend = ComputeBackends.Create(Backend);
        var random = new Random(42);
        _wUp = NativeTensor.FromFloats(Noise(random, Intermediate * Hidden), DType.BF16, Intermediate, Hidden);
        _wSquare = NativeTensor.FromFloats(Noise(random, Hidden * Hidden), DType.BF16, Hidden, Hidden);
        _x = Noise(random, PrefillRows * Hidden);
        _yWide = new float[Intermediate];
        _yPrefill = new float[PrefillRows * Hidden];
        _normWeight = Noise(random, Hidden);
        _normed = new float[PrefillRows * Hidden];
        _rope = Noise(random, PrefillRows * Heads * HeadDim);
        _cos = Noise(random, PrefillRows * HeadDim);
        _sin = Noise(random, PrefillRows * HeadDim);
        _q = Noise(random, PrefillRows * Heads * HeadDim);
        _k = Noise(random, DecodeKeys * KvHeads * HeadDim);
        _v = Noise(random, DecodeKeys * KvHeads * HeadDim);
        _attnOut = new float[PrefillRows * Heads * HeadDim];
        _gate = Noise(random, PrefillRows * Intermediate);
        _up = Noise(random, PrefillRows * Intermediate);
    }

    /// <summary>Frees native weights and the backend's threads.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _wUp.Dispose();
        _wSquare.Dispose();
        (_backend as IDisposable)?.Dispose();
    }

    /// <summary>Decode-shaped: one row through an MLP up projection (45 MB of BF16 weights).</summary>
    [Benchmark]
    public void MatMulDecode() => _backend.MatMul(_x.AsSpan(0, Hidden), 1, Hidden, _wUp.View, [], _yWide);

    /// <summary>Prefill-shaped: 512 rows through a 2048x2048 projection (2.1 G multiply-adds).</summary>
    [Benchmark]
    public void MatMulPrefill() => _backend.MatMul(_x, PrefillRows, Hidden, _wSquare.View, [], _yPrefill);

    /// <summary>512 rows of 2048.</summary>
    [Benchmark]
    public void RmsNorm() => _backend.RmsNorm(_x, PrefillRows, Hidden, _normWeight, 1e-6f, _normed);

    /// <summary>Rotary on 512 rows of 16 query heads.</summary>
    [Benchmark]
    public void Rope() => _backend.Rope(_rope, PrefillRows, Heads, HeadDim, Heads * HeadDim, _cos, _sin);

    /// <summary>One decode query (16 heads) over 4096 cached keys (2 KV heads).</summary>
    [Benchmark]
    public void AttentionDecode() => _backend.Attention(_q.AsSpan(0, Heads * HeadDim), 1, Heads * HeadDim,
        _k, _v, DecodeKeys, KvHeads * HeadDim, Heads, KvHeads, HeadDim, 1f / MathF.Sqrt(HeadDim), causalOffset: DecodeKeys - 1,
        _attnOut.AsSpan(0, Heads * HeadDim), Heads * HeadDim);

    /// <summary>512 queries over their own 512 keys, causal (a prefill chunk with an empty cache).</summary>
    [Benchmark]
    public void AttentionPrefillCausal() => _backend.Attention(_q, PrefillRows, Heads * HeadDim,
        _k.AsSpan(0, PrefillRows * KvHeads * HeadDim), _v.AsSpan(0, PrefillRows * KvHeads * HeadDim), PrefillRows, KvHeads * HeadDim,
        Heads, KvHeads, HeadDim, 1f / MathF.Sqrt(HeadDim), causalOffset: 0, _attnOut, Heads * HeadDim);

    /// <summary>silu(gate)·up over 512 rows of 11008, in place into gate.</summary>
    [Benchmark]
    public void SwiGlu() => _backend.SwiGlu(_gate, _up, _gate);

    private static float[] Noise(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1) * 0.5f;
        }
        return values;
    }
}
