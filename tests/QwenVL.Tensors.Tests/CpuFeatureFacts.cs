// Facts that skip themselves, with the reason shown in the test report, where this CPU (or OS)
// lacks the feature a fast path needs: the generated vdpbf16ps kernel, AMX tiles, AVX-512.
// On such machines the portable paths are still covered by the other tests.
using System.Runtime.Intrinsics.X86;
using QwenVL.Tensors.Gemm;

namespace QwenVL.Tensors.Tests;

/// <summary>A fact that is skipped, with the reason shown, where the generated BF16 kernel cannot run.</summary>
public sealed class Bf16FactAttribute : FactAttribute
{
    public Bf16FactAttribute()
    {
        if (!Bf16Kernel.IsAvailable)
        {
            Skip = "needs Linux x64 with avx512_bf16 (CPUID.7.1:EAX[5]) and AVX-512 enabled";
        }
    }
}

/// <summary>A fact that is skipped, with the reason shown, where the AMX kernel cannot run.</summary>
public sealed class AmxFactAttribute : FactAttribute
{
    public AmxFactAttribute()
    {
        if (!AmxKernel.IsAvailable)
        {
            Skip = "needs Linux x64 with AMX-TILE and AMX-BF16 (CPUID.7.0:EDX[22,24]) and tile-data permission";
        }
    }
}

/// <summary>A fact that is skipped, with the reason shown, without AVX-512 (the vector packing paths).</summary>
public sealed class Avx512FactAttribute : FactAttribute
{
    public Avx512FactAttribute()
    {
        if (!Avx512F.IsSupported)
        {
            Skip = "needs AVX-512F";
        }
    }
}

/// <summary>A fact that is skipped, with the reason shown, without AVX2 (the 256-bit packing paths).</summary>
public sealed class Avx2FactAttribute : FactAttribute
{
    public Avx2FactAttribute()
    {
        if (!Avx2.IsSupported)
        {
            Skip = "needs AVX2";
        }
    }
}
