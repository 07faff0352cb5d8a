// Pins X64Emitter to GNU as: every instruction form the generated kernels use, with the bytes
// `as --64` produced and the text `objdump -D -b binary -mi386:x86-64 -M intel` prints beside it;
// where objdump is installed the table and the whole kernels are also disassembled at test time.
using System.Diagnostics;
using QwenVL.Tensors.Jit;

namespace QwenVL.Tensors.Tests;

public class JitEmitterTests
{
    /// <summary>
    /// Every instruction form the kernels use, with bytes from GNU as 2.40 (`as --64`, Intel syntax)
    /// and the text objdump 2.40 prints for them (`objdump -D -b binary -mi386:x86-64 -M intel`).
    /// </summary>
    private static readonly (string Asm, string Bytes, Action<X64Emitter> Emit)[] Encodings =
    [
        ("vpxord zmm0,zmm0,zmm0", "62 f1 7d 48 ef c0", e => e.VpxordZmm(0, 0, 0)),
        ("vpxord zmm23,zmm23,zmm23", "62 a1 45 40 ef ff", e => e.VpxordZmm(23, 23, 23)),
        ("vpxord zmm9,zmm17,zmm30", "62 11 75 40 ef ce", e => e.VpxordZmm(9, 17, 30)),
        ("vaddps zmm0,zmm0,zmm26", "62 91 7c 48 58 c2", e => e.VaddpsZmm(0, 0, 26)),
        ("vaddps zmm23,zmm23,zmm27", "62 81 44 40 58 fb", e => e.VaddpsZmm(23, 23, 27)),
        ("vaddps zmm5,zmm5,ZMMWORD PTR [rcx]", "62 f1 54 48 58 29", e => e.VaddpsZmmMem(5, 5, Gpr.Rcx, 0)),
        ("vaddps zmm21,zmm21,ZMMWORD PTR [rcx+0x40]", "62 e1 54 40 58 69 01", e => e.VaddpsZmmMem(21, 21, Gpr.Rcx, 64)),
        ("vaddps zmm1,zmm2,ZMMWORD PTR [rcx+0x64]", "62 f1 6c 48 58 89 64 00 00 00", e => e.VaddpsZmmMem(1, 2, Gpr.Rcx, 100)),
        ("vmovups zmm24,ZMMWORD PTR [rsi]", "62 61 7c 48 10 06", e => e.VmovupsLoad(24, Gpr.Rsi, 0)),
        ("vmovups zmm25,ZMMWORD PTR [rsi+0x40]", "62 61 7c 48 10 4e 01", e => e.VmovupsLoad(25, Gpr.Rsi, 64)),
        ("vmovups zmm26,ZMMWORD PTR [r9]", "62 41 7c 48 10 11", e => e.VmovupsLoad(26, Gpr.R9, 0)),
        ("vmovups zmm27,ZMMWORD PTR [r9+0x40]", "62 41 7c 48 10 59 01", e => e.VmovupsLoad(27, Gpr.R9, 64)),
        ("vmovups ZMMWORD PTR [rcx],zmm0", "62 f1 7c 48 11 01", e => e.VmovupsStore(Gpr.Rcx, 0, 0)),
        ("vmovups ZMMWORD PTR [rcx+0x40],zmm23", "62 e1 7c 48 11 79 01", e => e.VmovupsStore(Gpr.Rcx, 64, 23)),
        ("vmovups ZMMWORD PTR [rcx+0x2000],zmm3", "62 f1 7c 48 11 99 00 20 00 00", e => e.VmovupsStore(Gpr.Rcx, 8192, 3)),
        ("vdpbf16ps zmm0,zmm24,DWORD BCST [rdi]", "62 f2 3e 50 52 07", e => e.Vdpbf16psBroadcast(0, 24, Gpr.Rdi, 0)),
        ("vdpbf16ps zmm23,zmm25,DWORD BCST [rdi+0x2c]", "62 e2 36 50 52 7f 0b", e => e.Vdpbf16psBroadcast(23, 25, Gpr.Rdi, 44)),
        ("vdpbf16ps zmm7,zmm12,DWORD BCST [r8+0x4]", "62 d2 1e 58 52 78 01", e => e.Vdpbf16psBroadcast(7, 12, Gpr.R8, 4)),
        ("vdpbf16ps zmm16,zmm31,DWORD BCST [rdi+0x400]", "62 e2 06 50 52 87 00 04 00 00", e => e.Vdpbf16psBroadcast(16, 31, Gpr.Rdi, 1024)),
        ("vpdpbusd zmm0,zmm9,DWORD BCST [rdx]", "62 f2 35 58 50 02", e => e.VpdpbusdBroadcast(0, 9, Gpr.Rdx, 0)),
        ("vpdpbusd zmm7,zmm10,DWORD BCST [r11+0xfc]", "62 d2 2d 58 50 7b 3f", e => e.VpdpbusdBroadcast(7, 10, Gpr.R11, 252)),
        ("vpdpbusd zmm3,zmm9,DWORD BCST [r9+0x24]", "62 d2 35 58 50 59 09", e => e.VpdpbusdBroadcast(3, 9, Gpr.R9, 36)),
        ("vpdpbusd zmm5,zmm10,DWORD BCST [rdx+0x400]", "62 f2 2d 58 50 aa 00 04 00 00", e => e.VpdpbusdBroadcast(5, 10, Gpr.Rdx, 1024)),
        ("vmovdqu32 ymm8,YMMWORD PTR [rdi]", "62 71 7e 28 6f 07", e => e.Vmovdqu32LoadYmm(8, Gpr.Rdi, 0)),
        ("vmovdqu32 ymm8,YMMWORD PTR [rdi+0x3e0]", "62 71 7e 28 6f 47 1f", e => e.Vmovdqu32LoadYmm(8, Gpr.Rdi, 992)),
        ("vmovdqu32 ymm8,YMMWORD PTR [rsi+0x50]", "62 71 7e 28 6f 86 50 00 00 00", e => e.Vmovdqu32LoadYmm(8, Gpr.Rsi, 80)),
        ("vinserti64x4 zmm8,zmm8,YMMWORD PTR [rsi],0x1", "62 73 bd 48 3a 06 01", e => e.Vinserti64x4(8, 8, Gpr.Rsi, 0, 1)),
        ("vinserti64x4 zmm8,zmm8,YMMWORD PTR [rsi+0x3e0],0x1", "62 73 bd 48 3a 46 1f 01", e => e.Vinserti64x4(8, 8, Gpr.Rsi, 992, 1)),
        ("vinserti64x4 zmm12,zmm20,YMMWORD PTR [r9+0x20],0x1", "62 53 dd 40 3a 61 01 01", e => e.Vinserti64x4(12, 20, Gpr.R9, 32, 1)),
        ("vpandd zmm9,zmm8,zmm31", "62 11 3d 48 db cf", e => e.VpanddZmm(9, 8, 31)),
        ("vpandd zmm10,zmm8,zmm30", "62 11 3d 48 db d6", e => e.VpanddZmm(10, 8, 30)),
        ("vpaddd zmm0,zmm0,zmm4", "62 f1 7d 48 fe c4", e => e.VpadddZmm(0, 0, 4)),
        ("vpaddd zmm17,zmm3,zmm22", "62 a1 65 48 fe ce", e => e.VpadddZmm(17, 3, 22)),
        ("vpbroadcastd zmm31,eax", "62 62 7d 48 7c f8", e => e.VpbroadcastdZmm(31, Gpr.Rax)),
        ("vpbroadcastd zmm2,r10d", "62 d2 7d 48 7c d2", e => e.VpbroadcastdZmm(2, Gpr.R10)),
        ("vpsllw zmm25,zmm27,0x4", "62 91 35 40 71 f3 04", e => e.VpsllwZmm(25, 27, 4)),
        ("vpsrlw zmm26,zmm28,0x4", "62 91 2d 40 71 d4 04", e => e.VpsrlwZmm(26, 28, 4)),
        ("vpsrlw zmm27,zmm27,0x2", "62 91 25 40 71 d3 02", e => e.VpsrlwZmm(27, 27, 2)),
        ("vpsllw zmm3,zmm9,0x2", "62 d1 65 48 71 f1 02", e => e.VpsllwZmm(3, 9, 2)),
        ("vpternlogd zmm25,zmm24,zmm30,0xec", "62 03 3d 40 25 ce ec", e => e.VpternlogdZmm(25, 24, 30, 0xEC)),
        ("vpternlogd zmm2,zmm5,zmm7,0xec", "62 f3 55 48 25 d7 ec", e => e.VpternlogdZmm(2, 5, 7, 0xEC)),
        ("vpbroadcastd zmm0,DWORD PTR [r8]", "62 d2 7d 48 58 00", e => e.VpbroadcastdZmmMem(0, Gpr.R8, 0)),
        ("vpbroadcastd zmm7,DWORD PTR [r8+0xfc]", "62 d2 7d 48 58 78 3f", e => e.VpbroadcastdZmmMem(7, Gpr.R8, 252)),
        ("vpbroadcastd zmm5,DWORD PTR [r8+0x104]", "62 d2 7d 48 58 68 41", e => e.VpbroadcastdZmmMem(5, Gpr.R8, 260)),
        ("vmovdqu32 ymm27,YMMWORD PTR [rdi+0x410]", "62 61 7e 28 6f 9f 10 04 00 00", e => e.Vmovdqu32LoadYmm(27, Gpr.Rdi, 1040)),
        ("vinserti64x4 zmm27,zmm27,YMMWORD PTR [rsi+0x410],0x1", "62 63 a5 40 3a 9e 10 04 00 00 01", e => e.Vinserti64x4(27, 27, Gpr.Rsi, 1040, 1)),
        ("mov eax,0xf0f0f0f0", "b8 f0 f0 f0 f0", e => e.MovImm32(Gpr.Rax, unchecked((int)0xF0F0F0F0))),
        ("prefetcht0 BYTE PTR [rsi+0x8c0]", "0f 18 8e c0 08 00 00", e => e.Prefetcht0(Gpr.Rsi, 2240)),
        ("add rdi,0x30", "48 83 c7 30", e => e.AddImm(Gpr.Rdi, 48)),
        ("add rsi,0x80", "48 81 c6 80 00 00 00", e => e.AddImm(Gpr.Rsi, 128)),
        ("add rax,r8", "4c 01 c0", e => e.AddReg(Gpr.Rax, Gpr.R8)),
        ("add rcx,r8", "4c 01 c1", e => e.AddReg(Gpr.Rcx, Gpr.R8)),
        ("mov rax,rcx", "48 89 c8", e => e.MovReg(Gpr.Rax, Gpr.Rcx)),
        ("mov rax,QWORD PTR [rdi+0x18]", "48 8b 47 18", e => e.MovLoad(Gpr.Rax, Gpr.Rdi, 24)),
        ("mov r11,QWORD PTR [rdi+0x8]", "4c 8b 5f 08", e => e.MovLoad(Gpr.R11, Gpr.Rdi, 8)),
        ("mov r11,QWORD PTR [rdi]", "4c 8b 1f", e => e.MovLoad(Gpr.R11, Gpr.Rdi, 0)),
        ("test rdx,rdx", "48 85 d2", e => e.TestReg(Gpr.Rdx, Gpr.Rdx)),
        ("test r9,r9", "4d 85 c9", e => e.TestReg(Gpr.R9, Gpr.R9)),
        ("dec rdx", "48 ff ca", e => e.Dec(Gpr.Rdx)),
        ("prefetcht0 BYTE PTR [rax]", "0f 18 08", e => e.Prefetcht0(Gpr.Rax, 0)),
        ("prefetcht0 BYTE PTR [rax+0x40]", "0f 18 48 40", e => e.Prefetcht0(Gpr.Rax, 64)),
        ("prefetcht0 BYTE PTR [r9+0x40]", "41 0f 18 49 40", e => e.Prefetcht0(Gpr.R9, 64)),
        ("vzeroupper", "c5 f8 77", e => e.Vzeroupper()),
        ("ldtilecfg [rdi]", "c4 e2 78 49 07", e => e.Ldtilecfg(Gpr.Rdi)),
        ("tilerelease", "c4 e2 78 49 c0", e => e.Tilerelease()),
        ("tilezero tmm3", "c4 e2 7b 49 d8", e => e.Tilezero(3)),
        ("tileloadd tmm4,[rdi+rax*1]", "c4 e2 7b 4b 24 07", e => e.Tileloadd(4, Gpr.Rdi, Gpr.Rax, 0)),
        ("tileloadd tmm5,[rdi+rax*1+0x400]", "c4 e2 7b 4b ac 07 00 04 00 00", e => e.Tileloadd(5, Gpr.Rdi, Gpr.Rax, 1024)),
        ("tileloadd tmm7,[rsi+r10*1+0x40]", "c4 a2 7b 4b 7c 16 40", e => e.Tileloadd(7, Gpr.Rsi, Gpr.R10, 64)),
        ("tileloadd tmm2,[r11+r8*1]", "c4 82 7b 4b 14 03", e => e.Tileloadd(2, Gpr.R11, Gpr.R8, 0)),
        ("tileloadd tmm1,[r9+rax*1+0x40]", "c4 c2 7b 4b 4c 01 40", e => e.Tileloadd(1, Gpr.R9, Gpr.Rax, 64)),
        ("tileloaddt1 tmm7,[rsi+r10*1+0x40]", "c4 a2 79 4b 7c 16 40", e => e.Tileloaddt1(7, Gpr.Rsi, Gpr.R10, 64)),
        ("tileloaddt1 tmm6,[rsi+r10*1]", "c4 a2 79 4b 34 16", e => e.Tileloaddt1(6, Gpr.Rsi, Gpr.R10, 0)),
        ("tilestored [rcx+r8*1],tmm0", "c4 a2 7a 4b 04 01", e => e.Tilestored(Gpr.Rcx, Gpr.R8, 0, 0)),
        ("tilestored [r11+r8*1+0x40],tmm3", "c4 82 7a 4b 5c 03 40", e => e.Tilestored(Gpr.R11, Gpr.R8, 64, 3)),
        ("tdpbf16ps tmm0,tmm4,tmm6", "c4 e2 4a 5c c4", e => e.Tdpbf16ps(0, 4, 6)),
        ("tdpbf16ps tmm3,tmm5,tmm7", "c4 e2 42 5c dd", e => e.Tdpbf16ps(3, 5, 7)),
        ("mov eax,0x40", "b8 40 00 00 00", e => e.MovImm32(Gpr.Rax, 64)),
        ("mov r10d,0x80", "41 ba 80 00 00 00", e => e.MovImm32(Gpr.R10, 128)),
        ("imul r11,r8,0x10", "4d 6b d8 10", e => e.ImulImm8(Gpr.R11, Gpr.R8, 16)),
        ("sub rdx,0x10", "48 83 ea 10", e => e.SubImm8(Gpr.Rdx, 16)),
        ("ret", "c3", e => e.Ret()),
    ];

    [Fact]
    public void Emitter_EveryForm_EncodesAsGnuAs()
    {
        foreach ((string asm, string bytes, Action<X64Emitter> emit) in Encodings)
        {
            var e = new X64Emitter();
            emit(e);
            Assert.True(bytes == Hex(e.ToArray()), $"{asm}: expected {bytes}, emitted {Hex(e.ToArray())}");
        }
    }

    [Fact]
    public void Emitter_Branches_PatchRel32FromInstructionEnd()
    {
        var e = new X64Emitter();
        int top = e.NewLabel(), end = e.NewLabel();
        e.Bind(top);
        e.Dec(Gpr.Rdx);     // 3 bytes
        e.Jnz(top);         // 0f 85 rel32 = -9 (back over itself and dec)
        e.Jz(end);          // 0f 84 rel32 = +5 (over the jmp)
        e.Jmp(top);         // e9 rel32 = -20
        e.Bind(end);
        e.Ret();
        Assert.Equal("48 ff ca 0f 85 f7 ff ff ff 0f 84 05 00 00 00 e9 ec ff ff ff c3", Hex(e.ToArray()));
    }

    [Fact]
    public void Emitter_TableAndKernel_DisassembleWithObjdump()
    {
        // Dev-time check made repeatable: where objdump exists, it must read the table bytes as the
        // table's text and read the whole kernel without "(bad)" instructions.
        if (!File.Exists("/usr/bin/objdump"))
        {
            return;
        }
        var all = new List<byte>();
        foreach ((_, string bytes, _) in Encodings)
        {
            all.AddRange(bytes.Split(' ').Select(b => Convert.ToByte(b, 16)));
        }
        string[] lines = Disassemble([.. all]);
        Assert.Equal(Encodings.Select(x => x.Asm), lines);
        string[] kernel = Disassemble(Bf16KernelCode.Build());
        Assert.DoesNotContain(kernel, line => line.Contains("(bad)", StringComparison.Ordinal));
        Assert.Equal(24, kernel.Count(line => line.StartsWith("vdpbf16ps", StringComparison.Ordinal)));
        string[] amx = Disassemble([.. AmxKernelCode.BuildTile(), .. AmxKernelCode.BuildConfigure(), .. AmxKernelCode.BuildRelease()]);
        Assert.DoesNotContain(amx, line => line.Contains("(bad)", StringComparison.Ordinal));
        Assert.Equal(4, amx.Count(line => line.StartsWith("tdpbf16ps", StringComparison.Ordinal)));
        for (int rows = 1; rows <= 4; rows++)
        {
            for (int pairs = 1; pairs <= 4; pairs++)
            {
                // 4 chunks × 8 vector positions × (low + high nibble) per x-row and pair; each pair's two
                // group pointers loaded once per chunk.
                string[] q4k = Disassemble(KQuantZmmCode.BuildQ4K(rows, pairs));
                Assert.DoesNotContain(q4k, line => line.Contains("(bad)", StringComparison.Ordinal));
                Assert.Equal(64 * rows * pairs, q4k.Count(line => line.StartsWith("vpdpbusd", StringComparison.Ordinal)));
                Assert.Equal(8 * pairs, q4k.Count(line => line.StartsWith("mov ", StringComparison.Ordinal) && line.Contains("PTR [rdi", StringComparison.Ordinal)));
                // 4 calls × 2 halves × 4 vector positions × 2 quarters per x-row and pair.
                string[] q6k = Disassemble(KQuantZmmCode.BuildQ6K(rows, pairs));
                Assert.DoesNotContain(q6k, line => line.Contains("(bad)", StringComparison.Ordinal));
                Assert.Equal(64 * rows * pairs, q6k.Count(line => line.StartsWith("vpdpbusd", StringComparison.Ordinal)));
            }
        }
    }

    private static string Hex(byte[] bytes) => string.Join(' ', bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    private static string[] Disassemble(byte[] code)
    {
        string path = Path.Combine(Path.GetTempPath(), $"qwenvl-jit-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, code);
        try
        {
            var start = new ProcessStartInfo("/usr/bin/objdump", ["-D", "-b", "binary", "-mi386:x86-64", "-M", "intel", path])
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            using Process process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            // Instruction lines look like "   6:\t62 a1 45 40 ef ff    \tvpxord zmm23,zmm23,zmm23".
            return output.Split('\n')
                .Select(line => line.Split('\t'))
                .Where(parts => parts.Length >= 3 && parts[0].TrimEnd().EndsWith(':'))
                .Select(parts => System.Text.RegularExpressions.Regex.Replace(parts[2].Trim(), @"\s+", " "))
                .ToArray();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
