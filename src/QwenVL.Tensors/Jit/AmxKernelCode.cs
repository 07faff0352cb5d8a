// The machine code of the AMX BF16 micro-kernel, written with X64Emitter: a 32 × 32 float tile
// held in four accumulator tiles (tmm0..3, 16 × 16 floats each), fed per 32-k step by two A tiles
// (16 rows × 16 bf16 pairs) and two B tiles (16 pair-rows × 16 columns), i.e. 4 tdpbf16ps of
// 8192 multiply-adds each. System V convention; it assumes the caller loaded TileConfig on this thread.
namespace QwenVL.Tensors.Jit;

/// <summary>Builds the bytes of the AMX kernel and of its configure/release helpers.</summary>
internal static class AmxKernelCode
{
    /// <summary>x-rows per tile (two 16-row A tiles).</summary>
    public const int MR = 32;

    /// <summary>Output columns per tile (two 16-column B tiles).</summary>
    public const int NR = 32;

    /// <summary>bf16 pairs per A/B tile step (a tile row is 64 bytes = 16 pairs).</summary>
    public const int SlotsPerStep = 16;

    /// <summary>
    /// The 64-byte tile configuration: palette 1, all eight tiles 16 rows × 64 bytes (16 floats or
    /// 16 bf16 pairs per row). Layout: byte 0 palette, bytes 16..31 colsb[8] (uint16), 48..55 rows[8].
    /// </summary>
    public static byte[] TileConfig()
    {
        var config = new byte[64];
        config[0] = 1;
        for (int t = 0; t < 8; t++)
        {
            config[16 + (2 * t)] = 64;
            config[48 + t] = 16;
        }
        return config;
    }

    /// <summary>
    /// <c>void Tile(uint* a, uint* b, nint slots, float* c, nint ldcBytes, float* init)</c>; slots is a
    /// multiple of 16. A panel: per step [32 rows][16 pairs] (2 KiB; rows 16..31 at +1 KiB); B panel:
    /// [slot][32 columns] (128-byte rows; columns 16..31 at +64). C = (init broadcast to every row,
    /// via a zero row stride, or C itself) + A·B, stored with row stride ldcBytes.
    /// </summary>
    public static byte[] BuildTile()
    {
        var e = new X64Emitter();
        int fromC = e.NewLabel(), start = e.NewLabel(), loop = e.NewLabel(), store = e.NewLabel();
        e.ImulImm8(Gpr.R11, Gpr.R8, 16);
        e.AddReg(Gpr.R11, Gpr.Rcx);              // r11 = C + 16 rows
        e.MovImm32(Gpr.R10, 4 * NR);             // B row stride: 128 bytes
        e.TestReg(Gpr.R9, Gpr.R9);
        e.Jz(fromC);
        e.MovImm32(Gpr.Rax, 0);                  // stride 0: every row reads the init vector
        e.Tileloadd(0, Gpr.R9, Gpr.Rax, 0);
        e.Tileloadd(1, Gpr.R9, Gpr.Rax, 64);
        e.Tileloadd(2, Gpr.R9, Gpr.Rax, 0);
        e.Tileloadd(3, Gpr.R9, Gpr.Rax, 64);
        e.Jmp(start);
        e.Bind(fromC);
        e.Tileloadd(0, Gpr.Rcx, Gpr.R8, 0);
        e.Tileloadd(1, Gpr.Rcx, Gpr.R8, 64);
        e.Tileloadd(2, Gpr.R11, Gpr.R8, 0);
        e.Tileloadd(3, Gpr.R11, Gpr.R8, 64);
        e.Bind(start);
        e.MovImm32(Gpr.Rax, 64);                 // A row stride: 64 bytes
        e.TestReg(Gpr.Rdx, Gpr.Rdx);
        e.Jz(store);
        e.Bind(loop);
        e.Tileloadd(4, Gpr.Rdi, Gpr.Rax, 0);
        e.Tileloadd(5, Gpr.Rdi, Gpr.Rax, 1024);
        // B streams from L2 (a new 32-column panel per call) while the A panel is reused by every
        // call of the row: the T1 hint keeps B from evicting A's L1 lines. Measured, 384 × 1024
        // block with KC = 512, one core: +14–16% against plain tileloadd (T1 on A as well: +2%
        // only, on A alone: none).
        e.Tileloaddt1(6, Gpr.Rsi, Gpr.R10, 0);
        e.Tileloaddt1(7, Gpr.Rsi, Gpr.R10, 64);
        e.Tdpbf16ps(0, 4, 6);
        e.Tdpbf16ps(1, 4, 7);
        e.Tdpbf16ps(2, 5, 6);
        e.Tdpbf16ps(3, 5, 7);
        e.AddImm(Gpr.Rdi, 2048);
        e.AddImm(Gpr.Rsi, 2048);
        e.SubImm8(Gpr.Rdx, SlotsPerStep);
        e.Jnz(loop);
        e.Bind(store);
        e.Tilestored(Gpr.Rcx, Gpr.R8, 0, 0);
        e.Tilestored(Gpr.Rcx, Gpr.R8, 64, 1);
        e.Tilestored(Gpr.R11, Gpr.R8, 0, 2);
        e.Tilestored(Gpr.R11, Gpr.R8, 64, 3);
        e.Ret();
        return e.ToArray();
    }

    /// <summary><c>void Configure(byte* config)</c>: ldtilecfg [rdi].</summary>
    public static byte[] BuildConfigure()
    {
        var e = new X64Emitter();
        e.Ldtilecfg(Gpr.Rdi);
        e.Ret();
        return e.ToArray();
    }

    /// <summary><c>void Release()</c>: tilerelease.</summary>
    public static byte[] BuildRelease()
    {
        var e = new X64Emitter();
        e.Tilerelease();
        e.Ret();
        return e.ToArray();
    }
}
