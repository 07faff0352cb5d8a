// Which company designed the CPU, from cpuid leaf 0, for the few tuning choices that differ by
// microarchitecture family rather than by instruction set (CpuBackend.DecodeStreams). Not a feature
// test: instruction sets are asked of the runtime (Avx2.IsSupported and so on).
using System.Runtime.Intrinsics.X86;

namespace QwenVL.Tensors;

/// <summary>The CPU's vendor string.</summary>
public static class CpuVendor
{
    /// <summary>cpuid's 12-character vendor ("GenuineIntel", "AuthenticAMD", "HygonGenuine"), or "" off x86.</summary>
    public static string Name { get; } = Read();

    /// <summary>True on AMD cores and on Hygon's, which are AMD Zen designs.</summary>
    public static bool IsAmd => Name is "AuthenticAMD" or "HygonGenuine";

    private static string Read()
    {
        if (!X86Base.IsSupported)
        {
            return "";
        }
        (int _, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        Span<byte> text = stackalloc byte[12];
        BitConverter.TryWriteBytes(text, ebx);
        BitConverter.TryWriteBytes(text[4..], edx);
        BitConverter.TryWriteBytes(text[8..], ecx);
        return System.Text.Encoding.ASCII.GetString(text);
    }
}
