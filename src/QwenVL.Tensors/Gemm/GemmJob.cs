// The packed, cache-blocked GEMM (GotoBLAS/BLIS loop nest) behind CpuBackend.MatMul for n ≥ 6:
// y[n, m] = x[n, k] · W[m, k]ᵀ + bias, statically split into rectangles of y, one per partition.
// Each rectangle packs its own weight block (widened once per KC×NC block) and x block into
// per-thread buffers, then runs whole micro-kernel tiles; block-quantized weights are dequantized
// per panel first (the BF16 path's prefill). It does not handle n < 6 (decode).
using System.Numerics.Tensors;

namespace QwenVL.Tensors.Gemm;

/// <summary>One GEMM call as a parallel job over a <c>RowParts × ColParts</c> grid of y rectangles.</summary>
internal unsafe struct GemmJob<TKernel> : IParallelJob
    where TKernel : struct, IGemmKernel
{
    public float* X, Y, Bias;
    public byte* W;
    public DType WType;
    public int N, K, M, RowParts, ColParts;
    public GemmBlocking Blocking;

    /// <summary>
    /// Splits y over output columns when there are at least 2 column panels per thread: then each
    /// thread reads and packs only its own share of W (the big operand; x is re-packed per thread,
    /// which costs 1/NC of the multiply work). Narrow outputs split over x-rows instead.
    /// </summary>
    public static (int RowParts, int ColParts) Grid(int n, int m, int threads)
    {
        int colPanels = (m + TKernel.NR - 1) / TKernel.NR;
        int rowPanels = (n + TKernel.MR - 1) / TKernel.MR;
        return colPanels >= 2 * threads ? (1, threads) : (Math.Max(1, Math.Min(threads, rowPanels)), 1);
    }

    public readonly void Execute(int partition, int partitionCount)
    {
        int rowPart = partition / ColParts;
        int colPart = partition % ColParts;
        // Split at whole tiles so only the last rectangle of each axis has edge tiles.
        (int rowStart, int rowEnd) = CpuBackend.PartitionRange(rowPart, RowParts, (N + TKernel.MR - 1) / TKernel.MR);
        (int colStart, int colEnd) = CpuBackend.PartitionRange(colPart, ColParts, (M + TKernel.NR - 1) / TKernel.NR);
        int r0 = rowStart * TKernel.MR, r1 = Math.Min(N, rowEnd * TKernel.MR);
        int c0 = colStart * TKernel.NR, c1 = Math.Min(M, colEnd * TKernel.NR);
        if (r0 >= r1 || c0 >= c1)
        {
            return;
        }
        TKernel.Begin();
        try
        {
            Run(r0, r1, c0, c1);
        }
        finally
        {
            TKernel.End();
        }
    }

    private static int Slots(int kc)
    {
        int align = TKernel.SlotAlign;
        return (((kc + TKernel.KStep - 1) / TKernel.KStep) + align - 1) / align * align;
    }

    private readonly void Run(int r0, int r1, int c0, int c1)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int kcMax = Math.Min(Blocking.KC, K);
        int slotsMax = Slots(kcMax);
        int mcMax = RoundUp(Math.Min(Blocking.MC, r1 - r0), mr);
        int ncMax = RoundUp(Math.Min(Blocking.NC, c1 - c0), nr);
        // With several column blocks, x is packed once per k block for all of this rectangle's rows
        // and reused by every column block: re-packing it per column block (read fp32, round, write)
        // was ~8% of a BF16 vision encode. One column block keeps the L2-sized per-MC packing.
        bool shareA = c1 - c0 > Blocking.NC && Blocking.MC % mr == 0;
        long aFloats = shareA ? (long)RoundUp(r1 - r0, mr) * slotsMax : (long)mcMax * slotsMax;
        // Scratch widens F16 weight rows for a whole B panel (nr rows) at once; a quantized panel is
        // dequantized into its second half first.
        bool quantized = DTypeInfo.IsQuantized(WType);
        int panelFloats = nr * Math.Max(kcMax, 1);
        GemmBuffers buffers = GemmBuffers.Get(aFloats, (long)ncMax * slotsMax, mr * nr, quantized ? 2 * panelFloats : panelFloats);
        float* packedA = buffers.A, packedB = buffers.B, tile = buffers.Tile;
        if (K == 0)
        {
            // An empty sum: every output is its bias.
            WriteBase(r0, r1, c0, c1);
            return;
        }

        // k blocks outermost: y gets bias + the first block's product, then each later block adds,
        // in the same k order for every element whatever the column blocking.
        for (int pc = 0; pc < K; pc += Blocking.KC)
        {
            int kc = Math.Min(Blocking.KC, K - pc);
            int slots = Slots(kc);
            if (shareA)
            {
                for (int ir = 0; ir < r1 - r0; ir += mr)
                {
                    TKernel.PackA(X + ((long)(r0 + ir) * K), K, Math.Min(mr, r1 - r0 - ir), pc, kc, packedA + ((long)ir * slots));
                }
            }
            for (int jc = c0; jc < c1; jc += Blocking.NC)
            {
                int nc = Math.Min(Blocking.NC, c1 - jc);
                PackBBlock(jc, nc, pc, kc, slots, packedB, buffers.Scratch, panelFloats, quantized);
                for (int ic = r0; ic < r1; ic += Blocking.MC)
                {
                    int mc = Math.Min(Blocking.MC, r1 - ic);
                    float* aBlock = shareA ? packedA + ((long)(ic - r0) * slots) : packedA;
                    if (!shareA)
                    {
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            TKernel.PackA(X + ((long)(ic + ir) * K), K, Math.Min(mr, mc - ir), pc, kc, packedA + ((long)ir * slots));
                        }
                    }
                    // ir outer, jr inner: one A micro-panel stays in L1 while the B panels stream from
                    // L2, and each tile row of y is written left to right, which the hardware
                    // prefetcher follows (jr-outer order jumps MR rows down y per tile: ~40% slower
                    // at m = 4096, measured, from y misses).
                    for (int ir = 0; ir < mc; ir += mr)
                    {
                        float* a = aBlock + ((long)ir * slots);
                        int rows = Math.Min(mr, mc - ir);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            float* b = packedB + ((long)jr * slots);
                            int cols = Math.Min(nr, nc - jr);
                            // The first k block writes bias + product; later ones add to y.
                            float* init = pc > 0 ? null : Bias is null ? buffers.Zeros : Bias + jc + jr;
                            float* c = Y + ((long)(ic + ir) * M) + jc + jr;
                            if (rows == mr && cols == nr)
                            {
                                TKernel.Tile(a, b, slots, c, M, init);
                            }
                            else
                            {
                                EdgeTile(a, b, slots, c, rows, cols, tile, init, buffers.Zeros);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Packs the weight block of output columns [jc, jc + nc) and k values [pc, pc + kc) into <paramref name="packedB"/>.</summary>
    private readonly void PackBBlock(int jc, int nc, int pc, int kc, int slots, float* packedB, float* scratch, int panelFloats, bool quantized)
    {
        int nr = TKernel.NR;
        long weightRowBytes = DTypeInfo.ByteCount(WType, K);
        for (int jr = 0; jr < nc; jr += nr)
        {
            byte* panel = W + ((jc + jr) * weightRowBytes);
            int cols = Math.Min(nr, nc - jr);
            if (quantized && TKernel.KStep == 1)
            {
                // Block-quantized W on the float32 kernels (K-quants on the exact backend; the caller
                // keeps KC a multiple of the block size): the panel's kc values per row dequantized
                // unrounded into the scratch's first half, gathered blocks behind them in the second.
                byte* gathered = (byte*)(scratch + panelFloats);
                for (int c = 0; c < cols; c++)
                {
                    Quant.BlockDequant.Run(QuantizedRow(jc + jr + c, pc, kc, gathered), DTypeInfo.BlockFormat(WType), kc, scratch + ((long)c * kc));
                }
                // Float rows pack without the widening scratch, so none is passed past the gathered blocks.
                TKernel.PackB((byte*)scratch, DType.F32, kc, cols, 0, kc, packedB + ((long)jr * slots), null);
                continue;
            }
            if (quantized)
            {
                // Block-quantized W on the BF16 kernels (the caller keeps KC a multiple of the block
                // size): the panel's kc values per row rounded to BF16 rows, then packed like a BF16
                // panel (the fast transpose; an F32 panel packs one value at a time). Gathered blocks
                // sit behind the BF16 rows in the scratch's second half (kc/32 · 34 bytes ≤ the 2·nr·kc free).
                ushort* rows = (ushort*)(scratch + panelFloats);
                byte* gathered = (byte*)(rows + ((long)nr * kc));
                for (int c = 0; c < cols; c++)
                {
                    Quant.BlockDequant.RunBf16(QuantizedRow(jc + jr + c, pc, kc, gathered), DTypeInfo.BlockFormat(WType), kc, rows + ((long)c * kc), scratch);
                }
                TKernel.PackB((byte*)rows, DType.BF16, kc, cols, 0, kc, packedB + ((long)jr * slots), scratch);
                continue;
            }
            TKernel.PackB(panel, WType, K, cols, pc, kc, packedB + ((long)jr * slots), scratch);
        }
    }

    /// <summary>
    /// Weight row <paramref name="row"/>'s blocks for k values [pc, pc + kc) in ggml's layout: in place,
    /// or for an interleaved type gathered back into <paramref name="gathered"/>.
    /// </summary>
    private readonly byte* QuantizedRow(int row, int pc, int kc, byte* gathered)
    {
        if (!DTypeInfo.IsInterleaved(WType))
        {
            long weightRowBytes = DTypeInfo.ByteCount(WType, K);
            return W + (row * weightRowBytes) + DTypeInfo.ByteCount(WType, pc);
        }
        int values = DTypeInfo.BlockSize(DTypeInfo.BlockFormat(WType));
        Quant.RowInterleave.ReadRowBlocks(WType, W, K, row, pc / values, kc / values, gathered);
        return gathered;
    }

    /// <summary>
    /// A partial tile: the kernel writes the whole tile into a buffer, then the valid corner goes to
    /// y (bias + product on the first k block, y + product after).
    /// </summary>
    private readonly void EdgeTile(float* a, float* b, int slots, float* c, int rows, int cols, float* tile, float* init, float* zeros)
    {
        int nr = TKernel.NR;
        TKernel.Tile(a, b, slots, tile, nr, zeros);
        int col0 = (int)((c - Y) % M);
        for (int r = 0; r < rows; r++)
        {
            var src = new ReadOnlySpan<float>(tile + (r * nr), cols);
            var dst = new Span<float>(c + ((long)r * M), cols);
            // Vectorized: a row edge (n not a multiple of MR) hits every column tile of that panel.
            if (init == null)
            {
                TensorPrimitives.Add(src, dst, dst);
            }
            else if (Bias is null)
            {
                src.CopyTo(dst);
            }
            else
            {
                TensorPrimitives.Add(src, new ReadOnlySpan<float>(Bias + col0, cols), dst);
            }
        }
    }

    private readonly void WriteBase(int r0, int r1, int c0, int c1)
    {
        for (int i = r0; i < r1; i++)
        {
            var row = new Span<float>(Y + ((long)i * M) + c0, c1 - c0);
            if (Bias is null) { row.Clear(); } else { new ReadOnlySpan<float>(Bias + c0, c1 - c0).CopyTo(row); }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
