// A tiny x86-64 machine-code emitter: exactly the instruction forms the BF16 GEMM micro-kernels and
// the 512-bit VNNI K-quant dots need (EVEX zmm moves/adds/ands/vdpbf16ps/vpdpbusd, VEX AMX tile ops
// with [base + index + disp], a few integer ops, rel32 branches). Not an assembler: no other forms,
// no validation beyond argument ranges. Every form is pinned to GNU as/objdump bytes in
// JitEmitterTests. ~375 lines (past the usual ~300) because it is one short method per form, kept
// together with the encoding rules.
namespace QwenVL.Tensors.Jit;

/// <summary>General-purpose register numbers as encoded (rax = 0 … r15 = 15).</summary>
internal enum Gpr
{
    Rax = 0, Rcx = 1, Rdx = 2, Rbx = 3, Rsp = 4, Rbp = 5, Rsi = 6, Rdi = 7,
    R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15,
}

/// <summary>Appends encoded instructions to a byte buffer.</summary>
internal sealed class X64Emitter
{
    private readonly List<byte> _code = [];
    private readonly List<(int At, int Label)> _fixups = [];
    private readonly List<int> _labels = [];

    /// <summary>Bytes emitted so far (branches resolved once <see cref="ToArray"/> is called).</summary>
    public int Length => _code.Count;

    /// <summary>A new, unbound branch target.</summary>
    public int NewLabel()
    {
        _labels.Add(-1);
        return _labels.Count - 1;
    }

    /// <summary>Binds <paramref name="label"/> to the current position.</summary>
    public void Bind(int label) => _labels[label] = _code.Count;

    /// <summary>The code with every rel32 branch patched.</summary>
    public byte[] ToArray()
    {
        byte[] code = [.. _code];
        foreach ((int at, int label) in _fixups)
        {
            int target = _labels[label];
            if (target < 0)
            {
                throw new InvalidOperationException($"label {label} is never bound");
            }
            BitConverter.TryWriteBytes(code.AsSpan(at, 4), target - (at + 4));
        }
        return code;
    }

    // ---- EVEX (AVX-512), 512-bit, no masking ----

    /// <summary><c>vpxord zmm{dst}, zmm{a}, zmm{b}</c> (EVEX.512.66.0F.W0 EF /r).</summary>
    public void VpxordZmm(int dst, int a, int b) => EvexRegister(map: 1, pp: 1, opcode: 0xEF, dst, a, b);

    /// <summary><c>vaddps zmm{dst}, zmm{a}, zmm{b}</c> (EVEX.512.0F.W0 58 /r).</summary>
    public void VaddpsZmm(int dst, int a, int b) => EvexRegister(map: 1, pp: 0, opcode: 0x58, dst, a, b);

    /// <summary><c>vaddps zmm{dst}, zmm{a}, zmmword ptr [base + disp]</c>.</summary>
    public void VaddpsZmmMem(int dst, int a, Gpr baseReg, int disp) =>
        EvexMemory(map: 1, pp: 0, opcode: 0x58, dst, a, baseReg, disp, broadcast: false);

    /// <summary><c>vmovups zmm{dst}, zmmword ptr [base + disp]</c> (EVEX.512.0F.W0 10 /r).</summary>
    public void VmovupsLoad(int dst, Gpr baseReg, int disp) =>
        EvexMemory(map: 1, pp: 0, opcode: 0x10, dst, 0, baseReg, disp, broadcast: false);

    /// <summary><c>vmovups zmmword ptr [base + disp], zmm{src}</c> (EVEX.512.0F.W0 11 /r).</summary>
    public void VmovupsStore(Gpr baseReg, int disp, int src) =>
        EvexMemory(map: 1, pp: 0, opcode: 0x11, src, 0, baseReg, disp, broadcast: false);

    /// <summary>
    /// <c>vdpbf16ps zmm{dst}, zmm{a}, dword ptr [base + disp]{1to16}</c> (EVEX.512.F3.0F38.W0 52 /r,
    /// EVEX.b = 1): per lane, dst += a.hi·m.hi + a.lo·m.lo over bf16 pairs, m broadcast.
    /// </summary>
    public void Vdpbf16psBroadcast(int dst, int a, Gpr baseReg, int disp) =>
        EvexMemory(map: 2, pp: 2, opcode: 0x52, dst, a, baseReg, disp, broadcast: true);

    /// <summary>
    /// <c>vpdpbusd zmm{dst}, zmm{a}, dword ptr [base + disp]{1to16}</c> (EVEX.512.66.0F38.W0 50 /r,
    /// EVEX.b = 1): per 32-bit lane, dst += Σ of 4 products u8 a · s8 m, m broadcast.
    /// </summary>
    public void VpdpbusdBroadcast(int dst, int a, Gpr baseReg, int disp) =>
        EvexMemory(map: 2, pp: 1, opcode: 0x50, dst, a, baseReg, disp, broadcast: true);

    /// <summary><c>vmovdqu32 ymm{dst}, ymmword ptr [base + disp]</c> (EVEX.256.F3.0F.W0 6F /r): zeroes bits 256-511.</summary>
    public void Vmovdqu32LoadYmm(int dst, Gpr baseReg, int disp)
    {
        EvexPrefix(map: 1, pp: 2, dst, 0, x: 0, b: ((int)baseReg >> 3) & 1, broadcast: false, w: 0, length: 1);
        Emit(0x6F);
        MemoryOperand(dst, baseReg, disp, scale: 32);
    }

    /// <summary><c>vinserti64x4 zmm{dst}, zmm{a}, ymmword ptr [base + disp], imm</c> (EVEX.512.66.0F3A.W1 3A /r ib).</summary>
    public void Vinserti64x4(int dst, int a, Gpr baseReg, int disp, byte half)
    {
        EvexPrefix(map: 3, pp: 1, dst, a, x: 0, b: ((int)baseReg >> 3) & 1, broadcast: false, w: 1, length: 2);
        Emit(0x3A);
        MemoryOperand(dst, baseReg, disp, scale: 32);
        Emit(half);
    }

    /// <summary><c>vpandd zmm{dst}, zmm{a}, zmm{b}</c> (EVEX.512.66.0F.W0 DB /r).</summary>
    public void VpanddZmm(int dst, int a, int b) => EvexRegister(map: 1, pp: 1, opcode: 0xDB, dst, a, b);

    /// <summary><c>vpaddd zmm{dst}, zmm{a}, zmm{b}</c> (EVEX.512.66.0F.W0 FE /r).</summary>
    public void VpadddZmm(int dst, int a, int b) => EvexRegister(map: 1, pp: 1, opcode: 0xFE, dst, a, b);

    /// <summary><c>vpbroadcastd zmm{dst}, r32</c> (EVEX.512.66.0F38.W0 7C /r): the low 32 bits of a register into every lane.</summary>
    public void VpbroadcastdZmm(int dst, Gpr source) => EvexRegister(map: 2, pp: 1, opcode: 0x7C, dst, 0, (int)source);

    /// <summary><c>vpsllw zmm{dst}, zmm{source}, imm</c> (EVEX.512.66.0F.WIG 71 /6 ib): each 16-bit lane shifted left.</summary>
    public void VpsllwZmm(int dst, int source, byte count) => EvexShift(extension: 6, dst, source, count);

    /// <summary><c>vpsrlw zmm{dst}, zmm{source}, imm</c> (EVEX.512.66.0F.WIG 71 /2 ib): each 16-bit lane shifted right, zeros in.</summary>
    public void VpsrlwZmm(int dst, int source, byte count) => EvexShift(extension: 2, dst, source, count);

    /// <summary>
    /// <c>vpternlogd zmm{dst}, zmm{b}, zmm{c}, imm</c> (EVEX.512.66.0F3A.W0 25 /r ib): per bit,
    /// dst = imm[4·dst + 2·b + c]; 0xEC is (dst &amp; c) | b.
    /// </summary>
    public void VpternlogdZmm(int dst, int b, int c, byte table)
    {
        EvexRegister(map: 3, pp: 1, opcode: 0x25, dst, b, c);
        Emit(table);
    }

    /// <summary><c>vpbroadcastd zmm{dst}, dword ptr [base + disp]</c> (EVEX.512.66.0F38.W0 58 /r): a load, no ALU work.</summary>
    public void VpbroadcastdZmmMem(int dst, Gpr baseReg, int disp)
    {
        EvexPrefix(map: 2, pp: 1, dst, 0, x: 0, b: ((int)baseReg >> 3) & 1, broadcast: false);
        Emit(0x58);
        MemoryOperand(dst, baseReg, disp, scale: 4); // disp8 scaled by the 4-byte element (Tuple1 Scalar)
    }

    // ---- VEX AMX (tile registers tmm0..7) ----

    /// <summary><c>ldtilecfg [base]</c> (VEX.128.NP.0F38.W0 49 /0): loads the 64-byte tile configuration.</summary>
    public void Ldtilecfg(Gpr baseReg)
    {
        Vex3(pp: 0, vvvv: 0, r: 0, x: 0, b: (int)baseReg);
        Emit(0x49);
        MemoryOperand(0, baseReg, 0, scale: 1);
    }

    /// <summary><c>tilerelease</c> (VEX.128.NP.0F38.W0 49 C0): returns the tiles to their init state.</summary>
    public void Tilerelease()
    {
        Vex3(pp: 0, vvvv: 0, r: 0, x: 0, b: 0);
        Emit(0x49, 0xC0);
    }

    /// <summary><c>tilezero tmm{t}</c> (VEX.128.F2.0F38.W0 49 /r, mod = 11).</summary>
    public void Tilezero(int t)
    {
        CheckTile(t);
        Vex3(pp: 3, vvvv: 0, r: 0, x: 0, b: 0);
        Emit(0x49, ModRm(3, t, 0));
    }

    /// <summary><c>tileloadd tmm{t}, [base + index·1 + disp]</c> (VEX.128.F2.0F38.W0 4B): row stride = index.</summary>
    public void Tileloadd(int t, Gpr baseReg, Gpr index, int disp) => TileMemory(pp: 3, t, baseReg, index, disp);

    /// <summary>
    /// <c>tileloaddt1 tmm{t}, [base + index·1 + disp]</c> (VEX.128.66.0F38.W0 4B): tileloadd with a
    /// hint that the rows will not be reused soon, so they need not displace L1 lines.
    /// </summary>
    public void Tileloaddt1(int t, Gpr baseReg, Gpr index, int disp) => TileMemory(pp: 1, t, baseReg, index, disp);

    /// <summary><c>tilestored [base + index·1 + disp], tmm{t}</c> (VEX.128.F3.0F38.W0 4B).</summary>
    public void Tilestored(Gpr baseReg, Gpr index, int disp, int t) => TileMemory(pp: 2, t, baseReg, index, disp);

    /// <summary>
    /// <c>tdpbf16ps tmm{dst}, tmm{a}, tmm{b}</c> (VEX.128.F3.0F38.W0 5C /r; a in r/m, b in vvvv):
    /// dst[m][n] += Σ_k bf16 pairs a[m][k] · b[k][n].
    /// </summary>
    public void Tdpbf16ps(int dst, int a, int b)
    {
        CheckTile(dst);
        CheckTile(a);
        CheckTile(b);
        Vex3(pp: 2, vvvv: b, r: 0, x: 0, b: 0);
        Emit(0x5C, ModRm(3, dst, a));
    }

    // ---- legacy integer and control ----

    /// <summary><c>mov reg32, imm32</c> (B8+r id; zero-extends into the 64-bit register).</summary>
    public void MovImm32(Gpr reg, int imm)
    {
        if ((int)reg >= 8)
        {
            Emit(0x41);
        }
        Emit((byte)(0xB8 + ((int)reg & 7)));
        EmitInt32(imm);
    }

    /// <summary><c>imul dst, src, imm8</c> (REX.W 6B /r ib).</summary>
    public void ImulImm8(Gpr dst, Gpr src, sbyte imm)
    {
        Rex(w: true, r: (int)dst, b: (int)src);
        Emit(0x6B, ModRm(3, (int)dst, (int)src), (byte)imm);
    }

    /// <summary><c>sub reg, imm8</c> (REX.W 83 /5 ib).</summary>
    public void SubImm8(Gpr reg, sbyte imm)
    {
        Rex(w: true, r: 0, b: (int)reg);
        Emit(0x83, ModRm(3, 5, (int)reg), (byte)imm);
    }

    /// <summary><c>add reg, imm</c> (REX.W 83 /0 ib or REX.W 81 /0 id).</summary>
    public void AddImm(Gpr reg, int imm)
    {
        Rex(w: true, r: 0, b: (int)reg);
        if (imm is >= sbyte.MinValue and <= sbyte.MaxValue)
        {
            Emit(0x83, ModRm(3, 0, (int)reg), (byte)(sbyte)imm);
        }
        else
        {
            Emit(0x81, ModRm(3, 0, (int)reg));
            EmitInt32(imm);
        }
    }

    /// <summary><c>add dst, src</c> (REX.W 01 /r).</summary>
    public void AddReg(Gpr dst, Gpr src)
    {
        Rex(w: true, r: (int)src, b: (int)dst);
        Emit(0x01, ModRm(3, (int)src, (int)dst));
    }

    /// <summary><c>mov dst, src</c> (REX.W 89 /r).</summary>
    public void MovReg(Gpr dst, Gpr src)
    {
        Rex(w: true, r: (int)src, b: (int)dst);
        Emit(0x89, ModRm(3, (int)src, (int)dst));
    }

    /// <summary><c>mov dst, qword ptr [base + disp]</c> (REX.W 8B /r).</summary>
    public void MovLoad(Gpr dst, Gpr baseReg, int disp)
    {
        Rex(w: true, r: (int)dst, b: (int)baseReg);
        Emit(0x8B);
        MemoryOperand((int)dst, baseReg, disp, scale: 1);
    }

    /// <summary><c>test a, b</c> (REX.W 85 /r).</summary>
    public void TestReg(Gpr a, Gpr b)
    {
        Rex(w: true, r: (int)b, b: (int)a);
        Emit(0x85, ModRm(3, (int)b, (int)a));
    }

    /// <summary><c>dec reg</c> (REX.W FF /1).</summary>
    public void Dec(Gpr reg)
    {
        Rex(w: true, r: 0, b: (int)reg);
        Emit(0xFF, ModRm(3, 1, (int)reg));
    }

    /// <summary><c>prefetcht0 byte ptr [base + disp]</c> (0F 18 /1).</summary>
    public void Prefetcht0(Gpr baseReg, int disp)
    {
        if ((int)baseReg >= 8)
        {
            Emit(0x41);
        }
        Emit(0x0F, 0x18);
        MemoryOperand(1, baseReg, disp, scale: 1);
    }

    /// <summary><c>jnz label</c> (0F 85 rel32).</summary>
    public void Jnz(int label) => Branch([0x0F, 0x85], label);

    /// <summary><c>jz label</c> (0F 84 rel32).</summary>
    public void Jz(int label) => Branch([0x0F, 0x84], label);

    /// <summary><c>jmp label</c> (E9 rel32).</summary>
    public void Jmp(int label) => Branch([0xE9], label);

    /// <summary><c>vzeroupper</c> (VEX C5 F8 77): avoids SSE/AVX transition stalls in the caller.</summary>
    public void Vzeroupper() => Emit(0xC5, 0xF8, 0x77);

    /// <summary><c>ret</c>.</summary>
    public void Ret() => Emit(0xC3);

    private void Branch(byte[] opcode, int label)
    {
        Emit(opcode);
        _fixups.Add((_code.Count, label));
        EmitInt32(0);
    }

    private void TileMemory(int pp, int t, Gpr baseReg, Gpr index, int disp)
    {
        CheckTile(t);
        if (index == Gpr.Rsp)
        {
            throw new ArgumentOutOfRangeException(nameof(index), "rsp cannot be an index");
        }
        Vex3(pp, vvvv: 0, r: 0, x: (int)index, b: (int)baseReg);
        Emit(0x4B);
        // Always a SIB byte (scale 1): the tile's row stride is the index register.
        int mod = disp == 0 && ((int)baseReg & 7) != 5 ? 0 : disp is >= sbyte.MinValue and <= sbyte.MaxValue ? 1 : 2;
        Emit(ModRm(mod, t, 4), (byte)((((int)index & 7) << 3) | ((int)baseReg & 7)));
        if (mod == 1) { Emit((byte)(sbyte)disp); }
        if (mod == 2) { EmitInt32(disp); }
    }

    /// <summary>Three-byte VEX, map 0F38, W0, L0: C4 [R̄X̄B̄ 00010] [0 v̄v̄v̄v̄ 0 pp].</summary>
    private void Vex3(int pp, int vvvv, int r, int x, int b)
    {
        int p1 = ((~r >> 3 & 1) << 7) | ((~x >> 3 & 1) << 6) | ((~b >> 3 & 1) << 5) | 0b00010;
        int p2 = ((~vvvv & 15) << 3) | pp;
        Emit(0xC4, (byte)p1, (byte)p2);
    }

    private static void CheckTile(int t)
    {
        if ((uint)t > 7)
        {
            throw new ArgumentOutOfRangeException(nameof(t), t, "tile registers are tmm0..tmm7");
        }
    }

    private void EvexRegister(int map, int pp, byte opcode, int dst, int a, int b)
    {
        // With a register r/m, EVEX.X carries bit 4 of its number and EVEX.B bit 3.
        EvexPrefix(map, pp, dst, a, x: (b >> 4) & 1, b: (b >> 3) & 1, broadcast: false);
        Emit(opcode, ModRm(3, dst, b));
    }

    private void EvexShift(int extension, int dst, int source, byte count)
    {
        // The destination is in EVEX.vvvv; ModRM.reg holds the opcode extension; EVEX.X/B carry the source's bits 4/3.
        EvexPrefix(map: 1, pp: 1, extension, dst, x: (source >> 4) & 1, b: (source >> 3) & 1, broadcast: false);
        Emit(0x71, ModRm(3, extension, source), count);
    }

    private void EvexMemory(int map, int pp, byte opcode, int reg, int vvvv, Gpr baseReg, int disp, bool broadcast)
    {
        EvexPrefix(map, pp, reg, vvvv, x: 0, b: ((int)baseReg >> 3) & 1, broadcast);
        Emit(opcode);
        // EVEX disp8 is scaled by the memory operand size N: 64 for a full zmm, 4 for a dword broadcast.
        MemoryOperand(reg, baseReg, disp, scale: broadcast ? 4 : 64);
    }

    /// <summary>62 P0 P1 P2, no masking; W = 0 and L'L = 2 (512 bits) unless given.</summary>
    private void EvexPrefix(int map, int pp, int reg, int vvvv, int x, int b, bool broadcast, int w = 0, int length = 2)
    {
        CheckZmm(reg);
        CheckZmm(vvvv);
        int p0 = ((~reg >> 3 & 1) << 7) | ((~x & 1) << 6) | ((~b & 1) << 5) | ((~reg >> 4 & 1) << 4) | map;
        int p1 = (w << 7) | ((~vvvv & 15) << 3) | 0b100 | pp;
        int p2 = (length << 5) | ((broadcast ? 1 : 0) << 4) | ((~vvvv >> 4 & 1) << 3);
        Emit(0x62, (byte)p0, (byte)p1, (byte)p2);
    }

    private void MemoryOperand(int reg, Gpr baseReg, int disp, int scale)
    {
        int rm = (int)baseReg & 7;
        bool sib = rm == 4; // rsp/r12 as base need a SIB byte (no index)
        if (disp == 0 && rm != 5)
        {
            Emit(ModRm(0, reg, rm));
            if (sib) { Emit(0x24); }
        }
        else if (disp % scale == 0 && disp / scale is >= sbyte.MinValue and <= sbyte.MaxValue)
        {
            Emit(ModRm(1, reg, rm));
            if (sib) { Emit(0x24); }
            Emit((byte)(sbyte)(disp / scale));
        }
        else
        {
            Emit(ModRm(2, reg, rm));
            if (sib) { Emit(0x24); }
            EmitInt32(disp);
        }
    }

    private void Rex(bool w, int r, int b)
    {
        Emit((byte)(0x40 | (w ? 8 : 0) | ((r >> 3 & 1) << 2) | (b >> 3 & 1)));
    }

    private static byte ModRm(int mod, int reg, int rm) => (byte)((mod << 6) | ((reg & 7) << 3) | (rm & 7));

    private static void CheckZmm(int register)
    {
        if ((uint)register > 31)
        {
            throw new ArgumentOutOfRangeException(nameof(register), register, "zmm registers are 0..31");
        }
    }

    private void EmitInt32(int value)
    {
        for (int i = 0; i < 4; i++)
        {
            _code.Add((byte)(value >> (8 * i)));
        }
    }

    private void Emit(params ReadOnlySpan<byte> bytes)
    {
        foreach (byte value in bytes)
        {
            _code.Add(value);
        }
    }
}
