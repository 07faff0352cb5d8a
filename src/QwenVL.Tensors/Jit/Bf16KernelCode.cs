// The machine code of the BF16 micro-kernel, written with X64Emitter: a 12 × 32 float tile in 24
// zmm accumulators, each k-pair step loading two zmm of packed weight pairs and issuing 24
// vdpbf16ps with the x pair broadcast from memory. System V calling convention (Linux x64),
// where every zmm register is caller-saved, so nothing needs saving. It does no packing.
namespace QwenVL.Tensors.Jit;

/// <summary>Builds the bytes of <c>void Tile(uint* a, uint* b, nint slots, float* c, nint ldcBytes, float* init)</c>.</summary>
internal static class Bf16KernelCode
{
    /// <summary>x-rows per tile.</summary>
    public const int MR = 12;

    /// <summary>Output columns per tile (two zmm of 16 float lanes).</summary>
    public const int NR = 32;

    /// <summary>
    /// Arguments: rdi = packed A ([slot][12] bf16 pairs), rsi = packed B ([slot][32] bf16 pairs),
    /// rdx = slots, rcx = C, r8 = C row stride in bytes, r9 = init row (32 floats) or 0.
    /// C[r] = (init ?? C[r]) + Σ_slot; accumulators zmm0..zmm23 (row r in zmm 2r, 2r+1), B in zmm24/25.
    /// </summary>
    public static byte[] Build()
    {
        var e = new X64Emitter();
        int loop = e.NewLabel(), store = e.NewLabel(), accumulate = e.NewLabel(), done = e.NewLabel();

        // Start pulling C's 12 rows (2 lines each) towards L1 while the k loop runs.
        e.MovReg(Gpr.Rax, Gpr.Rcx);
        for (int r = 0; r < MR; r++)
        {
            e.Prefetcht0(Gpr.Rax, 0);
            e.Prefetcht0(Gpr.Rax, 64);
            e.AddReg(Gpr.Rax, Gpr.R8);
        }
        for (int i = 0; i < 2 * MR; i++)
        {
            e.VpxordZmm(i, i, i);
        }
        e.TestReg(Gpr.Rdx, Gpr.Rdx);
        e.Jz(store);

        e.Bind(loop);
        e.VmovupsLoad(24, Gpr.Rsi, 0);
        e.VmovupsLoad(25, Gpr.Rsi, 64);
        for (int r = 0; r < MR; r++)
        {
            e.Vdpbf16psBroadcast(2 * r, 24, Gpr.Rdi, 4 * r);
            e.Vdpbf16psBroadcast((2 * r) + 1, 25, Gpr.Rdi, 4 * r);
        }
        e.AddImm(Gpr.Rdi, 4 * MR);
        e.AddImm(Gpr.Rsi, 4 * NR);
        e.Dec(Gpr.Rdx);
        e.Jnz(loop);

        e.Bind(store);
        e.TestReg(Gpr.R9, Gpr.R9);
        e.Jz(accumulate);
        e.VmovupsLoad(26, Gpr.R9, 0);
        e.VmovupsLoad(27, Gpr.R9, 64);
        for (int r = 0; r < MR; r++)
        {
            e.VaddpsZmm(2 * r, 2 * r, 26);
            e.VaddpsZmm((2 * r) + 1, (2 * r) + 1, 27);
            e.VmovupsStore(Gpr.Rcx, 0, 2 * r);
            e.VmovupsStore(Gpr.Rcx, 64, (2 * r) + 1);
            e.AddReg(Gpr.Rcx, Gpr.R8);
        }
        e.Jmp(done);

        e.Bind(accumulate);
        for (int r = 0; r < MR; r++)
        {
            e.VaddpsZmmMem(2 * r, 2 * r, Gpr.Rcx, 0);
            e.VaddpsZmmMem((2 * r) + 1, (2 * r) + 1, Gpr.Rcx, 64);
            e.VmovupsStore(Gpr.Rcx, 0, 2 * r);
            e.VmovupsStore(Gpr.Rcx, 64, (2 * r) + 1);
            e.AddReg(Gpr.Rcx, Gpr.R8);
        }

        e.Bind(done);
        e.Vzeroupper();
        e.Ret();
        return e.ToArray();
    }
}
