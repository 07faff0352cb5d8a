// CpuBackend's matmul y[n, m] = x[n, k] · W[m, k]ᵀ + bias. From GemmMinRows x-rows up it runs the
// packed, cache-blocked GEMM in Gemm/ (prefill, vision tower). Below that (decode) the output is cut
// into tiles of RowBlock x-rows by ColBlock weight rows; each weight row of a tile is widened once
// (F16, and BF16 at the scalar level) into a per-thread float row and dotted against 4 x-rows at a
// time; BF16 at vector levels widens in registers instead (CpuBackend.Bf16Decode.cs). The whole matrix
// is never widened: checkpoints stay BF16 in memory; only KC×NC blocks are, per thread.
using System.Runtime.Intrinsics;
using QwenVL.Tensors.Gemm;

namespace QwenVL.Tensors;

public sealed unsafe partial class CpuBackend
{
    // 64 x-rows share each widened weight row, so widening costs ~1/64 of the multiply work when
    // n is large; 16 weight rows per tile give decode (n = 1) 1/16-sized slices of m to spread.
    private const int RowBlock = 64;
    private const int ColBlock = 16;

    // Products below this many multiply-adds run on the caller: waking the pool would dominate.
    private const long ParallelMultiplyAdds = 1 << 16;

    // From this many x-rows on, the packed GEMM wins. Packing W is a fixed cost (~12 ms for a
    // 2048×11008 BF16 matrix on one core here), the row kernel's cost grows with n: measured
    // 9.3 ms (row) vs 13.4 ms (GEMM) at n = 4, 23.5 vs 14.5 ms at n = 8. Decode (n = 1) stays on
    // the row-widening path.
    internal const int GemmMinRows = 6;

    /// <summary>Creates the backend with a matmul precision (see <see cref="MatMulPrecision"/>).</summary>
    /// <param name="threads">Compute threads including the caller; 0 means <see cref="Environment.ProcessorCount"/>.</param>
    /// <param name="maxSimd">Widest vector level to use; the hardware's best level caps it.</param>
    /// <param name="precision">
    /// <see cref="MatMulPrecision.FastBf16"/> is honoured only where a BF16 kernel can run (Linux x64 at
    /// the Vector512 level with AMX-BF16, else avx512_bf16); elsewhere the backend stays
    /// <see cref="MatMulPrecision.Exact"/>, and <see cref="Precision"/> says which one is in effect.
    /// The name gets "-bf16" when it is.
    /// </param>
    public CpuBackend(int threads, SimdLevel maxSimd, MatMulPrecision precision)
        : this(threads, maxSimd)
    {
        if (precision == MatMulPrecision.FastBf16 && Level == SimdLevel.Vector512)
        {
            // AMX first: tdpbf16ps peaks at 2 TFLOP/s per core here (the whole GEMM reaches 500–700
            // GFLOP/s per core), against ~85 GFLOP/s for vdpbf16ps, which on this Emerald Rapids runs
            // at half the float32 FMA rate (see Jit/Bf16Kernel.cs).
            FastKernel = AmxKernel.IsAvailable ? Bf16KernelKind.Amx
                : Bf16Kernel.IsAvailable ? Bf16KernelKind.Avx512Bf16
                : Bf16KernelKind.None;
            if (FastKernel != Bf16KernelKind.None)
            {
                Precision = MatMulPrecision.FastBf16;
                Name += "-bf16";
            }
        }
    }

    /// <summary>The matmul precision in effect (FastBf16 only where requested and supported).</summary>
    public MatMulPrecision Precision { get; } = MatMulPrecision.Exact;

    /// <summary>Which BF16 kernel FastBf16 runs; tests force the vdpbf16ps one on AMX machines.</summary>
    internal Bf16KernelKind FastKernel { get; set; }

    /// <summary>Tests shrink the GEMM blocks to exercise every block edge on small shapes.</summary>
    internal GemmBlocking? BlockingOverride { get; set; }

    /// <inheritdoc/>
    public void MatMul(ReadOnlySpan<float> x, int n, int k, in TensorView w, ReadOnlySpan<float> bias, Span<float> y)
    {
        if (DTypeInfo.IsQuantized(w.DType)) { MatMulQuantized(x, n, k, w, bias, y); return; }
        int m = BackendChecks.MatMul(x.Length, n, k, w, bias.Length, y.Length);
        if (n == 0 || m == 0)
        {
            return;
        }
        if (k == 0)
        {
            // An empty sum: every output is just its bias.
            for (int i = 0; i < n; i++)
            {
                Span<float> row = y.Slice(i * m, m);
                if (bias.IsEmpty) { row.Clear(); } else { bias.CopyTo(row); }
            }
            return;
        }
        if (n >= GemmMinRows)
        {
            RunGemm(x, n, k, w, bias, y, m);
            return;
        }
        if (w.DType == DType.BF16 && Level != SimdLevel.Scalar)
        {
            fixed (float* px = x, pb = bias, py = y)
            {
                MatMulBf16Decode(px, n, k, (ushort*)w.Data, bias.IsEmpty ? null : pb, py, m);
            }
            return;
        }
        int rowBlocks = (n + RowBlock - 1) / RowBlock;
        int colBlocks = (m + ColBlock - 1) / ColBlock;
        int tiles = rowBlocks * colBlocks;
        fixed (float* px = x, pb = bias, py = y)
        {
            var job = new MatMulJob
            {
                X = px, Y = py, Bias = bias.IsEmpty ? null : pb, W = (byte*)w.Data, WType = w.DType,
                N = n, K = k, M = m, ColBlocks = colBlocks, Tiles = tiles, Level = Level,
            };
            int partitions = (long)n * m * k < ParallelMultiplyAdds ? 1 : Math.Min(tiles, Pool.ThreadCount);
            Pool.Run(ref job, partitions);
        }
    }

    private void RunGemm(ReadOnlySpan<float> x, int n, int k, in TensorView w, ReadOnlySpan<float> bias, Span<float> y, int m)
    {
        fixed (float* px = x, pb = bias, py = y)
        {
            float* b = bias.IsEmpty ? null : pb;
            byte* pw = (byte*)w.Data;
            if (Precision == MatMulPrecision.FastBf16 && FastKernel == Bf16KernelKind.Amx)
            {
                RunGemm<AmxKernel>(px, n, k, pw, w.DType, b, py, m, BlockingOverride ?? GemmBlocking.Bf16);
                return;
            }
            if (Precision == MatMulPrecision.FastBf16)
            {
                RunGemm<Bf16Kernel>(px, n, k, pw, w.DType, b, py, m, BlockingOverride ?? GemmBlocking.Bf16);
                return;
            }
            GemmBlocking blocking = BlockingOverride ?? GemmBlocking.Float32;
            switch (Level)
            {
                case SimdLevel.Vector512: RunGemm<Kernel12x32V512>(px, n, k, pw, w.DType, b, py, m, blocking); break;
                case SimdLevel.Vector256: RunGemm<Kernel6x16V256>(px, n, k, pw, w.DType, b, py, m, blocking); break;
                case SimdLevel.Vector128: RunGemm<Kernel6x8V128>(px, n, k, pw, w.DType, b, py, m, blocking); break;
                default: RunGemm<Kernel6x2Scalar>(px, n, k, pw, w.DType, b, py, m, blocking); break;
            }
        }
    }

    private void RunGemm<TKernel>(float* x, int n, int k, byte* w, DType dtype, float* bias, float* y, int m, GemmBlocking blocking)
        where TKernel : struct, IGemmKernel
    {
        int threads = (long)n * m * k < ParallelMultiplyAdds ? 1 : Pool.ThreadCount;
        (int rowParts, int colParts) = GemmJob<TKernel>.Grid(n, m, threads);
        var job = new GemmJob<TKernel>
        {
            X = x, Y = y, Bias = bias, W = w, WType = dtype, N = n, K = k, M = m,
            RowParts = rowParts, ColParts = colParts, Blocking = blocking,
        };
        Pool.Run(ref job, rowParts * colParts);
    }

    private struct MatMulJob : IParallelJob
    {
        public float* X, Y, Bias;
        public byte* W;
        public DType WType;
        public int N, K, M, ColBlocks, Tiles;
        public SimdLevel Level;

        public readonly void Execute(int partition, int partitionCount)
        {
            switch (Level)
            {
                case SimdLevel.Vector512: Run<V512Ops, Vector512<float>>(partition, partitionCount); break;
                case SimdLevel.Vector256: Run<V256Ops, Vector256<float>>(partition, partitionCount); break;
                case SimdLevel.Vector128: Run<V128Ops, Vector128<float>>(partition, partitionCount); break;
                default: Run<ScalarOps, float>(partition, partitionCount); break;
            }
        }

        private readonly void Run<TOps, TVec>(int partition, int partitionCount)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
        {
            (int first, int last) = PartitionRange(partition, partitionCount, Tiles);
            // Tiles are numbered row-block-major, so with n = 1 each partition gets a contiguous
            // slice of the output columns, and with large n a run of column blocks of one row block.
            float[]? scratch = WType == DType.F32 ? null : ThreadScratch.Get(K);
            for (int tile = first; tile < last; tile++)
            {
                int i0 = tile / ColBlocks * RowBlock;
                int i1 = Math.Min(N, i0 + RowBlock);
                int j0 = tile % ColBlocks * ColBlock;
                int j1 = Math.Min(M, j0 + ColBlock);
                for (int j = j0; j < j1; j++)
                {
                    ref float wRow = ref WeightRow(j, scratch);
                    float b = Bias is null ? 0f : Bias[j];
                    int i = i0;
                    for (; i + 4 <= i1; i += 4)
                    {
                        float* x0 = X + ((long)i * K);
                        SimdKernels<TOps, TVec>.Dot4(ref x0[0], ref x0[K], ref x0[2 * K], ref x0[3 * K], ref wRow, K,
                            out float d0, out float d1, out float d2, out float d3);
                        float* yCol = Y + ((long)i * M) + j;
                        yCol[0] = d0 + b;
                        yCol[M] = d1 + b;
                        yCol[2 * M] = d2 + b;
                        yCol[3 * M] = d3 + b;
                    }
                    for (; i < i1; i++)
                    {
                        Y[((long)i * M) + j] = SimdKernels<TOps, TVec>.Dot(ref X[(long)i * K], ref wRow, K) + b;
                    }
                }
            }
        }

        /// <summary>Row <paramref name="j"/> of W as floats: in place for F32, else widened into <paramref name="scratch"/>.</summary>
        private readonly ref float WeightRow(int j, float[]? scratch)
        {
            if (scratch is null)
            {
                return ref ((float*)W)[(long)j * K];
            }
            int size = DTypeInfo.SizeOf(WType);
            var bytes = new ReadOnlySpan<byte>(W + ((long)j * K * size), K * size);
            Numerics.ToFloat(bytes, WType, scratch);
            return ref scratch[0];
        }
    }
}
