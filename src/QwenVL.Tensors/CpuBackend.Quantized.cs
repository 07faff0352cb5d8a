// CpuBackend's matmul for block-quantized weights. Q8_0 / Q4_0: activations quantized once per call
// to int8 blocks, then int8 dot products (Quant/QuantDot*.cs): prefill in 32×16 tiles, 4 x-rows per
// weight row; decode (n < 4) one slice of weight rows per thread, walked in 4 quarters (4 streams).
// Q4_K / Q6_K: decode on their interleaved layouts (CpuBackend.Interleaved.cs), prefill there too
// where the generated 512-bit code runs, else on the float32 GEMM with exactly dequantized panels;
// otherwise (the ggml layout, where AVX2 is missing) dequantize a row, then float dots (not tuned).
// Per-thread scratch: no allocation.
// With MatMulPrecision.FastBf16, prefill-sized calls take the BF16 GEMM instead (panels dequantized).
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using QwenVL.Tensors.Gemm;
using QwenVL.Tensors.Quant;

namespace QwenVL.Tensors;

public sealed unsafe partial class CpuBackend
{
    // 4 x-rows per kernel call, 8 calls per tile: ≤ 32·k int8 of x (352 KiB at k = 11008) stays in L2.
    private const int QuantRowBlock = 32;
    private const int QuantColBlock = 16;

    /// <summary>The int8 kernel this backend's level runs.</summary>
    public QuantKernel QuantKernel => QuantKernelOverride ?? QuantKernels.ForLevel(Level);

    /// <summary>Tests force a kernel below the best one (the AVX2 kernels on an AVX-VNNI machine).</summary>
    internal QuantKernel? QuantKernelOverride { get; set; }

    /// <summary>
    /// Whether K-quant prefill (interleaved weights, exact backend) takes the int8 kernels decode uses
    /// (4 x-rows per call against each step's groups in L2), like Q8_0/Q4_0 prefill, rather than the
    /// float32 GEMM on exactly dequantized panels. Where the generated 512-bit code runs, a 3B Q4_K_M
    /// prefilled at 37 against 24 tok/s (526 tokens, Intel, alternating in one process). With only
    /// 256-bit floats (AVX2: the 6×16 GEMM), the 256-bit int8 kernels win: 64 × 2048 · 2048 × 11008 at
    /// 152 against 67 GFLOP/s (Q4_K) and 2048 × 11008 at 116 against 58 (Q6_K), 2 threads, AMD EPYC.
    /// Beside 512-bit floats (AVX-512 without that code) they ran no faster than the GEMM (23.8 against
    /// 23.8–26.8 tok/s), so there the GEMM stays.
    /// </summary>
    private bool KQuantPrefillOnInt8 =>
        QuantKernel is QuantKernel.AvxVnni512
        || (Level == SimdLevel.Vector256 && QuantKernel is QuantKernel.Avx2 or QuantKernel.AvxVnni);

    private void MatMulQuantized(ReadOnlySpan<float> x, int n, int k, in TensorView w, ReadOnlySpan<float> bias, Span<float> y)
    {
        int m = BackendChecks.MatMul(x.Length, n, k, w, bias.Length, y.Length);
        if (n == 0 || m == 0)
        {
            return;
        }
        if (k == 0)
        {
            for (int i = 0; i < n; i++)
            {
                Span<float> row = y.Slice(i * m, m);
                if (bias.IsEmpty) { row.Clear(); } else { bias.CopyTo(row); }
            }
            return;
        }
        if (n >= GemmMinRows && Precision == MatMulPrecision.FastBf16
            && (BlockingOverride ?? GemmBlocking.Bf16).KC % DTypeInfo.BlockSize(w.DType) == 0)
        {
            // Prefill on the BF16 kernels: panels are dequantized and packed like F32 weights, so a
            // quantized checkpoint prefills at the BF16 path's speed (with its bf16 rounding).
            RunGemm(x, n, k, w, bias, y, m);
            return;
        }
        if (n >= GemmMinRows && Precision == MatMulPrecision.Exact && DTypeInfo.BlockFormat(w.DType) is DType.Q4_K or DType.Q6_K
            && !(DTypeInfo.IsInterleaved(w.DType) && KQuantPrefillOnInt8)
            && (BlockingOverride ?? GemmBlocking.Float32).KC % DTypeInfo.BlockSize(w.DType) == 0)
        {
            // K-quant prefill on the exact backend: the float32 GEMM with panels dequantized exactly,
            // except where the int8 kernels beat it (KQuantPrefillOnInt8).
            RunGemm(x, n, k, w, bias, y, m);
            return;
        }
        int rowBlocks = (n + QuantRowBlock - 1) / QuantRowBlock;
        int colBlocks = (m + QuantColBlock - 1) / QuantColBlock;
        int tiles = rowBlocks * colBlocks;
        int partitions = (long)n * m * k < ParallelMultiplyAdds ? 1 : Math.Min(tiles, Pool.ThreadCount);
        fixed (float* px = x, pb = bias, py = y)
        {
            var job = new QuantMatMulJob
            {
                X = px, Y = py, Bias = bias.IsEmpty ? null : pb, W = (byte*)w.Data, WType = w.DType,
                N = n, K = k, M = m, RowBytes = (int)DTypeInfo.ByteCount(w.DType, k), ColBlocks = colBlocks, Tiles = tiles,
            };
            if (DTypeInfo.IsInterleaved(w.DType))
            {
                MatMulInterleaved(ref job, partitions);
            }
            else if (w.DType is DType.Q8_0 or DType.Q4_0)
            {
                QuantizeActivations(ref job, n);
                switch (QuantKernel)
                {
                    case QuantKernel.AvxVnni or QuantKernel.AvxVnni512: RunQuantJob<X86QuantDot<VnniByteDot>>(job, partitions); break;
                    case QuantKernel.Avx2: RunQuantJob<X86QuantDot<Avx2ByteDot>>(job, partitions); break;
                    case QuantKernel.Vector128: RunQuantJob<Vector128QuantDot>(job, partitions); break;
                    default: RunQuantJob<ScalarQuantDot>(job, partitions); break;
                }
            }
            else
            {
                var floatJob = new DequantMatMulJob { Inner = job };
                Pool.Run(ref floatJob, partitions);
            }
        }
    }

    private void RunQuantJob<TDot>(QuantMatMulJob inner, int partitions)
        where TDot : struct, IQuantDot
    {
        var job = new Int8MatMulJob<TDot> { Inner = inner };
        Pool.Run(ref job, partitions);
    }

    /// <summary>Fills the calling thread's scratch with the int8 form of x and points the job at it.</summary>
    /// <remarks><paramref name="rows"/> ≥ N sizes the buffers for callers that pad the rows themselves.</remarks>
    private void QuantizeActivations(ref QuantMatMulJob job, int rows)
    {
        int blocks = job.K / 32;
        ActivationScratch scratch = ActivationScratch.ForCurrentThread((long)rows * job.K, (long)rows * blocks);
        job.Q = scratch.Q;
        job.D = scratch.D;
        job.S = scratch.S;
        job.Side = scratch.Side;
        DType format = DTypeInfo.BlockFormat(job.WType);
        var quantize = new ActivationJob
        {
            X = job.X, Q = job.Q, D = job.D, S = job.S, Rows = job.N, K = job.K, Bias = QuantKernels.WeightBias(format), Level = Level,
            Side = format is DType.Q4_K or DType.Q6_K ? job.Side : null, SideFormat = format,
        };
        Pool.Run(ref quantize, RowPartitions(job.N, job.K));
    }

    /// <summary>Shared fields of the quantized matmul jobs.</summary>
    private struct QuantMatMulJob
    {
        public float* X, Y, Bias;
        public byte* W;
        public DType WType;
        public int N, K, M, RowBytes, ColBlocks, Tiles;
        public sbyte* Q;
        public float* D;
        public int* S;

        /// <summary>K-quants' activation sums (ActivationQuantizer.KQuantSide), k/16 slots for one row.</summary>
        public float* Side;

        public readonly (int I0, int I1, int J0, int J1) Tile(int tile)
        {
            int i0 = tile / ColBlocks * QuantRowBlock;
            int j0 = tile % ColBlocks * QuantColBlock;
            return (i0, Math.Min(N, i0 + QuantRowBlock), j0, Math.Min(M, j0 + QuantColBlock));
        }
    }

    private struct ActivationJob : IParallelJob
    {
        public float* X, D;
        public sbyte* Q;
        public int* S;
        public int Rows, K, Bias;
        public SimdLevel Level;

        /// <summary>K-quant weights: the rows' sub-block sums (k/16 per row, ActivationQuantizer.KQuantSide); else null.</summary>
        public float* Side;
        public DType SideFormat;

        public readonly void Execute(int partition, int partitionCount)
        {
            (int start, int end) = PartitionRange(partition, partitionCount, Rows);
            int blocks = K / 32;
            for (int r = start; r < end; r++)
            {
                float* side = Side == null ? null : Side + ((long)r * K / 16);
                ActivationQuantizer.QuantizeRow(X + ((long)r * K), K, Q + ((long)r * K), D + ((long)r * blocks),
                    S == null ? null : S + ((long)r * blocks), Bias, Level, (int*)side);
                if (side != null)
                {
                    ActivationQuantizer.KQuantSide(SideFormat, D + ((long)r * blocks), K, side);
                }
            }
        }
    }

    private struct Int8MatMulJob<TDot> : IParallelJob
        where TDot : struct, IQuantDot
    {
        public QuantMatMulJob Inner;

        public readonly void Execute(int partition, int partitionCount)
        {
            QuantMatMulJob j = Inner;
            (int first, int last) = PartitionRange(partition, partitionCount, j.Tiles);
            int blocks = j.K / 32;
            bool q8 = j.WType == DType.Q8_0;
            float* four = stackalloc float[4];
            if (j.N < 4)
            {
                // Decode: one row block, so this partition's tiles are one contiguous run of weight rows.
                Decode(first * QuantColBlock, Math.Min(j.M, last * QuantColBlock), blocks, q8, four);
                return;
            }
            for (int tile = first; tile < last; tile++)
            {
                (int i0, int i1, int j0, int j1) = j.Tile(tile);
                // x-rows outermost: 4 int8 rows (4·k bytes, 8 KiB at k = 2048) stay in L1 while the
                // tile's 16 weight rows stream past from L2; the other order re-read 32 x-rows
                // (64 KiB, over L1) from L2 for every weight row.
                int i = i0;
                for (; i + 4 <= i1; i += 4)
                {
                    sbyte* q = j.Q + ((long)i * j.K);
                    float* d = j.D + ((long)i * blocks);
                    int* o = j.S + ((long)i * blocks);
                    for (int col = j0; col < j1; col++)
                    {
                        byte* w = j.W + ((long)col * j.RowBytes);
                        if (q8) { TDot.Q8_0x4(w, blocks, q, d, o, j.K, blocks, four); }
                        else { TDot.Q4_0x4(w, blocks, q, d, o, j.K, blocks, four); }
                        float b = j.Bias == null ? 0f : j.Bias[col];
                        float* y = j.Y + ((long)i * j.M) + col;
                        y[0] = four[0] + b;
                        y[j.M] = four[1] + b;
                        y[2 * j.M] = four[2] + b;
                        y[3 * j.M] = four[3] + b;
                    }
                }
                for (; i < i1; i++)
                {
                    sbyte* q = j.Q + ((long)i * j.K);
                    float* d = j.D + ((long)i * blocks);
                    int* o = j.S + ((long)i * blocks);
                    for (int col = j0; col < j1; col++)
                    {
                        byte* w = j.W + ((long)col * j.RowBytes);
                        float dot = q8 ? TDot.Q8_0(w, blocks, q, d, o) : TDot.Q4_0(w, blocks, q, d, o);
                        j.Y[((long)i * j.M) + col] = dot + (j.Bias == null ? 0f : j.Bias[col]);
                    }
                }
            }
        }

        /// <summary>
        /// Weight rows [c0, c1) for every x-row (n &lt; 4): the range is cut in 4 quarters walked in step,
        /// so the kernel streams from 4 places at once; the few rows left over go one at a time.
        /// </summary>
        private readonly void Decode(int c0, int c1, int blocks, bool q8, float* four)
        {
            QuantMatMulJob j = Inner;
            int quarter = (c1 - c0) / 4;
            for (int i = 0; i < j.N; i++)
            {
                sbyte* q = j.Q + ((long)i * j.K);
                float* d = j.D + ((long)i * blocks);
                int* o = j.S + ((long)i * blocks);
                float* y = j.Y + ((long)i * j.M);
                for (int t = 0; t < quarter; t++)
                {
                    int col = c0 + t;
                    byte* w = j.W + ((long)col * j.RowBytes);
                    long step = (long)quarter * j.RowBytes;
                    if (q8) { TDot.Q8_0w4(w, w + step, w + (2 * step), w + (3 * step), blocks, q, d, o, four); }
                    else { TDot.Q4_0w4(w, w + step, w + (2 * step), w + (3 * step), blocks, q, d, o, four); }
                    for (int r = 0; r < 4; r++)
                    {
                        int c = col + (r * quarter);
                        y[c] = four[r] + (j.Bias == null ? 0f : j.Bias[c]);
                    }
                }
                for (int col = c0 + (4 * quarter); col < c1; col++)
                {
                    byte* w = j.W + ((long)col * j.RowBytes);
                    float dot = q8 ? TDot.Q8_0(w, blocks, q, d, o) : TDot.Q4_0(w, blocks, q, d, o);
                    y[col] = dot + (j.Bias == null ? 0f : j.Bias[col]);
                }
            }
        }
    }

    /// <summary>Q4_K / Q6_K in ggml's layout: each weight row of a tile is dequantized once into per-thread floats.</summary>
    private struct DequantMatMulJob : IParallelJob
    {
        public QuantMatMulJob Inner;

        public readonly void Execute(int partition, int partitionCount)
        {
            QuantMatMulJob j = Inner;
            (int first, int last) = PartitionRange(partition, partitionCount, j.Tiles);
            float[] scratch = ThreadScratch.Get(j.K);
            var row = new Span<float>(scratch, 0, j.K);
            for (int tile = first; tile < last; tile++)
            {
                (int i0, int i1, int j0, int j1) = j.Tile(tile);
                for (int col = j0; col < j1; col++)
                {
                    BlockFormats.Dequantize(new ReadOnlySpan<byte>(j.W + ((long)col * j.RowBytes), j.RowBytes), j.WType, row);
                    float b = j.Bias == null ? 0f : j.Bias[col];
                    for (int i = i0; i < i1; i++)
                    {
                        j.Y[((long)i * j.M) + col] = TensorPrimitives.Dot(new ReadOnlySpan<float>(j.X + ((long)i * j.K), j.K), row) + b;
                    }
                }
            }
        }
    }

    /// <summary>The calling thread's int8 activation buffers: pinned, grown on demand, never shrunk.</summary>
    private sealed class ActivationScratch
    {
        [ThreadStatic]
        private static ActivationScratch? t_current;

        private sbyte[] _q = [];
        private float[] _d = [];
        private int[] _s = [];
        private float[] _side = [];

        public sbyte* Q => (sbyte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_q));

        public float* D => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_d));

        public int* S => (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_s));

        public float* Side => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_side));

        public static ActivationScratch ForCurrentThread(long values, long blocks)
        {
            ActivationScratch scratch = t_current ??= new ActivationScratch();
            if (scratch._q.Length < values)
            {
                // Pinned (POH) so the pointers stay valid while worker threads read them.
                scratch._q = GC.AllocateUninitializedArray<sbyte>(checked((int)values), pinned: true);
            }
            if (scratch._d.Length < blocks)
            {
                scratch._d = GC.AllocateUninitializedArray<float>(checked((int)blocks), pinned: true);
                scratch._s = GC.AllocateUninitializedArray<int>(checked((int)blocks), pinned: true);
                // K-quant sums: k/16 per row (Q6_K's per 16 values), twice the per-32 blocks.
                scratch._side = GC.AllocateUninitializedArray<float>(checked((int)(2 * blocks)), pinned: true);
            }
            return scratch;
        }
    }
}
