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
/// Builds <c>void Q4KPair(byte* qs0, byte* qs1, sbyte* x, nint k, int* sums)</c> and
/// <c>void Q6KPair(byte* g0, byte* g1, sbyte* x, nint k, int* seeds, int* sums)</c> for 1-4 x-rows.
/// </summary>
internal static class KQuantZmmCode
{
    /// <summary>Bytes of one Q4_Kx8 super-block (8 rows × 144), the distance to the next one.</summary>
    private const int Q4KGroupBytes = 8 * 144;

    /// <summary>Bytes of one Q6_Kx8 super-block (8 rows × 210).</summary>
    private const int Q6KGroupBytes = 8 * 210;

    /// <summary>
    /// One super-block of two Q4_Kx8 groups against <paramref name="rows"/> x-rows. rdi, rsi = the two
    /// groups' packed nibbles (super-block + 128: 32 vectors of 8 rows × 4 values), rdx = x-row 0's 256
    /// int8 values of this super-block, rcx = k (bytes from one x-row to the next), r8 = sums.
    /// Writes sums[16·(8i + j) + l]: sub-block j of x-row i, lane l &lt; 8 = row l of group 0, lane
    /// l ≥ 8 = row l − 8 of group 1. Low nibbles (even j) are dotted as they are (v &amp; 0x0F), high
    /// ones in place (v &amp; 0xF0, 16× the value, as VnniByteDot's kernels do), so every sum equals the
    /// 256-bit kernels' exactly. Each vector position loads group 0's 32 bytes and inserts group 1's,
    /// and the 4 x bytes of each x-row come broadcast from memory inside the vpdpbusd.
    /// </summary>
    public static byte[] BuildQ4KPair(int rows)
    {
        const int low4 = 31, high4 = 30, packed = 28, low = 29, high = 27;
        Gpr[] x = [Gpr.Rdx, Gpr.R9, Gpr.R10, Gpr.R11];
        X64Emitter e = Start(rows, x, 0x0F0F0F0F, unchecked((int)0xF0F0F0F0));
        // Two chains per sum (even and odd positions), 4-16 accumulators: with one, each chunk ends on
        // a chain of 8 dependent vpdpbusd, and 4 x-rows ran 5% slower (3 chains: no faster; batched
        // decode of the 3B Q4_K_M file, paired in one process).
        const int chains = 2;
        int Acc(int row, int nibble, int chain) => (chain * 2 * rows) + (2 * row) + nibble; // zmm0-15
        for (int c = 0; c < 4; c++)
        {
            // The next super-block of both groups, 5 lines of each per chunk (as the 256-bit kernels).
            // Without them 4-row decode ran 20% slower; two super-blocks ahead, no faster (paired).
            for (int line = 0; line < 5; line++)
            {
                int ahead = Q4KGroupBytes - 128 + (320 * c) + (64 * line);
                e.Prefetcht0(Gpr.Rdi, ahead);
                e.Prefetcht0(Gpr.Rsi, ahead);
            }
            for (int a = 0; a < 2 * rows * chains; a++)
            {
                e.VpxordZmm(a, a, a);
            }
            for (int p = 0; p < 8; p++)
            {
                int at = (256 * c) + (32 * p);
                e.Vmovdqu32LoadYmm(packed, Gpr.Rdi, at);
                e.Vinserti64x4(packed, packed, Gpr.Rsi, at, 1);
                e.VpanddZmm(low, packed, low4);
                e.VpanddZmm(high, packed, high4);
                for (int i = 0; i < rows; i++)
                {
                    // Sub-block 2c is x[64c .. 64c + 32), 2c + 1 the next 32; position p holds values 4p..4p+3.
                    e.VpdpbusdBroadcast(Acc(i, 0, p % chains), low, x[i], (64 * c) + (4 * p));
                    e.VpdpbusdBroadcast(Acc(i, 1, p % chains), high, x[i], (64 * c) + 32 + (4 * p));
                }
            }
            for (int i = 0; i < rows; i++)
            {
                for (int nibble = 0; nibble < 2; nibble++)
                {
                    e.VpadddZmm(Acc(i, nibble, 0), Acc(i, nibble, 0), Acc(i, nibble, 1));
                    e.VmovupsStore(Gpr.R8, 64 * ((8 * i) + (2 * c) + nibble), Acc(i, nibble, 0));
                }
            }
        }
        e.Vzeroupper();
        e.Ret();
        return e.ToArray();
    }

    /// <summary>
    /// One super-block of two Q6_Kx8 groups against <paramref name="rows"/> x-rows, as the 256-bit
    /// QuarterQ6KRows: rdi, rsi = the two groups' super-blocks (ql at +16, qh at +1040), rdx = x-row 0's
    /// 256 int8 values, rcx = k, r8 = seeds[16i + j] (sub-block j's −32·Σx of x-row i), r9 = sums.
    /// Writes sums[16·(16i + j) + l] (lanes as <see cref="BuildQ4KPair"/>): each 6-bit value is its ql
    /// nibble or'ed with 2 bits of qh moved to bits 4-5, and each sum starts from its seed.
    /// </summary>
    public static byte[] BuildQ6KPair(int rows)
    {
        const int low4 = 31, bits45 = 30, ql = 28, qh = 27, spare = 26, va = 25, nib = 24;
        Gpr[] x = [Gpr.Rdx, Gpr.R10, Gpr.R11, Gpr.Rax];
        X64Emitter e = Start(rows, x, 0x0F0F0F0F, 0x30303030);
        // The 4 calls of QuarterQ6KRows per super-block: ql and qh offsets, x offset, first sub-block.
        (int Ql, int Qh, int X, int J)[] quarters = [(16, 1040, 0, 0), (144, 1168, 16, 1), (528, 1296, 128, 8), (656, 1424, 144, 9)];
        for (int call = 0; call < 4; call++)
        {
            // The next super-block of both groups (27 lines), 7 lines of each per call. All 54 at the
            // start (the 256-bit Q6_K kernels' burst) ran 5% slower at 4 x-rows, 3% at one (paired).
            for (int line = 0; line < 7; line++)
            {
                e.Prefetcht0(Gpr.Rdi, Q6KGroupBytes + (64 * ((7 * call) + line)));
                e.Prefetcht0(Gpr.Rsi, Q6KGroupBytes + (64 * ((7 * call) + line)));
            }
            (int qlAt, int qhAt, int xAt, int j0) = quarters[call];
            for (int high = 0; high < 2; high++)
            {
                // Quarter a (x) and quarter b (x + 64) of this ql half; the high half is x + 32 on.
                int ja = j0 + (2 * high), jb = ja + 4;
                for (int i = 0; i < rows; i++)
                {
                    e.VpbroadcastdZmmMem(2 * i, Gpr.R8, 4 * ((16 * i) + ja));
                    e.VpbroadcastdZmmMem((2 * i) + 1, Gpr.R8, 4 * ((16 * i) + jb));
                }
                for (int p = 0; p < 4; p++)
                {
                    int qlP = qlAt + (256 * high) + (32 * p), qhP = qhAt + (32 * p);
                    e.Vmovdqu32LoadYmm(ql, Gpr.Rdi, qlP);
                    e.Vinserti64x4(ql, ql, Gpr.Rsi, qlP, 1);
                    e.Vmovdqu32LoadYmm(qh, Gpr.Rdi, qhP);
                    e.Vinserti64x4(qh, qh, Gpr.Rsi, qhP, 1);
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
                        int at = xAt + (32 * high) + (4 * p);
                        e.VpdpbusdBroadcast(2 * i, va, x[i], at);
                        e.VpdpbusdBroadcast((2 * i) + 1, qh, x[i], at + 64);
                    }
                }
                for (int i = 0; i < rows; i++)
                {
                    e.VmovupsStore(Gpr.R9, 64 * ((16 * i) + ja), 2 * i);
                    e.VmovupsStore(Gpr.R9, 64 * ((16 * i) + jb), (2 * i) + 1);
                }
            }
        }
        e.Vzeroupper();
        e.Ret();
        return e.ToArray();
    }

    /// <summary>
    /// The shared prologue: byte masks <paramref name="mask31"/> and <paramref name="mask30"/> broadcast
    /// into zmm31 and zmm30 (through eax), then x-row i's pointer in x[i] = x[i − 1] + k (rcx).
    /// </summary>
    private static X64Emitter Start(int rows, Gpr[] x, int mask31, int mask30)
    {
        if (rows is < 1 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "1 to 4 x-rows");
        }
        var e = new X64Emitter();
        e.MovImm32(Gpr.Rax, mask31);
        e.VpbroadcastdZmm(31, Gpr.Rax);
        e.MovImm32(Gpr.Rax, mask30);
        e.VpbroadcastdZmm(30, Gpr.Rax);
        for (int i = 1; i < rows; i++)
        {
            e.MovReg(x[i], x[i - 1]);
            e.AddReg(x[i], Gpr.Rcx);
        }
        return e;
    }
}

/// <summary>The generated 512-bit K-quant code, mapped on first use and kept for the process lifetime.</summary>
internal static unsafe class KQuantZmm
{
    private static readonly nint[] Q4KPairs = Create(KQuantZmmCode.BuildQ4KPair);
    private static readonly nint[] Q6KPairs = Create(KQuantZmmCode.BuildQ6KPair);

    /// <summary>
    /// CPUID leaf 7 subleaf 0 ECX bit 11 (AVX512_VNNI) on Linux x64, with a runtime that enabled AVX-512
    /// (so the OS saves zmm state) and AVX-VNNI (the 256-bit kernels the 512-bit ones extend).
    /// </summary>
    public static bool CpuSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64
        && Avx512F.IsSupported && Avx512BW.IsSupported && AvxVnni.IsSupported
        && (X86Base.CpuId(7, 0).Ecx & (1 << 11)) != 0;

    /// <summary>True when the code for every row count is mapped executable.</summary>
    public static bool IsAvailable => Q4KPairs.Length == 4 && Q6KPairs.Length == 4;

    /// <summary>The Q4_K pair kernel for 1-4 x-rows (<see cref="KQuantZmmCode.BuildQ4KPair"/>).</summary>
    public static delegate* unmanaged[SuppressGCTransition]<byte*, byte*, sbyte*, nint, int*, void> Q4KPair(int rows) =>
        (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, sbyte*, nint, int*, void>)Q4KPairs[rows - 1];

    /// <summary>The Q6_K pair kernel for 1-4 x-rows (<see cref="KQuantZmmCode.BuildQ6KPair"/>).</summary>
    public static delegate* unmanaged[SuppressGCTransition]<byte*, byte*, sbyte*, nint, int*, int*, void> Q6KPair(int rows) =>
        (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, sbyte*, nint, int*, int*, void>)Q6KPairs[rows - 1];

    private static nint[] Create(Func<int, byte[]> build)
    {
        if (!CpuSupported)
        {
            return [];
        }
        var code = new nint[4];
        for (int rows = 1; rows <= 4; rows++)
        {
            void* mapped = ExecutableMemory.TryCreate(build(rows));
            if (mapped == null)
            {
                return [];
            }
            code[rows - 1] = (nint)mapped;
        }
        return code;
    }
}
