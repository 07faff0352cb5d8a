// Drops the resident pages of a read-only, file-backed mapping once their contents have been
// quantized, so quantize-at-load does not keep both copies in memory (a BF16 3B checkpoint is ~7 GB
// of mapped pages next to its ~3.5 GB Q8_0 copy). The mapping stays valid: a later read faults the
// page back in from the file. Linux only (madvise MADV_DONTNEED); elsewhere it does nothing.
// Never call it on anonymous memory: there MADV_DONTNEED zeroes the pages.
using System.Runtime.InteropServices;

namespace QwenVL.Models.Quantization;

/// <summary>Releases resident pages of file-backed mappings.</summary>
internal static partial class MappedPages
{
    private const int MadvDontNeed = 4;

    /// <summary>Releases the whole pages inside [<paramref name="address"/>, +<paramref name="bytes"/>) of a read-only file mapping.</summary>
    public static void Release(nint address, long bytes)
    {
        if (!OperatingSystem.IsLinux() || bytes <= 0)
        {
            return;
        }
        long page = Environment.SystemPageSize;
        long start = (address + page - 1) / page * page;
        long end = (address + bytes) / page * page;
        if (end > start)
        {
            // Advisory: a failure only means the pages stay resident.
            _ = Madvise((nint)start, (nuint)(end - start), MadvDontNeed);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
