// The machine code of the 512-bit VNNI K-quant dot products, written with X64Emitter, and the
// pointers to it: .NET 10 exposes vpdpbusd only at 128/256 bits (AvxVnni), while this CPU issues the
// 512-bit form two per cycle, as it does the 256-bit one (0.22 vs 0.19 ns each, a tight loop), so a
// zmm dot does 1.7× the work. Only the integer sums of one super-block of a pair of Q4_Kx8 groups are
// generated; scales, mins and float sums stay in C# (InterleavedDotX86.Zmm.cs). System V, Linux x64.
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors.Jit;

/// <summary>Builds <c>void Q4KPair(byte* qs0, byte* qs1, sbyte* x, nint k, int* sums)</c> for 1-4 x-rows.</summary>
internal static class KQuantZmmCode
{
    /// <summary>Bytes of one Q4_Kx8 super-block (8 rows × 144), the distance to the next one.</summary>
    private const int Q4KGroupBytes = 8 * 144;

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
        if (rows is < 1 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "1 to 4 x-rows");
        }
        var e = new X64Emitter();
        Gpr[] x = [Gpr.Rdx, Gpr.R9, Gpr.R10, Gpr.R11];
        for (int i = 1; i < rows; i++)
        {
            e.MovReg(x[i], x[i - 1]);
            e.AddReg(x[i], Gpr.Rcx);
        }
        const int low4 = 31, high4 = 30, packed = 28, low = 29, high = 27;
        e.MovImm32(Gpr.Rax, 0x0F0F0F0F);
        e.VpbroadcastdZmm(low4, Gpr.Rax);
        e.MovImm32(Gpr.Rax, unchecked((int)0xF0F0F0F0));
        e.VpbroadcastdZmm(high4, Gpr.Rax);
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
}

/// <summary>The generated 512-bit K-quant code, mapped on first use and kept for the process lifetime.</summary>
internal static unsafe class KQuantZmm
{
    private static readonly nint[] Q4KPairs = Create();

    /// <summary>
    /// CPUID leaf 7 subleaf 0 ECX bit 11 (AVX512_VNNI) on Linux x64, with a runtime that enabled AVX-512
    /// (so the OS saves zmm state) and AVX-VNNI (the 256-bit kernels the 512-bit ones extend).
    /// </summary>
    public static bool CpuSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64
        && Avx512F.IsSupported && Avx512BW.IsSupported && AvxVnni.IsSupported
        && (X86Base.CpuId(7, 0).Ecx & (1 << 11)) != 0;

    /// <summary>True when the code for every row count is mapped executable.</summary>
    public static bool IsAvailable => Q4KPairs.Length == 4;

    /// <summary>The Q4_K pair kernel for 1-4 x-rows (<see cref="KQuantZmmCode.BuildQ4KPair"/>).</summary>
    public static delegate* unmanaged[SuppressGCTransition]<byte*, byte*, sbyte*, nint, int*, void> Q4KPair(int rows) =>
        (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, sbyte*, nint, int*, void>)Q4KPairs[rows - 1];

    private static nint[] Create()
    {
        if (!CpuSupported)
        {
            return [];
        }
        var code = new nint[4];
        for (int rows = 1; rows <= 4; rows++)
        {
            void* mapped = ExecutableMemory.TryCreate(KQuantZmmCode.BuildQ4KPair(rows));
            if (mapped == null)
            {
                return [];
            }
            code[rows - 1] = (nint)mapped;
        }
        return code;
    }
}
