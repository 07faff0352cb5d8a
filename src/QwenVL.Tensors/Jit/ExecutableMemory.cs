// Places generated machine code in executable memory: Linux only, through libc mmap/mprotect
// (written while RW, then flipped to RX, never writable and executable at once). Pages are never
// unmapped: the one kernel lives as long as the process. Elsewhere it reports "unavailable".
using System.Runtime.InteropServices;

namespace QwenVL.Tensors.Jit;

/// <summary>Read-execute copies of generated code.</summary>
internal static unsafe partial class ExecutableMemory
{
    private const int ProtRead = 1, ProtWrite = 2, ProtExec = 4;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20; // Linux values
    private const nuint PageSize = 4096;

    /// <summary>Copies <paramref name="code"/> into fresh RX pages; null where that is not possible.</summary>
    public static void* TryCreate(ReadOnlySpan<byte> code)
    {
        if (!OperatingSystem.IsLinux() || code.IsEmpty)
        {
            return null;
        }
        try
        {
            nuint length = ((nuint)code.Length + PageSize - 1) & ~(PageSize - 1);
            nint memory = Mmap(0, length, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
            if (memory == -1 || memory == 0)
            {
                return null;
            }
            code.CopyTo(new Span<byte>((void*)memory, code.Length));
            // A hardened kernel (SELinux execmem, PaX) may refuse PROT_EXEC: then there is no kernel.
            return Mprotect(memory, length, ProtRead | ProtExec) == 0 ? (void*)memory : null;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null; // a libc without these exports (not glibc/musl)
        }
    }

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect")]
    private static partial int Mprotect(nint address, nuint length, int protection);
}
