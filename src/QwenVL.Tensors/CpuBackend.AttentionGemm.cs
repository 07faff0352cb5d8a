// Long attention under MatMulPrecision.FastBf16 on the AMX tile unit. Per KV head, keys and values
// are packed once into the tile kernel's B layout (keys as 32-key panels over headDim; values as
// 32-element panels over 512-key blocks, read straight from the [key][element] rows). Each unit,
// (head of the group, 64 query rows as two 32-row panels sharing every loaded K/V panel), walks the
// keys in 512-key blocks: S = (scale·Q)·Kᵀ, an online softmax (running max and Σ; O rescaled when
// the max moves), exp fused with rounding P into the bf16 A panel, O += P·V. Scratch is ~0.3 MB per
// thread; no kvRows × kvRows matrix. Q, K, P and V are rounded to bf16 like every FastBf16
// activation. Not for short or decode-shaped calls, nor without AMX (vdpbf16ps runs at half the
// float32 FMA rate here): those keep the float32 paths. 4784-patch layer, 16 × 80: 1.02 → 0.52 s.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using QwenVL.Tensors.Gemm;

namespace QwenVL.Tensors;

public sealed unsafe partial class CpuBackend
{
    // Below 128 query or key rows the tiled float32 path is cheap and packing K and V is not.
    private const int GemmAttentionMinRows = 128;

    // Keys per P·V k-block: 512 keys are 256 bf16 pairs, the GEMM's KC for BF16 (GemmBlocking.Bf16).
    private const int ValueBlock = 512;

    private bool UseGemmAttention(int qRows, int kvRows, int headDim) =>
        Precision == MatMulPrecision.FastBf16 && FastKernel == Bf16KernelKind.Amx
        && qRows >= GemmAttentionMinRows && kvRows >= GemmAttentionMinRows && headDim <= 256;

    private void AttentionByGemm(float* q, int qRows, int qStride, float* k, float* v, int kvRows, int kvStride, long kvHeadStride,
        int numHeads, int numKvHeads, int headDim, float scale, int causalOffset, float* output, int outStride)
    {
        var job = new GemmAttentionJob
        {
            Q = q, K = k, V = v, Out = output, QRows = qRows, QStride = qStride, KvRows = kvRows, KvStride = kvStride, KvHeadStride = kvHeadStride,
            HeadDim = headDim, Group = numHeads / numKvHeads, Scale = scale, CausalOffset = causalOffset, OutStride = outStride,
            KeySlots = AmxPacking.PaddedSlots(headDim), KeyPanels = (kvRows + 31) / 32,
            ValuePanels = (headDim + 31) / 32, ValueBlocks = (kvRows + ValueBlock - 1) / ValueBlock,
            RowBlocks = (qRows + 63) / 64,
        };
        long keyUints = (long)job.KeyPanels * job.KeySlots * 32;
        long valueUints = (long)job.ValueBlocks * job.ValuePanels * (ValueBlock / 2) * 32;
        uint[] packed = PackedKv.Get(keyUints + valueUints);
        fixed (uint* p = packed)
        {
            job.PackedKeys = p;
            job.PackedValues = p + keyUints;
            for (int g = 0; g < numKvHeads; g++)
            {
                job.KvHead = g;
                job.Packing = true;
                Pool.Run(ref job, Math.Min(job.KeyPanels + job.ValueBlocks, Pool.ThreadCount));
                job.Packing = false;
                Pool.Run(ref job, Math.Min(job.Group * job.RowBlocks, Pool.ThreadCount));
            }
        }
    }

    /// <summary>
    /// The packed K and V of one KV head: kept per calling thread, grown on demand. Not
    /// ThreadScratch: the caller also runs a partition, which takes that buffer for its unit scratch.
    /// </summary>
    private static class PackedKv
    {
        [ThreadStatic]
        private static uint[]? t_buffer;

        public static uint[] Get(long length)
        {
            if (t_buffer is null || t_buffer.LongLength < length)
            {
                t_buffer = new uint[length];
            }
            return t_buffer;
        }
    }

    private struct GemmAttentionJob : IParallelJob
    {
        public float* Q, K, V, Out;
        public uint* PackedKeys, PackedValues;
        public int QRows, QStride, KvRows, KvStride, HeadDim, Group, CausalOffset, OutStride, KvHead;
        public long KvHeadStride;
        public int KeySlots, KeyPanels, ValuePanels, ValueBlocks, RowBlocks;
        public float Scale;
        public bool Packing;

        public readonly void Execute(int partition, int partitionCount)
        {
            if (Packing)
            {
                // Key panels first, then value blocks: about the same bytes each.
                (int first, int last) = PartitionRange(partition, partitionCount, KeyPanels + ValueBlocks);
                for (int i = first; i < last; i++)
                {
                    if (i < KeyPanels) { PackKeys(i); } else { PackValues(i - KeyPanels); }
                }
                return;
            }
            (int u0, int u1) = PartitionRange(partition, partitionCount, Group * RowBlocks);
            if (u0 >= u1)
            {
                return;
            }
            int outWidth = ValuePanels * 32;
            // Scratch: S [64][512] | Q panels 2 × [KeySlots][32] | P panels 2 × [256][32] | O [64][outWidth] | zeros | max | Σ.
            long total = (64L * ValueBlock) + (2 * 32 * KeySlots) + (2 * 32 * (ValueBlock / 2)) + (64 * outWidth) + (3 * 64) + 16;
            float[] scratch = ThreadScratch.Get(checked((int)total));
            fixed (float* s0 = scratch)
            {
                var b = new UnitBuffers { S = (float*)(((nint)s0 + 63) & ~(nint)63) };
                b.Q = b.S + (64 * ValueBlock);
                b.P = b.Q + (2 * 32 * KeySlots);
                b.O = b.P + (2 * 32 * (ValueBlock / 2));
                b.Zeros = b.O + (64 * outWidth);
                b.Max = b.Zeros + 64;
                b.Sum = b.Max + 64;
                new Span<float>(b.Zeros, 64).Clear();
                AmxKernel.Begin();
                try
                {
                    for (int unit = u0; unit < u1; unit++)
                    {
                        Unit((KvHead * Group) + (unit / RowBlocks), unit % RowBlocks * 64, b);
                    }
                }
                finally
                {
                    AmxKernel.End();
                }
            }
        }

        private struct UnitBuffers
        {
            public float* S, Q, P, O, Zeros, Max, Sum;
        }

        /// <summary>
        /// Query rows [r0, r0 + 64) of one head as two 32-row panels sharing each loaded key and value
        /// panel: per block of 512 keys, scores, online softmax (running max and Σ, O rescaled when
        /// the max moves), P·V accumulated into O; O / Σ at the end.
        /// </summary>
        private readonly void Unit(int head, int r0, UnitBuffers b)
        {
            int rows = Math.Min(64, QRows - r0), d = HeadDim, panels = rows > 32 ? 2 : 1;
            int visible = CausalOffset < 0 ? KvRows : Math.Min(KvRows, CausalOffset + r0 + rows);
            int ld = (visible + 31) / 32 * 32, outWidth = ValuePanels * 32;
            for (int i = 0; i < rows; i++)
            {
                TensorPrimitives.Multiply(new ReadOnlySpan<float>(Q + ((long)(r0 + i) * QStride) + ((long)head * d), d), Scale, new Span<float>(b.S + ((long)i * d), d));
            }
            for (int p = 0; p < panels; p++)
            {
                AmxKernel.PackA(b.S + ((long)p * 32 * d), d, Math.Min(32, rows - (32 * p)), 0, d, b.Q + ((long)p * 32 * KeySlots));
            }
            new Span<float>(b.O, 64 * outWidth).Clear();
            new Span<float>(b.Max, 64).Fill(float.NegativeInfinity);
            new Span<float>(b.Sum, 64).Clear();
            for (int kb = 0; kb < ld; kb += ValueBlock)
            {
                int kc = Math.Min(ValueBlock, ld - kb);
                for (int jp = 0; jp < kc / 32; jp++)
                {
                    float* keys = (float*)(PackedKeys + ((long)((kb / 32) + jp) * KeySlots * 32));
                    for (int p = 0; p < panels; p++)
                    {
                        AmxKernel.Tile(b.Q + ((long)p * 32 * KeySlots), keys, KeySlots, b.S + ((long)p * 32 * ValueBlock) + (jp * 32), ValueBlock, b.Zeros);
                    }
                }
                for (int i = 0; i < rows; i++)
                {
                    // Row i sees keys j ≤ causalOffset + r0 + i (all real keys when not causal); the
                    // rest of the block, padding columns included, becomes −∞ (exp → 0).
                    float* row = b.S + ((long)i * ValueBlock);
                    int seen = CausalOffset < 0 ? KvRows : Math.Min(KvRows, CausalOffset + r0 + i + 1);
                    int shown = Math.Clamp(seen - kb, 0, kc);
                    new Span<float>(row + shown, kc - shown).Fill(float.NegativeInfinity);
                    float top = shown == 0 ? float.NegativeInfinity : RowMax(row, shown);
                    if (top > b.Max[i])
                    {
                        // exp(old − new) rescales what earlier blocks accumulated (0 on the first).
                        float correction = FastExp.Exp<ScalarOps, float>(b.Max[i] - top);
                        b.Sum[i] *= correction;
                        TensorPrimitives.Multiply(new ReadOnlySpan<float>(b.O + ((long)i * outWidth), outWidth), correction, new Span<float>(b.O + ((long)i * outWidth), outWidth));
                        b.Max[i] = top;
                    }
                }
                uint* block = PackedValues + ((long)(kb / ValueBlock) * ValuePanels * (ValueBlock / 2) * 32);
                for (int p = 0; p < panels; p++)
                {
                    ExpPackA(b.S + ((long)p * 32 * ValueBlock), ValueBlock, Math.Min(32, rows - (32 * p)), kc, b.Max + (32 * p), b.Sum + (32 * p), (uint*)b.P + ((long)p * 32 * (ValueBlock / 2)));
                }
                for (int cp = 0; cp < ValuePanels; cp++)
                {
                    float* values = (float*)(block + ((long)cp * (ValueBlock / 2) * 32));
                    for (int p = 0; p < panels; p++)
                    {
                        AmxKernel.Tile(b.P + ((long)p * 32 * (ValueBlock / 2)), values, kc / 2, b.O + ((long)p * 32 * outWidth) + (cp * 32), outWidth, null);
                    }
                }
            }
            for (int i = 0; i < rows; i++)
            {
                TensorPrimitives.Multiply(new ReadOnlySpan<float>(b.O + ((long)i * outWidth), d), 1f / b.Sum[i],
                    new Span<float>(Out + ((long)(r0 + i) * OutStride) + ((long)head * d), d));
            }
        }

        /// <summary>
        /// P for the block's first kc keys in the AMX A layout (as <see cref="AmxPacking.PackA"/>): per
        /// row exp(s − max) rounded to bf16, and Σ of those rounded values added to sum[r], so the
        /// normalisation divides by exactly what P·V multiplied. kc is a multiple of 32; rows ≥ rows are 0.
        /// Not inlined: inside Unit the JIT ran out of inlining budget and called the vector helpers.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ExpPackA(float* s, int ld, int rows, int kc, float* max, float* sum, uint* dst)
        {
            int steps = kc / 32;
            for (int r = 0; r < 32; r++)
            {
                if (r >= rows)
                {
                    for (int t = 0; t < steps; t++)
                    {
                        Vector512<uint>.Zero.Store(dst + (((t * 32) + r) * 16));
                    }
                    continue;
                }
                float* src = s + ((long)r * ld);
                Vector512<float> m = Vector512.Create(max[r]), total = Vector512<float>.Zero;
                for (int t = 0; t < steps; t++)
                {
                    Vector512<uint> lo = Bf16Packing.RoundToBF16(FastExp.Exp<V512Ops, Vector512<float>>(Vector512.Load(src + (32 * t)) - m));
                    Vector512<uint> hi = Bf16Packing.RoundToBF16(FastExp.Exp<V512Ops, Vector512<float>>(Vector512.Load(src + (32 * t) + 16) - m));
                    total += (lo << 16).AsSingle() + (hi << 16).AsSingle();
                    Vector512.Narrow(lo, hi).AsUInt32().Store(dst + (((t * 32) + r) * 16));
                }
                sum[r] += Vector512.Sum(total);
            }
        }

        /// <summary>Largest of x[0..count) (count ≥ 1), with plain vmaxps.</summary>
        private static float RowMax(float* x, int count)
        {
            int i = 0;
            float top = float.NegativeInfinity;
            if (count >= 16)
            {
                Vector512<float> m = Vector512.Load(x);
                for (i = 16; i + 16 <= count; i += 16)
                {
                    m = Avx512F.Max(m, Vector512.Load(x + i));
                }
                Vector256<float> h = Avx.Max(m.GetLower(), m.GetUpper());
                Vector128<float> q = Sse.Max(h.GetLower(), h.GetUpper());
                q = Sse.Max(q, Sse.Shuffle(q, q, 0b01_00_11_10));
                top = Sse.Max(q, Sse.Shuffle(q, q, 0b10_11_00_01)).ToScalar();
            }
            for (; i < count; i++)
            {
                top = MathF.Max(top, x[i]);
            }
            return top;
        }

        /// <summary>Key panel p: dst[s·32 + c] = bf16 pair (k[j][2s], k[j][2s+1]) of key j = 32p + c; zero past the keys or the head.</summary>
        private readonly void PackKeys(int p)
        {
            uint* dst = PackedKeys + ((long)p * KeySlots * 32);
            float* k = K + (KvHead * KvHeadStride);
            for (int c = 0; c < 32; c++)
            {
                int j = (32 * p) + c;
                float* row = k + ((long)j * KvStride);
                for (int s = 0; s < KeySlots; s++)
                {
                    dst[(s * 32) + c] = j < KvRows && 2 * s < HeadDim ? Pair(row, 2 * s, 1, HeadDim) : 0u;
                }
            }
        }

        /// <summary>
        /// Value block b: per 32-element panel, dst[s·32 + c] = bf16 pair (v[key][e], v[key+1][e]) with
        /// key = 512b + 2s and e = 32·panel + c; zero past the keys or the head.
        /// </summary>
        private readonly void PackValues(int b)
        {
            uint* block = PackedValues + ((long)b * ValuePanels * (ValueBlock / 2) * 32);
            float* v = V + (KvHead * KvHeadStride);
            for (int s = 0; s < ValueBlock / 2; s++)
            {
                int key = (b * ValueBlock) + (2 * s);
                for (int cp = 0; cp < ValuePanels; cp++)
                {
                    uint* dst = block + ((long)cp * (ValueBlock / 2) * 32) + (s * 32);
                    for (int c = 0; c < 32; c++)
                    {
                        int e = (cp * 32) + c;
                        dst[c] = e < HeadDim && key < KvRows ? Pair(v + e, key, KvStride, KvRows) : 0u;
                    }
                }
            }
        }

        /// <summary>bf16(x[i·step]) | bf16(x[(i+1)·step]) ≪ 16, the second half 0 when i + 1 ≥ count.</summary>
        private static uint Pair(float* x, int i, long step, int count) =>
            Numerics.FloatToBF16(x[i * step]) | (i + 1 < count ? (uint)Numerics.FloatToBF16(x[(i + 1) * step]) << 16 : 0u);
    }
}
