// CpuBackend's matmul for 8-row interleaved Q8_0x8 / Q4_0x8 / Q4_Kx8 / Q6_Kx8 weights
// (Quant/RowInterleave.cs), on the x86 kernels or the 128-bit ones (ARM64's sdot). One x-row
// (decode): each thread's run of row groups is walked in DecodeStreams parts in step (8 on Intel,
// 2 on AMD: memory streams per thread; a thread done early takes the others' remaining steps), what
// is left in 4 quarters. More x-rows: tiles of 32 x-rows × 2 groups, 4 x-rows per kernel
// call, the activation rows padded to a multiple of 4 with copies of the last one (their results are
// dropped). K-quants: every x-row count takes the one-row walk, up to 4 x-rows per kernel call against
// each step's groups while they are in L2 (batched decode; prefill where CpuBackend.Quantized sends it).
// Prefill under MatMulPrecision.FastBf16 does not come here: the BF16 GEMM dequantizes panels itself.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using QwenVL.Tensors.Quant;

namespace QwenVL.Tensors;

public sealed unsafe partial class CpuBackend
{
    // Ints between two partitions' claim counters: 64 bytes, so they never share a cache line.
    private const int ClaimStride = 16;

    // x-rows per K-quant kernel call: 4 keep 8 accumulators (2 per x-row) in ymm0-15 (the multi-row
    // kernels' notes, InterleavedDotX86.KQuantRows.cs).
    private const int KQuantRows = 4;

    private static bool IsKQuant(DType interleaved) => interleaved is DType.Q4_Kx8 or DType.Q6_Kx8;

    /// <summary>
    /// Memory streams per thread in the one-x-row walk over interleaved weights: 8 or 2 (the kernels
    /// that exist). Two threads on an Intel Xeon (Emerald Rapids) read 7–9% faster with 8 than with 4
    /// over a 3B model's matvecs; on an AMD EPYC (Zen 3, 2 vCPUs) 8 streams read slowest and 2 fastest:
    /// 13.7 against 18.2 GB/s for a 2048 × 11008 Q4_K matrix from memory, 9.3 against 11.1 for Q6_K
    /// (1 stream 16.3 / 11.2, 3 streams 17.9 / 10.6, 4 streams 14.4 / 10.0; 10 alternating rounds in one
    /// process). So the vendor picks it; tests set both.
    /// </summary>
    internal int DecodeStreams
    {
        get => _decodeStreams;
        set => _decodeStreams = value is 2 or 8 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "the walk has kernels for 2 or 8 streams per thread");
    }

    private int _decodeStreams = CpuVendor.IsAmd ? 2 : 8;

    /// <summary>
    /// Whether the 128-bit interleaved kernels take ARM's sdot (where the CPU has dotprod) or the
    /// widening multiply every Vector128 machine has; tests turn it off to run the second on ARM64.
    /// </summary>
    internal bool UseArmDotProduct
    {
        get => _useArmDotProduct;
        set => _useArmDotProduct = value && System.Runtime.Intrinsics.Arm.Dp.IsSupported;
    }

    private bool _useArmDotProduct = System.Runtime.Intrinsics.Arm.Dp.IsSupported;

    /// <summary>Takes the next unclaimed step below <paramref name="steps"/> from a shared counter.</summary>
    private static bool TryClaim(ref int counter, int steps, out int step)
    {
        step = Interlocked.Increment(ref counter) - 1;
        return step < steps;
    }

    private void MatMulInterleaved(ref QuantMatMulJob job, int partitionsWanted)
    {
        bool kQuant = IsKQuant(job.WType);
        int padded = job.N == 1 || kQuant ? job.N : (job.N + 3) / 4 * 4;
        QuantizeActivations(ref job, padded); // K-quants: with their sub-block sums
        int blocks = job.K / 32;
        for (int i = job.N; i < padded; i++)
        {
            // Copies of the last row keep the 4-row kernel inside the buffers; their sums are not stored.
            new ReadOnlySpan<sbyte>(job.Q + ((long)(job.N - 1) * job.K), job.K).CopyTo(new Span<sbyte>(job.Q + ((long)i * job.K), job.K));
            new ReadOnlySpan<float>(job.D + ((long)(job.N - 1) * blocks), blocks).CopyTo(new Span<float>(job.D + ((long)i * blocks), blocks));
            new ReadOnlySpan<int>(job.S + ((long)(job.N - 1) * blocks), blocks).CopyTo(new Span<int>(job.S + ((long)i * blocks), blocks));
        }
        int groups = job.M / RowInterleave.Rows;
        int units = job.N == 1 || kQuant ? groups : ((padded + QuantRowBlock - 1) / QuantRowBlock) * ((groups + 1) / 2);
        int partitions = Math.Min(partitionsWanted, Math.Max(1, units));
        if (QuantKernel is QuantKernel.AvxVnni512) { RunInterleaved<X86InterleavedDot<Vnni512ByteDot>>(job, padded, partitions); }
        else if (QuantKernel is QuantKernel.AvxVnni) { RunInterleaved<X86InterleavedDot<VnniByteDot>>(job, padded, partitions); }
        else if (QuantKernel is QuantKernel.Avx2) { RunInterleaved<X86InterleavedDot<Avx2ByteDot>>(job, padded, partitions); }
        else if (QuantKernel is QuantKernel.Vector128 && UseArmDotProduct) { RunInterleaved<Vector128InterleavedDot<ArmDotBytes>>(job, padded, partitions); }
        else if (QuantKernel is QuantKernel.Vector128) { RunInterleaved<Vector128InterleavedDot<WideningBytes>>(job, padded, partitions); }
        else { RunInterleaved<ScalarInterleavedDot>(job, padded, partitions); }
    }

    private void RunInterleaved<TDot>(QuantMatMulJob inner, int padded, int partitions)
        where TDot : struct, IInterleavedDot
    {
        // One claim counter per partition, a cache line apart, on this call's stack: the workers
        // use it only while Run waits here, and concurrent calls (run inline) each have their own.
        int* claims = stackalloc int[partitions * ClaimStride];
        new Span<int>(claims, partitions * ClaimStride).Clear();
        var job = new InterleavedJob<TDot> { Inner = inner, Padded = padded, Claims = claims, Streams = DecodeStreams };
        Pool.Run(ref job, partitions);
    }

    private struct InterleavedJob<TDot> : IParallelJob
        where TDot : struct, IInterleavedDot
    {
        public QuantMatMulJob Inner;
        public int Padded;
        public int* Claims;
        public int Streams; // 8 or 2 (DecodeStreams)

        public readonly void Execute(int partition, int partitionCount)
        {
            QuantMatMulJob j = Inner;
            int groups = j.M / RowInterleave.Rows;
            // 8 groups × 8 rows; K-quants: × up to KQuantRows x-rows.
            float* results = stackalloc float[64 * KQuantRows];
            if (j.N == 1 || IsKQuant(j.WType))
            {
                Decode(partition, partitionCount, groups, results);
                return;
            }
            int colBlocks = (groups + 1) / 2;
            int rowBlocks = (Padded + QuantRowBlock - 1) / QuantRowBlock;
            (int first, int last) = PartitionRange(partition, partitionCount, rowBlocks * colBlocks);
            int blocks = j.K / 32;
            long groupBytes = 8 * (long)j.RowBytes;
            bool q8 = j.WType == DType.Q8_0x8;
            for (int tile = first; tile < last; tile++)
            {
                int i0 = tile / colBlocks * QuantRowBlock, i1 = Math.Min(Padded, i0 + QuantRowBlock);
                int gA = tile % colBlocks * 2, gB = Math.Min(groups, gA + 2);
                for (int i = i0; i < i1; i += 4)
                {
                    sbyte* q = j.Q + ((long)i * j.K);
                    float* d = j.D + ((long)i * blocks);
                    int* o = j.S + ((long)i * blocks);
                    for (int g = gA; g < gB; g++)
                    {
                        byte* w = j.W + (g * groupBytes);
                        // The tile's first 4 x-rows read each group from memory; the rest find it in cache.
                        if (q8) { TDot.Q8_0x4(w, blocks, q, d, o, j.K, blocks, results, fromMemory: i == i0); }
                        else { TDot.Q4_0x4(w, blocks, q, d, o, j.K, blocks, results, fromMemory: i == i0); }
                        for (int r = 0; r < 4 && i + r < j.N; r++)
                        {
                            Store(j.Y + ((long)(i + r) * j.M), g * 8, results + (8 * r));
                        }
                    }
                }
            }
        }

        /// <summary>
        /// The one x-row: each partition's groups are walked in <see cref="Streams"/> parts in step,
        /// then the rest in 4 quarters, and a short tail that repeats its last group (results dropped).
        /// 8 streams per thread on Intel: a read-only probe of this access pattern (2 threads, 144-byte
        /// steps, 1152-byte prefetch, one 12.7 MB matrix per barrier) read 25–30 GB/s against 18–26 with
        /// 4 streams, in alternating runs; a 3B model's 252 decode matvecs ran 7–9% faster (Q4_0 and
        /// Q8_0, paired). 2 on AMD (DecodeStreams). Steps of the walk are claimed through a per-partition
        /// counter, and a thread that has finished its own partition claims the others' remaining steps:
        /// on a shared machine a thread that loses its core for a while no longer holds the other one
        /// at the barrier.
        /// </summary>
        private readonly void Decode(int partition, int partitionCount, int groups, float* results)
        {
            Parts(partition, partitionCount, groups, results);
            (int g0, int g1) = PartitionRange(partition, partitionCount, groups);
            int walked = g0 + (Streams * ((g1 - g0) / Streams));
            if (IsKQuant(Inner.WType))
            {
                KQuantRest(walked, g1, results);
            }
            else
            {
                Rest(walked, g1, results);
            }
            for (int other = 1; other < partitionCount; other++)
            {
                Parts((partition + other) % partitionCount, partitionCount, groups, results);
            }
        }

        /// <summary>Claims and runs steps of <paramref name="owner"/>'s walk in parts until none are left.</summary>
        private readonly void Parts(int owner, int partitionCount, int groups, float* results)
        {
            QuantMatMulJob j = Inner;
            (int g0, int g1) = PartitionRange(owner, partitionCount, groups);
            int blocks = j.K / 32;
            long groupBytes = 8 * (long)j.RowBytes;
            bool q8 = j.WType == DType.Q8_0x8;
            int part = (g1 - g0) / Streams;
            nint partBytes = (nint)(part * groupBytes);
            bool kQuant = IsKQuant(j.WType);
            while (TryClaim(ref Claims[owner * ClaimStride], part, out int t))
            {
                int g = g0 + t;
                if (kQuant)
                {
                    KQuantStep(g, part, Streams, results);
                    continue;
                }
                byte* w = j.W + (g * groupBytes);
                if (Streams == 2)
                {
                    if (q8) { TDot.Q8_0w2(w, partBytes, blocks, j.Q, j.D, j.S, results); }
                    else { TDot.Q4_0w2(w, partBytes, blocks, j.Q, j.D, j.S, results); }
                }
                else if (q8) { TDot.Q8_0w8(w, partBytes, blocks, j.Q, j.D, j.S, results); }
                else { TDot.Q4_0w8(w, partBytes, blocks, j.Q, j.D, j.S, results); }
                for (int s = 0; s < Streams; s++)
                {
                    Store(j.Y, (g + (s * part)) * 8, results + (8 * s));
                }
            }
        }

        /// <summary>Groups [g0, g1) after a partition's eighth walk: 4 quarters in step, then a tail.</summary>
        private readonly void Rest(int g0, int g1, float* results)
        {
            QuantMatMulJob j = Inner;
            int blocks = j.K / 32;
            long groupBytes = 8 * (long)j.RowBytes;
            bool q8 = j.WType == DType.Q8_0x8;
            int quarter = (g1 - g0) / 4;
            for (int t = 0; t < quarter; t++)
            {
                int g = g0 + t;
                byte* w = j.W + (g * groupBytes);
                long step = quarter * groupBytes;
                Kernel(q8, w, w + step, w + (2 * step), w + (3 * step), blocks, results);
                for (int s = 0; s < 4; s++)
                {
                    Store(j.Y, (g + (s * quarter)) * 8, results + (8 * s));
                }
            }
            for (int g = g0 + (4 * quarter); g < g1; g += 4)
            {
                int count = Math.Min(4, g1 - g);
                byte* w0 = j.W + (g * groupBytes);
                byte* w1 = j.W + ((g + Math.Min(1, count - 1)) * groupBytes);
                byte* w2 = j.W + ((g + Math.Min(2, count - 1)) * groupBytes);
                byte* w3 = j.W + ((g + Math.Min(3, count - 1)) * groupBytes);
                Kernel(q8, w0, w1, w2, w3, blocks, results);
                for (int s = 0; s < count; s++)
                {
                    Store(j.Y, (g + s) * 8, results + (8 * s));
                }
            }
        }

        /// <summary>Like <see cref="Rest"/> for K-quants, whose kernel takes any number of groups (a tail's are not repeated) and every x-row.</summary>
        private readonly void KQuantRest(int g0, int g1, float* results)
        {
            int quarter = (g1 - g0) / 4;
            for (int g = g0; g < g0 + quarter; g++)
            {
                KQuantStep(g, quarter, 4, results);
            }
            for (int g = g0 + (4 * quarter); g < g1; g += 4)
            {
                KQuantStep(g, 1, Math.Min(4, g1 - g), results);
            }
        }

        /// <summary>
        /// Groups g, g + apart, … (<paramref name="count"/> ≤ 8 of them) against every x-row, into y: while
        /// the step's bytes sit in L2 (≤ 578 KB for 8 groups at k = 11008), one read from memory; the
        /// x-rows go through the kernel 4 at a time, which unpacks each weight vector once for all of them.
        /// </summary>
        private readonly void KQuantStep(int g, int apart, int count, float* results)
        {
            QuantMatMulJob j = Inner;
            long groupBytes = 8 * (long)j.RowBytes;
            byte** streams = stackalloc byte*[8];
            for (int s = 0; s < count; s++)
            {
                streams[s] = j.W + ((g + (s * apart)) * groupBytes);
            }
            for (int i = 0; i < j.N; i += KQuantRows)
            {
                int rows = Math.Min(KQuantRows, j.N - i);
                KQuant(streams, count, i, rows, results);
                for (int r = 0; r < rows; r++)
                {
                    for (int s = 0; s < count; s++)
                    {
                        Store(j.Y + ((long)(i + r) * j.M), (g + (s * apart)) * 8, results + (64 * r) + (8 * s));
                    }
                }
            }
        }

        private readonly void Kernel(bool q8, byte* w0, byte* w1, byte* w2, byte* w3, int blocks, float* results)
        {
            QuantMatMulJob j = Inner;
            if (q8) { TDot.Q8_0w4(w0, w1, w2, w3, blocks, j.Q, j.D, j.S, results); }
            else { TDot.Q4_0w4(w0, w1, w2, w3, blocks, j.Q, j.D, j.S, results); }
        }

        /// <summary>A K-quant kernel call over <paramref name="count"/> groups at streams[0..count) for x-rows [first, first + rows).</summary>
        private readonly void KQuant(byte** streams, int count, int first, int rows, float* results)
        {
            QuantMatMulJob j = Inner;
            sbyte* q = j.Q + ((long)first * j.K);
            float* d = j.D + ((long)first * j.K / 32), side = j.Side + ((long)first * j.K / 16);
            if (j.WType == DType.Q4_Kx8) { TDot.Q4_K(streams, count, j.K / 256, rows, q, d, side, results); }
            else { TDot.Q6_K(streams, count, j.K / 256, rows, q, d, (int*)side, results); }
        }

        /// <summary>
        /// 8 sums to y[col..col+8) plus the bias, as one vector: the scalar loop it replaces took
        /// 1.8% of a 3B Q4_0 decode step's perf samples (1.2 M rows a token), this 0.6%.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly void Store(float* y, int col, float* sums)
        {
            Vector256<float> s = Vector256.Load(sums);
            float* bias = Inner.Bias;
            (bias == null ? s : s + Vector256.Load(bias + col)).Store(y + col);
        }
    }
}
