// Per-thread packing buffers for the GEMM: pinned, 64-byte aligned float arrays grown on demand
// and kept, so steady-state calls allocate nothing. Managed (pinned object heap) rather than
// native memory so the buffers of a disposed backend's threads are reclaimed by the GC.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace QwenVL.Tensors.Gemm;

/// <summary>The packed-A block, packed-B block, edge tile and widening scratch of one thread.</summary>
internal sealed unsafe class GemmBuffers
{
    [ThreadStatic]
    private static GemmBuffers? t_current;

    private float[] _a = [];
    private float[] _b = [];
    private float[] _tile = [];
    private float[] _scratch = [];
    private float[] _zeros = [];

    public float* A { get; private set; }

    public float* B { get; private set; }

    public float* Tile { get; private set; }

    public float* Scratch { get; private set; }

    /// <summary>64 zeros: the "bias" of a first k block without bias.</summary>
    public float* Zeros { get; private set; }

    /// <summary>This thread's buffers with at least the given float capacities (contents unspecified).</summary>
    public static GemmBuffers Get(long aFloats, long bFloats, int tileFloats, int scratchFloats)
    {
        GemmBuffers buffers = t_current ??= new GemmBuffers();
        buffers.A = Ensure(ref buffers._a, aFloats, buffers.A);
        buffers.B = Ensure(ref buffers._b, bFloats, buffers.B);
        buffers.Tile = Ensure(ref buffers._tile, tileFloats, buffers.Tile);
        buffers.Scratch = Ensure(ref buffers._scratch, scratchFloats, buffers.Scratch);
        if (buffers.Zeros == null)
        {
            buffers.Zeros = Ensure(ref buffers._zeros, 64, null);
            new Span<float>(buffers.Zeros, 64).Clear();
        }
        return buffers;
    }

    private static float* Ensure(ref float[] array, long floats, float* current)
    {
        // 16 spare floats let the start be rounded up to a 64-byte boundary (one cache line, one zmm).
        if (current != null && array.Length - 16 >= floats)
        {
            return current;
        }
        array = GC.AllocateUninitializedArray<float>(checked((int)Math.Max(floats, 16) + 16), pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        return (float*)((address + 63) & ~(nint)63);
    }
}
