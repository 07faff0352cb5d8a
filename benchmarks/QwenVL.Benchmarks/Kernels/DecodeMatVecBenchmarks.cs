// Decode-shaped matrix-vector products (1 × 2048 · 2048 × 11008, a 3B MLP up projection) per weight
// layout on the "cpu" backend: BF16, Q8_0 / Q4_0 in ggml's row layout and in the 8-row interleaved
// Q8_0x8 / Q4_0x8 the models load. Bytes streamed per call: 45.1 MB BF16, 24.0 MB Q8_0, 12.7 MB
// Q4_0, so GB/s = bytes / time. Enough copies are cycled (≥ 640 MB) that no call finds its weights in
// the 300 MiB L3 of the target machine: each call reads DRAM, as a decode step does.
using BenchmarkDotNet.Attributes;
using QwenVL.Tensors;
using QwenVL.Tensors.Quant;

namespace QwenVL.Benchmarks.Kernels;

/// <summary>One-row matmuls per weight layout.</summary>
[MemoryDiagnoser]
public class DecodeMatVecBenchmarks
{
    private const int K = 2048, M = 11008;
    private const long CycledBytes = 640L << 20;

    private CpuBackend _backend = null!;
    private NativeTensor[] _weights = [];
    private float[] _x = [], _y = [];
    private int _next;

    /// <summary>Weight layout.</summary>
    [Params("BF16", "Q8_0", "Q8_0x8", "Q4_0", "Q4_0x8")]
    public string Layout { get; set; } = "Q4_0x8";

    /// <summary>Builds the copies of the weights (cycled so no call finds its weights in cache).</summary>
    [GlobalSetup]
    public unsafe void Setup()
    {
        _backend = new CpuBackend();
        var random = new Random(42);
        float[] values = new float[K * M];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (random.NextSingle() * 2) - 1;
        }
        DType stored = Layout switch { "BF16" => DType.BF16, "Q8_0" or "Q8_0x8" => DType.Q8_0, _ => DType.Q4_0 };
        NativeTensor first = NativeTensor.FromFloats(values, stored, M, K);
        if (Layout.EndsWith("x8", StringComparison.Ordinal) && RowInterleave.TryInterleavedType(stored, out DType interleaved))
        {
            var x8 = new NativeTensor(interleaved, M, K);
            RowInterleave.Interleave(stored, (byte*)first.View.Data, (byte*)x8.View.Data, K, 0, M / RowInterleave.Rows);
            first.Dispose();
            first = x8;
        }
        _weights = new NativeTensor[(int)((CycledBytes + first.View.ByteLength - 1) / first.View.ByteLength)];
        _weights[0] = first;
        for (int c = 1; c < _weights.Length; c++)
        {
            _weights[c] = new NativeTensor(first.View.DType, M, K);
            first.Bytes.CopyTo(_weights[c].Bytes);
        }
        _x = values.AsSpan(0, K).ToArray();
        _y = new float[M];
    }

    /// <summary>Frees the weights and the backend's threads.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (NativeTensor w in _weights)
        {
            w.Dispose();
        }
        _backend.Dispose();
    }

    /// <summary>y = x · Wᵀ for the next copy of W.</summary>
    [Benchmark]
    public void MatVec()
    {
        _next = (_next + 1) % _weights.Length;
        _backend.MatMul(_x, 1, K, _weights[_next].View, [], _y);
    }
}
