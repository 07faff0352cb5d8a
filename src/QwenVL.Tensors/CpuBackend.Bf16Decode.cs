// CpuBackend's decode-shaped matmul over BF16 weights (1 to GemmMinRows-1 x-rows): each thread takes
// a contiguous slice of weight rows and walks it in 4 quarters in step, so 4 memory streams are in
// flight per thread (one stream reads ~11 GB/s here, four ~18 GB/s); one x-row on AVX-512 walks 8
// eighths first (8 streams, 6–8% faster again over a 3B model's matvecs; a thread done early takes
// the others' remaining eighth steps); x is split into even/odd
// lanes once per call. x-rows go 4, 2 or 1 at a time against each group of 4 weight rows, which
// stays in L1/L2 between x-groups, so a weight byte comes from memory once per call whatever n is.
// The scalar level keeps the row-widening path (the plain reference).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using QwenVL.Tensors.Decode;

namespace QwenVL.Tensors;

public sealed unsafe partial class CpuBackend
{
    private void MatMulBf16Decode(float* x, int n, int k, ushort* w, float* bias, float* y, int m)
    {
        // The caller's scratch, pinned for the call: the job's partitions (this thread's included)
        // only read it and take no scratch of their own.
        fixed (float* split = ThreadScratch.Get(n * k))
        {
            for (int i = 0; i < n; i++)
            {
                float* row = x + ((long)i * k), to = split + ((long)i * k);
                switch (Level)
                {
                    case SimdLevel.Vector512: Bf16MatVec<Bf16Lanes512, Vector512<float>>.Split(row, k, to); break;
                    case SimdLevel.Vector256: Bf16MatVec<Bf16Lanes256, Vector256<float>>.Split(row, k, to); break;
                    default: Bf16MatVec<Bf16Lanes128, Vector128<float>>.Split(row, k, to); break;
                }
            }
            // At least 16 weight rows per thread, so each of its 4 streams gets a few rows.
            int partitions = (long)n * m * k < ParallelMultiplyAdds ? 1 : Math.Min(Math.Max(1, m / 16), Pool.ThreadCount);
            // The eighth walk's claim counters (see CpuBackend.Interleaved.cs), on this call's stack.
            int* claims = stackalloc int[partitions * ClaimStride];
            new Span<int>(claims, partitions * ClaimStride).Clear();
            var job = new Bf16DecodeJob { W = w, Split = split, Y = y, Bias = bias, N = n, K = k, M = m, Level = Level, Claims = claims };
            Pool.Run(ref job, partitions);
        }
    }

    private struct Bf16DecodeJob : IParallelJob
    {
        public ushort* W;
        public float* Split, Y, Bias;
        public int N, K, M;
        public SimdLevel Level;
        public int* Claims;

        public readonly void Execute(int partition, int partitionCount)
        {
            switch (Level)
            {
                case SimdLevel.Vector512: Run<Bf16Lanes512, Vector512<float>>(partition, partitionCount); break;
                case SimdLevel.Vector256: Run<Bf16Lanes256, Vector256<float>>(partition, partitionCount); break;
                default: Run<Bf16Lanes128, Vector128<float>>(partition, partitionCount); break;
            }
        }

        private readonly void Run<TLanes, TVec>(int partition, int partitionCount)
            where TLanes : struct, IBf16Lanes<TVec>
            where TVec : struct
        {
            (int c0, int c1) = PartitionRange(partition, partitionCount, M);
            float* r = stackalloc float[16];
            bool eighths = N == 1 && Level == SimdLevel.Vector512;
            if (eighths)
            {
                // One x-row on AVX-512 (32 vector registers for the 16 accumulators): 8 streams in
                // step, 8 eighths of the slice; the rest below. A 3B model's BF16 decode matvecs ran
                // 6–8% faster than with 4 streams (paired runs). Steps are claimed, and the others'
                // are taken once this slice is done, as in the interleaved quantized walk.
                Eighths<TLanes, TVec>(partition, partitionCount, r);
                c0 += 8 * ((c1 - c0) / 8);
            }
            Rest<TLanes, TVec>(c0, c1, r);
            for (int other = 1; eighths && other < partitionCount; other++)
            {
                Eighths<TLanes, TVec>((partition + other) % partitionCount, partitionCount, r);
            }
        }

        /// <summary>Claims and runs steps of <paramref name="owner"/>'s eighth walk until none are left.</summary>
        private readonly void Eighths<TLanes, TVec>(int owner, int partitionCount, float* r)
            where TLanes : struct, IBf16Lanes<TVec>
            where TVec : struct
        {
            (int c0, int c1) = PartitionRange(owner, partitionCount, M);
            int eighth = (c1 - c0) / 8;
            while (TryClaim(ref Claims[owner * ClaimStride], eighth, out int t))
            {
                Bf16MatVec<TLanes, TVec>.Rows8X1(W + ((long)(c0 + t) * K), (long)eighth * K, Split, K, r);
                for (int q = 0; q < 8; q++)
                {
                    int col = c0 + t + (q * eighth);
                    Y[col] = r[q] + (Bias == null ? 0f : Bias[col]);
                }
            }
        }

        /// <summary>Weight rows [c0, c1) in 4 quarters in step, then the 0–3 left over.</summary>
        private readonly void Rest<TLanes, TVec>(int c0, int c1, float* r)
            where TLanes : struct, IBf16Lanes<TVec>
            where TVec : struct
        {
            int quarter = (c1 - c0) / 4;
            for (int t = 0; t < quarter; t++)
            {
                Rows<TLanes, TVec>(c0 + t, quarter, r);
            }
            // The 0-3 rows left over: the same row 4 times (the extra dots are discarded).
            for (int col = c0 + (4 * quarter); col < c1; col++)
            {
                Rows<TLanes, TVec>(col, 0, r);
            }
        }

        /// <summary>Weight rows col, col+stride, col+2·stride, col+3·stride against every x-row.</summary>
        private readonly void Rows<TLanes, TVec>(int col, int stride, float* r)
            where TLanes : struct, IBf16Lanes<TVec>
            where TVec : struct
        {
            ushort* w0 = W + ((long)col * K);
            long step = (long)stride * K;
            ushort* w1 = w0 + step, w2 = w0 + (2 * step), w3 = w0 + (3 * step);
            int i = 0;
            for (; i + 4 <= N; i += 4)
            {
                Bf16MatVec<TLanes, TVec>.Rows4X4(w0, w1, w2, w3, Split + ((long)i * K), K, r);
                Store(i, 4, col, stride, r);
            }
            if (i + 2 <= N)
            {
                Bf16MatVec<TLanes, TVec>.Rows4X2(w0, w1, w2, w3, Split + ((long)i * K), K, r);
                Store(i, 2, col, stride, r);
                i += 2;
            }
            if (i < N)
            {
                Bf16MatVec<TLanes, TVec>.Rows4X1(w0, w1, w2, w3, Split + ((long)i * K), K, r);
                Store(i, 1, col, stride, r);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly void Store(int i0, int rows, int col, int stride, float* r)
        {
            int weightRows = stride == 0 ? 1 : 4;
            for (int x = 0; x < rows; x++)
            {
                float* yRow = Y + ((long)(i0 + x) * M);
                for (int q = 0; q < weightRows; q++)
                {
                    int c = col + (q * stride);
                    yRow[c] = r[(4 * x) + q] + (Bias == null ? 0f : Bias[c]);
                }
            }
        }
    }
}
