// CpuBackend's matmul y[n, m] = x[n, k] · W[m, k]ᵀ + bias. The output is cut into tiles of
// RowBlock x-rows by ColBlock weight rows; each weight row of a tile is widened once (BF16/F16)
// into a per-thread float row and then dotted against 4 x-rows at a time. The whole matrix is
// never widened: checkpoints stay BF16 in memory. Cache blocking over k and packed micro-kernels
// are deliberately left for the optimization issue.
using System.Runtime.Intrinsics;

namespace QwenVL.Tensors;

public sealed unsafe partial class CpuBackend
{
    // 64 x-rows share each widened weight row, so widening costs ~1/64 of the multiply work when
    // n is large; 16 weight rows per tile give decode (n = 1) 1/16-sized slices of m to spread.
    private const int RowBlock = 64;
    private const int ColBlock = 16;

    // Products below this many multiply-adds run on the caller: waking the pool would dominate.
    private const long ParallelMultiplyAdds = 1 << 16;

    /// <inheritdoc/>
    public void MatMul(ReadOnlySpan<float> x, int n, int k, in TensorView w, ReadOnlySpan<float> bias, Span<float> y)
    {
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
