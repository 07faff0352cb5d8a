// The machine code of the 512-bit VNNI K-quant dot products, written with X64Emitter, and the
// pointers to it: .NET 10 exposes vpdpbusd only at 128/256 bits (AvxVnni), while this CPU issues the
// 512-bit form two per cycle, as it does the 256-bit one (0.22 vs 0.19 ns each, a tight loop), so a
// zmm dot does 1.7× the work. Only the integer sums of one super-block of a pair of Q4_Kx8 or Q6_Kx8
// groups are generated; scales, mins and float sums stay in C# (InterleavedDotX86.Zmm.cs).
// System V calling convention, Linux x64.
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Jit;

/// <summary>
/// Builds <c>void Q4K(byte** groups, sbyte* x, nint k, int* sums)</c> and
/// <c>void Q6K(byte** groups, sbyte* x, nint k, int* seeds, int* sums)</c> for 1-4 x-rows and 1-4 pairs of groups.
/// </summary>
internal static class KQuantZmmCode
{
    /// <summary>Bytes of one Q4_Kx8 super-block (8 rows × 144), the distance to the next one.</summary>
    private const int Q4KGroupBytes = 8 * 144;

    /// <summary>Bytes of one Q6_Kx8 super-block (8 rows × 210).</summary>
    private const int Q6KGroupBytes = 8 * 210;

    /// <summary>
    /// Lines of each group's next super-block the Q4_K code prefetches (3 per chunk); the C# scale step
    /// that follows the call prefetches the other 6 (InterleavedDotX86.Zmm.cs). Issued only here, the
    /// prefetches stopped while the scales were applied and memory sat idle: moving 6 of 18 lines
    /// there made a 3B model's Q4_K matvecs 8.5% faster, 2 of 18 3%, 10 of 18 2% (paired in one process).
    /// </summary>
    public const int Q4KPrefetchedLines = 12;

    /// <summary>As <see cref="Q4KPrefetchedLines"/> for Q6_K (4 per quarter; the scale step takes the other 11 of 27): +10% against all 27 here, +2% with 20 (paired).</summary>
    public const int Q6KPrefetchedLines = 16;

    /// <summary>
    /// One super-block of <paramref name="pairs"/> pairs of Q4_Kx8 groups against <paramref name="rows"/>
    /// x-rows. rdi = the 2·pairs groups' pointers to this super-block (pair p: groups 2p and 2p + 1),
    /// rsi = x-row 0's 256 int8 values of it, rdx = k (bytes from one x-row to the next), rcx = sums.
    /// Writes sums[16·(8·rows·p + 8i + j) + l]: pair p, sub-block j of x-row i, lane l &lt; 8 = row l of
    /// the pair's first group, l ≥ 8 = row l − 8 of its second. Low nibbles (even j) are dotted as
    /// they are (v &amp; 0x0F), high ones in place (v &amp; 0xF0, 16× the value, as VnniByteDot's kernels
    /// do), so every sum equals the 256-bit kernels' exactly. Each vector position loads the first
    /// group's 32 bytes and inserts the second's; the 4 x bytes of each x-row come broadcast from memory
    /// inside the vpdpbusd. The pairs take turns chunk by chunk (64 values), so all 2·pairs memory
    /// streams advance together: a read probe walking 8 streams 2 at a time, 1152 bytes each, read
    /// 5–14% slower than walking them in step, 256 bytes of each at a time (2 threads, 3 alternating runs).
    /// </summary>
    public static byte[] BuildQ4K(int rows, int pairs)
    {
        const int low4 = 31, high4 = 30, packed = 28, low = 29, high = 27;
        Gpr[] x = [Gpr.Rsi, Gpr.R8, Gpr.R9, Gpr.R10];
        X64Emitter e = Start(rows, pairs, x, Gpr.Rdx, 0x0F0F0F0F, unchecked((int)0xF0F0F0F0));
        // Two chains per sum (even and odd positions), 4-16 accumulators: with one, each chunk ends on
        // a chain of 8 dependent vpdpbusd, and 4 x-rows ran 5% slower (3 chains: no faster; batched
        // decode of the 3B Q4_K_M file, paired in one process).
        const int chains = 2;
        int Acc(int row, int nibble, int chain) => (chain * 2 * rows) + (2 * row) + nibble; // zmm0-15
        for (int c = 0; c < 4; c++)
        {
            for (int p = 0; p < pairs; p++)
            {
                e.MovLoad(Gpr.Rax, Gpr.Rdi, 16 * p);
                e.MovLoad(Gpr.R11, Gpr.Rdi, (16 * p) + 8);
                // The first lines of both groups' next super-block, a quarter of them per chunk (the rest:
                // Q4KPrefetchedLines). Without prefetches 4-row decode ran 20% slower; two super-blocks
                // ahead, no faster (paired).
                for (int line = 0; line < Q4KPrefetchedLines / 4; line++)
                {
                    int ahead = Q4KGroupBytes + (64 * (Q4KPrefetchedLines / 4) * c) + (64 * line);
                    e.Prefetcht0(Gpr.Rax, ahead);
                    e.Prefetcht0(Gpr.R11, ahead);
                }
                for (int a = 0; a < 2 * rows * chains; a++)
                {
                    e.VpxordZmm(a, a, a);
                }
                for (int v = 0; v < 8; v++)
                {
                    int at = 128 + (256 * c) + (32 * v); // the packed nibbles start at byte 128
                    e.Vmovdqu32LoadYmm(packed, Gpr.Rax, at);
                    e.Vinserti64x4(packed, packed, Gpr.R11, at, 1);
                    e.VpanddZmm(low, packed, low4);
                    e.VpanddZmm(high, packed, high4);
                    for (int i = 0; i < rows; i++)
                    {
                        // Sub-block 2c is x[64c .. 64c + 32), 2c + 1 the next 32; position v holds values 4v..4v+3.
                        e.VpdpbusdBroadcast(Acc(i, 0, v % chains), low, x[i], (64 * c) + (4 * v));
                        e.VpdpbusdBroadcast(Acc(i, 1, v % chains), high, x[i], (64 * c) + 32 + (4 * v));
                    }
                }
                for (int i = 0; i < rows; i++)
                {
                    for (int nibble = 0; nibble < 2; nibble++)
                    {
                        e.VpadddZmm(Acc(i, nibble, 0), Acc(i, nibble, 0), Acc(i, nibble, 1));
                        e.VmovupsStore(Gpr.Rcx, 64 * ((8 * rows * p) + (8 * i) + (2 * c) + nibble), Acc(i, nibble, 0));
                    }
                }
            }
        }
        e.Vzeroupper();
        e.Ret();
        return e.ToArray();
    }

    /// <summary>
    /// One super-block of <paramref name="pairs"/> pairs of Q6_Kx8 groups against <paramref name="rows"/>
    /// x-rows, as the 256-bit QuarterQ6KRows: rdi = the groups' pointers to this super-block (ql at
    /// +16, qh at +1040), rsi = x-row 0's 256 int8 values, rdx = k, rcx = seeds[16i + j] (sub-block j's
    /// −32·Σx of x-row i), r8 = sums. Writes sums[16·(16·rows·p + 16i + j) + l] (lanes as
    /// <see cref="BuildQ4K"/>): each 6-bit value is its ql nibble or'ed with 2 bits of qh moved to bits
    /// 4-5, and each sum starts from its seed. The pairs take turns quarter by quarter.
    /// </summary>
    public static byte[] BuildQ6K(int rows, int pairs)
    {
        const int low4 = 31, bits45 = 30, ql = 28, qh = 27, spare = 26, va = 25, nib = 24;
        Gpr[] x = [Gpr.Rsi, Gpr.R9, Gpr.R10, Gpr.R11];
        X64Emitter e = Start(rows, pairs, x, Gpr.Rdx, 0x0F0F0F0F, 0x30303030);
        // The 4 calls of QuarterQ6KRows per super-block: ql and qh offsets, x offset, first sub-block.
        (int Ql, int Qh, int X, int J)[] quarters = [(16, 1040, 0, 0), (144, 1168, 16, 1), (528, 1296, 128, 8), (656, 1424, 144, 9)];
        for (int call = 0; call < 4; call++)
        {
            for (int p = 0; p < pairs; p++)
            {
                e.MovLoad(Gpr.Rax, Gpr.Rdi, 16 * p);
                e.MovLoad(Gpr.Rdx, Gpr.Rdi, (16 * p) + 8); // k is no longer needed
                // The first lines of both groups' next super-block (27 lines), a quarter of
                // Q6KPrefetchedLines per quarter. All at the start (the 256-bit Q6_K kernels' burst) ran
                // 5% slower at 4 x-rows, 3% at one (paired).
                for (int line = 0; line < Q6KPrefetchedLines / 4; line++)
                {
                    int ahead = Q6KGroupBytes + (64 * (((Q6KPrefetchedLines / 4) * call) + line));
                    e.Prefetcht0(Gpr.Rax, ahead);
                    e.Prefetcht0(Gpr.Rdx, ahead);
                }
                (int qlAt, int qhAt, int xAt, int j0) = quarters[call];
                for (int high = 0; high < 2; high++)
                {
                    // Quarter a (x) and quarter b (x + 64) of this ql half; the high half is x + 32 on.
                    int ja = j0 + (2 * high), jb = ja + 4;
                    for (int i = 0; i < rows; i++)
                    {
                        e.VpbroadcastdZmmMem(2 * i, Gpr.Rcx, 4 * ((16 * i) + ja));
                        e.VpbroadcastdZmmMem((2 * i) + 1, Gpr.Rcx, 4 * ((16 * i) + jb));
                    }
                    for (int v = 0; v < 4; v++)
                    {
                        int qlP = qlAt + (256 * high) + (32 * v), qhP = qhAt + (32 * v);
                        e.Vmovdqu32LoadYmm(ql, Gpr.Rax, qlP);
                        e.Vinserti64x4(ql, ql, Gpr.Rdx, qlP, 1);
                        e.Vmovdqu32LoadYmm(qh, Gpr.Rax, qhP);
                        e.Vinserti64x4(qh, qh, Gpr.Rdx, qhP, 1);
                        // a = (ql & 0x0F) | ((qh << (4 or 2)) & 0x30); b = ((ql >> 4) & 0x0F) | ((qh >> (0 or 2)) & 0x30).
                        e.VpsllwZmm(va, qh, (byte)(high == 0 ? 4 : 2));
                        e.VpanddZmm(nib, ql, low4);
                        e.VpternlogdZmm(va, nib, bits45, 0xEC);
                        e.VpsrlwZmm(spare, ql, 4);
                        e.VpanddZmm(spare, spare, low4);
                        if (high == 1)
                        {
                            e.VpsrlwZmm(qh, qh, 2);
                        }
                        e.VpternlogdZmm(qh, spare, bits45, 0xEC);
                        for (int i = 0; i < rows; i++)
                        {
                            int at = xAt + (32 * high) + (4 * v);
                            e.VpdpbusdBroadcast(2 * i, va, x[i], at);
                            e.VpdpbusdBroadcast((2 * i) + 1, qh, x[i], at + 64);
                        }
                    }
                    for (int i = 0; i < rows; i++)
                    {
                        int first = (16 * rows * p) + (16 * i);
                        e.VmovupsStore(Gpr.R8, 64 * (first + ja), 2 * i);
                        e.VmovupsStore(Gpr.R8, 64 * (first + jb), (2 * i) + 1);
                    }
                }
            }
        }
        e.Vzeroupper();
        e.Ret();
        return e.ToArray();
    }

    /// <summary>
    /// The shared prologue: byte masks <paramref name="mask31"/> and <paramref name="mask30"/> broadcast
    /// into zmm31 and zmm30 (through eax), then x-row i's pointer in x[i] = x[i − 1] + k.
    /// </summary>
    private static X64Emitter Start(int rows, int pairs, Gpr[] x, Gpr k, int mask31, int mask30)
    {
        if (rows is < 1 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "1 to 4 x-rows");
        }
        if (pairs is < 1 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(pairs), pairs, "1 to 4 pairs of groups");
        }
        var e = new X64Emitter();
        e.MovImm32(Gpr.Rax, mask31);
        e.VpbroadcastdZmm(31, Gpr.Rax);
        e.MovImm32(Gpr.Rax, mask30);
        e.VpbroadcastdZmm(30, Gpr.Rax);
        for (int i = 1; i < rows; i++)
        {
            e.MovReg(x[i], x[i - 1]);
            e.AddReg(x[i], k);
        }
        return e;
    }
}

/// <summary>The generated 512-bit K-quant code, mapped on first use and kept for the process lifetime.</summary>
internal static unsafe class KQuantZmm
{
    // Index 4·(rows − 1) + pairs − 1.
    private static readonly nint[] Q4KCode = Create(KQuantZmmCode.BuildQ4K);
    private static readonly nint[] Q6KCode = Create(KQuantZmmCode.BuildQ6K);

    /// <summary>
    /// CPUID leaf 7 subleaf 0 ECX bit 11 (AVX512_VNNI) on Linux x64, with a runtime that enabled AVX-512
    /// (so the OS saves zmm state) and AVX-VNNI (the 256-bit kernels the 512-bit ones extend).
    /// </summary>
    public static bool CpuSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64
        && Avx512F.IsSupported && Avx512BW.IsSupported && AvxVnni.IsSupported
        && (X86Base.CpuId(7, 0).Ecx & (1 << 11)) != 0;

    /// <summary>True when the code for every row and pair count is mapped executable.</summary>
    public static bool IsAvailable => Q4KCode.Length == 16 && Q6KCode.Length == 16;

    /// <summary>The Q4_K kernel for 1-4 x-rows and 1-4 pairs of groups (<see cref="KQuantZmmCode.BuildQ4K"/>).</summary>
    public static delegate* unmanaged[SuppressGCTransition]<byte**, sbyte*, nint, int*, void> Q4K(int rows, int pairs) =>
        (delegate* unmanaged[SuppressGCTransition]<byte**, sbyte*, nint, int*, void>)Q4KCode[(4 * (rows - 1)) + pairs - 1];

    /// <summary>The Q6_K kernel for 1-4 x-rows and 1-4 pairs of groups (<see cref="KQuantZmmCode.BuildQ6K"/>).</summary>
    public static delegate* unmanaged[SuppressGCTransition]<byte**, sbyte*, nint, int*, int*, void> Q6K(int rows, int pairs) =>
        (delegate* unmanaged[SuppressGCTransition]<byte**, sbyte*, nint, int*, int*, void>)Q6KCode[(4 * (rows - 1)) + pairs - 1];

    private static nint[] Create(Func<int, int, byte[]> build)
    {
        if (!CpuSupported)
        {
            return [];
        }
        var code = new nint[16];
        for (int rows = 1; rows <= 4; rows++)
        {
            for (int pairs = 1; pairs <= 4; pairs++)
            {
                void* mapped = ExecutableMemory.TryCreate(build(rows, pairs));
                if (mapped == null)
                {
                    return [];
                }
                code[(4 * (rows - 1)) + pairs - 1] = (nint)mapped;
            }
        }
        return code;
    }
}
