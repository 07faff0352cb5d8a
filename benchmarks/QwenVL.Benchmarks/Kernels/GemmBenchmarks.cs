// The packed GEMM at the shapes that dominate Qwen2.5-VL-3B prefill and vision encoding, exact
// float32 ("cpu") against FastBf16 ("cpu-bf16": AMX or vdpbf16ps where present, else the same as
// "cpu"). GFLOP/s = 2·n·k·m / time: 47.0 G for VisionQkv, 42.0 G for VisionMlpDown, 23.1 G for
// PrefillMlpUp. Weights are BF16 noise; values do not change speed.
using BenchmarkDotNet.Attributes;
using QwenVL.Tensors;

namespace QwenVL.Benchmarks.Kernels;

/// <summary>Prefill- and vision-sized matmuls per backend.</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    // Vision tower: 4784 patches of a 1288x728 image, hidden 1280, MLP 3420, fused QKV 3840.
    // Text: a 512-token prefill chunk, hidden 2048, MLP 11008.
    private const int Patches = 4784, VisionHidden = 1280, VisionMlp = 3420, Tokens = 512, Hidden = 2048, Mlp = 11008;

    private IComputeBackend _backend = null!;
    private NativeTensor _qkv = null!, _down = null!, _up = null!;
    private float[] _x = null!, _y = null!;

    /// <summary>"cpu" (exact float32) or "cpu-bf16" (activations rounded to bf16).</summary>
    [Params("cpu", "cpu-bf16")]
    public string Backend { get; set; } = "cpu";

    /// <summary>Allocates inputs and weights once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _backend = ComputeBackends.Create(Backend);
        var random = new Random(42);
        _qkv = NativeTensor.FromFloats(Noise(random, 3 * VisionHidden * VisionHidden), DType.BF16, 3 * VisionHidden, VisionHidden);
        _down = NativeTensor.FromFloats(Noise(random, VisionHidden * VisionMlp), DType.BF16, VisionHidden, VisionMlp);
        _up = NativeTensor.FromFloats(Noise(random, Mlp * Hidden), DType.BF16, Mlp, Hidden);
        _x = Noise(random, Patches * VisionMlp);
        _y = new float[Patches * 3 * VisionHidden];
    }

    /// <summary>Frees native weights and the backend's threads.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _qkv.Dispose();
        _down.Dispose();
        _up.Dispose();
        (_backend as IDisposable)?.Dispose();
    }

    /// <summary>4784×1280 · 1280×3840: the vision blocks' fused QKV projection.</summary>
    [Benchmark]
    public void VisionQkv() => _backend.MatMul(_x.AsSpan(0, Patches * VisionHidden), Patches, VisionHidden, _qkv.View, [], _y);

    /// <summary>4784×3420 · 3420×1280: the vision MLP's down projection.</summary>
    [Benchmark]
    public void VisionMlpDown() => _backend.MatMul(_x, Patches, VisionMlp, _down.View, [], _y);

    /// <summary>512×2048 · 2048×11008: a prefill chunk's MLP up projection.</summary>
    [Benchmark]
    public void PrefillMlpUp() => _backend.MatMul(_x.AsSpan(0, Tokens * Hidden), Tokens, Hidden, _up.View, [], _y);

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
