// Decode attention when a KV head's (row, head) queries fill at most half a vector (1 row × 8
// heads per KV head on 16-lane AVX-512): lane 2q + r holds query q's even (r = 0) or odd (r = 1)
// head elements, so one 64-bit broadcast of (k[d], k[d+1]) feeds every lane and a key costs
// headDim/2 full-width FMAs instead of headDim on half-empty (or half-width) vectors. Adjacent
// lanes are summed once per key, which leaves each score in both of its query's lanes; softmax
// and P·V then run on those duplicated lanes unchanged. Not for more queries than half a vector.
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors;

public sealed unsafe partial class CpuBackend
{
    private partial struct AttentionJob
    {
        /// <summary>True when the pair layout applies: ≤ lanes/2 queries per KV head and an even head size.</summary>
        private readonly bool PairPacked(int lanes) => Group > 1 && 2L * QRows * Group <= lanes && HeadDim % 2 == 0;

        private readonly void RunPairPacked<TOps, TVec>(int partition, int partitionCount)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
        {
            int kvHeads = Units / QueryBlocks / Group;
            (int first, int last) = PartitionRange(partition, partitionCount, kvHeads);
            float[] scratch = ThreadScratch.Get(TiledScratch(TOps.Count, HeadDim));
            fixed (float* s = scratch)
            {
                for (int kvHead = first; kvHead < last; kvHead++)
                {
                    long at = kvHead * KvHeadStride;
                    PairBlock<TOps, TVec>(kvHead * Group, QRows * Group, K + at, V + at, s);
                }
            }
        }

        /// <summary>
        /// All <paramref name="count"/> (row, head) queries of one KV head: query q is row q / Group,
        /// head firstHead + q % Group, in lanes 2q and 2q + 1 (the rest are zero padding).
        /// </summary>
        private readonly void PairBlock<TOps, TVec>(int firstHead, int count, float* k, float* v, float* scratch)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
        {
            int lanes = TOps.Count, half = HeadDim / 2;
            long kvStride = KvStride;
            // Qᵀ and Oᵀ are [half][lanes]: element (p, 2q + r) is head element 2p + r of query q.
            float* qt = scratch, o = qt + (half * lanes), st = o + (half * lanes), max = st + (TiledKeyBlock * lanes);
            float* sum = max + lanes, corr = sum + lanes;
            for (int lane = 0; lane < lanes; lane++)
            {
                int q = lane / 2;
                float* query = Q + ((long)(q / Group) * QStride) + ((long)(firstHead + (q % Group)) * HeadDim) + (lane % 2);
                for (int p = 0; p < half; p++)
                {
                    qt[(p * lanes) + lane] = q < count ? Scale * query[2 * p] : 0f;
                }
            }
            new Span<float>(o, half * lanes).Clear();
            new Span<float>(max, lanes).Fill(float.NegativeInfinity);
            new Span<float>(sum, lanes).Clear();

            bool causal = CausalOffset >= 0;
            int lastRow = (count - 1) / Group;
            int keyEnd = causal ? Math.Min(KvRows, CausalOffset + lastRow + 1) : KvRows;
            for (int j0 = 0; j0 < keyEnd; j0 += TiledKeyBlock)
            {
                int nk = Math.Min(TiledKeyBlock, keyEnd - j0);
                // The next block's rows (512 B of each 1 KiB cache row in a 3B model) are not a
                // stream the hardware prefetcher follows: fetching them ahead halved a cold decode
                // step's attention (36 layers × 800 keys: 8.5–10.4 → 4.5–5.8 ms, 2 threads). The
                // first block is fetched here; each later one a few rows at a time from inside the
                // score and value loops of the block before it (`ahead` rows of it exist), which
                // beat one burst of 1024 prefetches per block by 5–9% (36 layers × 600 keys, paired).
                if (j0 == 0)
                {
                    PrefetchRows(k, kvStride, 0, nk);
                    PrefetchRows(v, kvStride, 0, nk);
                }
                int ahead = Math.Max(0, keyEnd - (j0 + TiledKeyBlock));
                PairScores<TOps, TVec>(qt, k + (j0 * kvStride), kvStride, nk, st, ahead);
                if (causal && j0 + nk - 1 > CausalOffset)
                {
                    // Key j0 + j is hidden from rows below j0 + j − causalOffset, i.e. from the first
                    // Group·(j0 + j − causalOffset) queries: lanes below twice that.
                    for (int j = 0; j < nk; j++)
                    {
                        int hidden = (int)Math.Clamp(2L * Group * (j0 + j - CausalOffset), 0, lanes);
                        new Span<float>(st + (j * lanes), hidden).Fill(float.NegativeInfinity);
                    }
                }
                Softmax<TOps, TVec>(st, nk, max, sum, corr, lanes);
                PairValues<TOps, TVec>(st, v + (j0 * kvStride), kvStride, nk, o, corr, ahead);
            }

            for (int q = 0; q < count; q++)
            {
                float inverse = sum[2 * q] == 0f ? 0f : 1f / sum[2 * q];
                float* output = Out + ((long)(q / Group) * OutStride) + ((long)(firstHead + (q % Group)) * HeadDim);
                for (int p = 0; p < half; p++)
                {
                    output[2 * p] = o[(p * lanes) + (2 * q)] * inverse;
                    output[(2 * p) + 1] = o[(p * lanes) + (2 * q) + 1] * inverse;
                }
            }
        }

        /// <summary>prefetcht0 of the head's part of cache rows [from, to) (x86 only; elsewhere nothing).</summary>
        private readonly void PrefetchRows(float* rows, long stride, int from, int to)
        {
            if (!Sse.IsSupported)
            {
                return;
            }
            for (int j = from; j < to; j++)
            {
                float* row = rows + (j * stride);
                for (int c = 0; c < HeadDim; c += 16)
                {
                    Sse.Prefetch0(row + c);
                }
            }
        }

        /// <summary>Sᵀ[j][lane] = score of the lane's query with key j, 4 keys at a time.</summary>
        private readonly void PairScores<TOps, TVec>(float* qt, float* k, long ks, int nk, float* st, int ahead)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
        {
            int lanes = TOps.Count, half = HeadDim / 2;
            int j = 0;
            for (; j + 4 <= nk; j += 4)
            {
                float* k0 = k + (j * ks), k1 = k0 + ks, k2 = k1 + ks, k3 = k2 + ks;
                if (j < ahead)
                {
                    PrefetchRows(k0 + (TiledKeyBlock * ks), ks, 0, 4);
                }
                TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
                TVec b0 = TOps.Zero, b1 = TOps.Zero, b2 = TOps.Zero, b3 = TOps.Zero;
                float* qp = qt;
                int p = 0;
                // Two element pairs per step into separate accumulators: 8 independent FMA chains
                // cover the FMA latency (4 cycles × 2 ports).
                for (; p + 2 <= half; p += 2, qp += 2 * lanes, k0 += 4, k1 += 4, k2 += 4, k3 += 4)
                {
                    TVec qa = TOps.Load(ref qp[0], 0), qb = TOps.Load(ref qp[0], (nuint)lanes);
                    a0 = TOps.MultiplyAdd(TOps.BroadcastPair(ref k0[0]), qa, a0); b0 = TOps.MultiplyAdd(TOps.BroadcastPair(ref k0[2]), qb, b0);
                    a1 = TOps.MultiplyAdd(TOps.BroadcastPair(ref k1[0]), qa, a1); b1 = TOps.MultiplyAdd(TOps.BroadcastPair(ref k1[2]), qb, b1);
                    a2 = TOps.MultiplyAdd(TOps.BroadcastPair(ref k2[0]), qa, a2); b2 = TOps.MultiplyAdd(TOps.BroadcastPair(ref k2[2]), qb, b2);
                    a3 = TOps.MultiplyAdd(TOps.BroadcastPair(ref k3[0]), qa, a3); b3 = TOps.MultiplyAdd(TOps.BroadcastPair(ref k3[2]), qb, b3);
                }
                if (p < half)
                {
                    TVec qa = TOps.Load(ref qp[0], 0);
                    a0 = TOps.MultiplyAdd(TOps.BroadcastPair(ref k0[0]), qa, a0);
                    a1 = TOps.MultiplyAdd(TOps.BroadcastPair(ref k1[0]), qa, a1);
                    a2 = TOps.MultiplyAdd(TOps.BroadcastPair(ref k2[0]), qa, a2);
                    a3 = TOps.MultiplyAdd(TOps.BroadcastPair(ref k3[0]), qa, a3);
                }
                float* row = st + (j * lanes);
                TOps.Store(TOps.AddAdjacent(TOps.Add(a0, b0)), ref row[0], 0);
                TOps.Store(TOps.AddAdjacent(TOps.Add(a1, b1)), ref row[0], (nuint)lanes);
                TOps.Store(TOps.AddAdjacent(TOps.Add(a2, b2)), ref row[0], (nuint)(2 * lanes));
                TOps.Store(TOps.AddAdjacent(TOps.Add(a3, b3)), ref row[0], (nuint)(3 * lanes));
            }
            for (; j < nk; j++)
            {
                float* kj = k + (j * ks);
                TVec a = TOps.Zero;
                for (int p = 0; p < half; p++)
                {
                    a = TOps.MultiplyAdd(TOps.BroadcastPair(ref kj[2 * p]), TOps.Load(ref qt[p * lanes], 0), a);
                }
                TOps.Store(TOps.AddAdjacent(a), ref st[j * lanes], 0);
            }
        }

        /// <summary>Oᵀ[p][lane] = Oᵀ[p][lane]·corr[lane] + Σ_j (v_j[2p], v_j[2p+1])·Pᵀ[j][lane], 8 element pairs at a time.</summary>
        private readonly void PairValues<TOps, TVec>(float* pt, float* v, long vs, int nk, float* ot, float* corr, int ahead)
            where TOps : struct, ISimdOps<TVec>
            where TVec : struct
        {
            int lanes = TOps.Count, half = HeadDim / 2;
            TVec c = TOps.Load(ref corr[0], 0);
            int p0 = 0;
            for (; p0 + 8 <= half; p0 += 8)
            {
                ref float o = ref ot[p0 * lanes];
                TVec a0 = TOps.Multiply(TOps.Load(ref o, 0), c), a1 = TOps.Multiply(TOps.Load(ref o, (nuint)lanes), c);
                TVec a2 = TOps.Multiply(TOps.Load(ref o, (nuint)(2 * lanes)), c), a3 = TOps.Multiply(TOps.Load(ref o, (nuint)(3 * lanes)), c);
                TVec a4 = TOps.Multiply(TOps.Load(ref o, (nuint)(4 * lanes)), c), a5 = TOps.Multiply(TOps.Load(ref o, (nuint)(5 * lanes)), c);
                TVec a6 = TOps.Multiply(TOps.Load(ref o, (nuint)(6 * lanes)), c), a7 = TOps.Multiply(TOps.Load(ref o, (nuint)(7 * lanes)), c);
                float* vj = v + (2 * p0), pj = pt;
                for (int j = 0; j < nk; j++, vj += vs, pj += lanes)
                {
                    if (j < ahead && Sse.IsSupported)
                    {
                        // This pass reads one 64-byte line of each row: fetch the same line a block on.
                        Sse.Prefetch0(vj + (TiledKeyBlock * vs));
                    }
                    TVec pr = TOps.Load(ref pj[0], 0);
                    a0 = TOps.MultiplyAdd(TOps.BroadcastPair(ref vj[0]), pr, a0);
                    a1 = TOps.MultiplyAdd(TOps.BroadcastPair(ref vj[2]), pr, a1);
                    a2 = TOps.MultiplyAdd(TOps.BroadcastPair(ref vj[4]), pr, a2);
                    a3 = TOps.MultiplyAdd(TOps.BroadcastPair(ref vj[6]), pr, a3);
                    a4 = TOps.MultiplyAdd(TOps.BroadcastPair(ref vj[8]), pr, a4);
                    a5 = TOps.MultiplyAdd(TOps.BroadcastPair(ref vj[10]), pr, a5);
                    a6 = TOps.MultiplyAdd(TOps.BroadcastPair(ref vj[12]), pr, a6);
                    a7 = TOps.MultiplyAdd(TOps.BroadcastPair(ref vj[14]), pr, a7);
                }
                TOps.Store(a0, ref o, 0);
                TOps.Store(a1, ref o, (nuint)lanes);
                TOps.Store(a2, ref o, (nuint)(2 * lanes));
                TOps.Store(a3, ref o, (nuint)(3 * lanes));
                TOps.Store(a4, ref o, (nuint)(4 * lanes));
                TOps.Store(a5, ref o, (nuint)(5 * lanes));
                TOps.Store(a6, ref o, (nuint)(6 * lanes));
                TOps.Store(a7, ref o, (nuint)(7 * lanes));
            }
            for (; p0 < half; p0++)
            {
                ref float o = ref ot[p0 * lanes];
                TVec a = TOps.Multiply(TOps.Load(ref o, 0), c);
                for (int j = 0; j < nk; j++)
                {
                    a = TOps.MultiplyAdd(TOps.BroadcastPair(ref v[(j * vs) + (2 * p0)]), TOps.Load(ref pt[j * lanes], 0), a);
                }
                TOps.Store(a, ref o, 0);
            }
        }
    }
}
