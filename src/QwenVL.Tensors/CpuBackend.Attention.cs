// CpuBackend's attention: tiled online softmax (flash-attention style). Each (head, block of
// QueryBlock queries) keeps a running max, running sum and output accumulator per query and
// streams keys in blocks of KeyBlock, so no qRows × kvRows score matrix ever exists (vision
// towers attend over ~16k patches: that matrix would be 1 GiB per head). This file's path computes
// scores one dot product at a time; it runs at the scalar level and for head sizes that are not
// whole vectors. Vector levels take the register-tiled path in CpuBackend.AttentionTiled.cs.
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace QwenVL.Tensors;

public sealed unsafe partial class CpuBackend
{
    // 16 queries share each loaded key/value block (16 · 64 · headDim floats stay in L1/L2);
    // 64 keys per block keep the per-query score buffer at 256 bytes.
    private const int QueryBlock = 16;
    private const int KeyBlock = 64;

    /// <inheritdoc/>
    public void Attention(
        ReadOnlySpan<float> q, int qRows, int qStride,
        ReadOnlySpan<float> k, ReadOnlySpan<float> v, int kvRows, int kvStride,
        int numHeads, int numKvHeads, int headDim, float scale, int causalOffset,
        Span<float> output, int outStride, int kvHeadStride = 0)
    {
        BackendChecks.Attention(q.Length, qRows, qStride, k.Length, v.Length, kvRows, kvStride,
            numHeads, numKvHeads, headDim, causalOffset, output.Length, outStride, kvHeadStride);
        int headStride = kvHeadStride == 0 ? headDim : kvHeadStride;
        int queryBlocks = (qRows + QueryBlock - 1) / QueryBlock;
        fixed (float* pq = q, pk = k, pv = v, po = output)
        {
            if (UseGemmAttention(qRows, kvRows, headDim))
            {
                AttentionByGemm(pq, qRows, qStride, pk, pv, kvRows, kvStride, headStride, numHeads, numKvHeads, headDim, scale, causalOffset, po, outStride);
                return;
            }
            var job = new AttentionJob
            {
                Q = pq, K = pk, V = pv, Out = po, QRows = qRows, QStride = qStride, KvRows = kvRows, KvStride = kvStride, KvHeadStride = headStride,
                Group = numHeads / numKvHeads, HeadDim = headDim, Scale = scale, CausalOffset = causalOffset,
                OutStride = outStride, QueryBlocks = queryBlocks, Units = numHeads * queryBlocks, Level = Level,
                NarrowTiles = NarrowAttentionTiles,
            };
            Pool.Run(ref job, Math.Min(job.Units, Pool.ThreadCount));
        }
    }

    private partial struct AttentionJob : IParallelJob
    {
        public float* Q, K, V, Out;
        public int QRows, QStride, KvRows, KvStride, Group, HeadDim, CausalOffset, OutStride, QueryBlocks, Units;
        public long KvHeadStride; // floats from one KV head's row j to the next head's (HeadDim when side by side)
        public float Scale;
        public SimdLevel Level;
        public bool NarrowTiles; // CpuBackend.NarrowAttentionTiles

        public readonly void Execute(int partition, int partitionCount)
        {
            // Decode with ≤ 8 (row, head) queries per KV head on AVX-512: two lanes per query
            // (CpuBackend.AttentionPairs.cs), full-width FMAs.
            if (Level >= SimdLevel.Vector512 && HeadDim % Vector512<float>.Count == 0 && PairPacked(Vector512<float>.Count))
            {
                RunPairPacked<V512Ops, Vector512<float>>(partition, partitionCount);
                return;
            }
            // The register-tiled path (CpuBackend.AttentionTiled.cs) where the head splits into whole vectors.
            // Decode with grouped KV heads packs ≤ 16 (row, head) queries per KV head: 256-bit lanes
            // (16 per block) waste half as many as 512-bit ones (32 per block).
            if (Level >= SimdLevel.Vector256 && HeadDim % Vector256<float>.Count == 0 && Group > 1 && (long)QRows * Group <= 16)
            {
                RunTiled<V256Ops, Vector256<float>>(partition, partitionCount);
                return;
            }
            switch (Level)
            {
                case SimdLevel.Vector512 when HeadDim % Vector512<float>.Count == 0: RunTiled<V512Ops, Vector512<float>>(partition, partitionCount); return;
                case SimdLevel.Vector256 when HeadDim % Vector256<float>.Count == 0: RunTiled<V256Ops, Vector256<float>>(partition, partitionCount); return;
                case SimdLevel.Vector128 when HeadDim % Vector128<float>.Count == 0: RunTiled<V128Ops, Vector128<float>>(partition, partitionCount); return;
            }
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
            (int first, int last) = PartitionRange(partition, partitionCount, Units);
            // Scratch layout: [QueryBlock·HeadDim accumulators | QueryBlock maxima | QueryBlock sums | KeyBlock scores].
            float[] scratch = ThreadScratch.Get((QueryBlock * (HeadDim + 2)) + KeyBlock);
            for (int unit = first; unit < last; unit++)
            {
                int head = unit / QueryBlocks;
                int i0 = unit % QueryBlocks * QueryBlock;
                int i1 = Math.Min(QRows, i0 + QueryBlock);
                QueryBlockAttention<TOps, TVec>(head, i0, i1, scratch);
            }
        }

        private readonly void QueryBlockAttention<TOps, TVec>(int head, int i0, int i1, float[] scratch)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
        {
            int count = i1 - i0;
            Span<float> acc = scratch.AsSpan(0, count * HeadDim);
            Span<float> max = scratch.AsSpan(QueryBlock * HeadDim, count);
            Span<float> sum = scratch.AsSpan((QueryBlock * HeadDim) + QueryBlock, count);
            Span<float> scores = scratch.AsSpan(QueryBlock * (HeadDim + 2), KeyBlock);
            acc.Clear();
            max.Fill(float.NegativeInfinity);
            sum.Clear();

            bool causal = CausalOffset >= 0;
            long kvOffset = head / Group * KvHeadStride;
            // The block's last query sees the most keys: j < causalOffset + i1.
            int keyEnd = causal ? Math.Min(KvRows, CausalOffset + i1) : KvRows;
            for (int j0 = 0; j0 < keyEnd; j0 += KeyBlock)
            {
                int blockEnd = Math.Min(keyEnd, j0 + KeyBlock);
                for (int qi = 0; qi < count; qi++)
                {
                    int i = i0 + qi;
                    int visibleEnd = causal ? Math.Min(blockEnd, CausalOffset + i + 1) : blockEnd;
                    int visible = visibleEnd - j0;
                    if (visible <= 0)
                    {
                        continue;
                    }
                    ref float query = ref Q[((long)i * QStride) + ((long)head * HeadDim)];
                    Span<float> s = scores[..visible];
                    for (int jj = 0; jj < visible; jj++)
                    {
                        ref float key = ref K[((long)(j0 + jj) * KvStride) + kvOffset];
                        s[jj] = Scale * SimdKernels<TOps, TVec>.Dot(ref query, ref key, HeadDim);
                    }

                    // Online softmax: when the running max grows, rescale what was accumulated
                    // under the old max by exp(old − new) before adding this block's terms.
                    float oldMax = max[qi];
                    float newMax = MathF.Max(oldMax, TensorPrimitives.Max(s));
                    ref float accRow = ref acc[qi * HeadDim];
                    if (newMax > oldMax && sum[qi] != 0f)
                    {
                        float correction = MathF.Exp(oldMax - newMax);
                        sum[qi] *= correction;
                        SimdKernels<TOps, TVec>.Scale(ref accRow, correction, HeadDim);
                    }
                    max[qi] = newMax;
                    TensorPrimitives.Subtract(s, newMax, s);
                    TensorPrimitives.Exp(s, s);
                    sum[qi] += TensorPrimitives.Sum(s);
                    for (int jj = 0; jj < visible; jj++)
                    {
                        ref float value = ref V[((long)(j0 + jj) * KvStride) + kvOffset];
                        SimdKernels<TOps, TVec>.AddScaled(ref accRow, s[jj], ref value, HeadDim);
                    }
                }
            }

            for (int qi = 0; qi < count; qi++)
            {
                var o = new Span<float>(Out + ((long)(i0 + qi) * OutStride) + ((long)head * HeadDim), HeadDim);
                // A query that sees no key (only when kvRows is 0) gets zeros, like the reference.
                float inverse = sum[qi] == 0f ? 0f : 1f / sum[qi];
                TensorPrimitives.Multiply(acc.Slice(qi * HeadDim, HeadDim), inverse, o);
            }
        }
    }
}
