// Per-thread float scratch for kernels (widened weight rows, attention accumulators). Grown on
// demand and kept, so steady-state kernel calls allocate nothing. Not for nested use: a kernel
// takes the buffer for the duration of one partition and calls nothing that takes it again (the
// BF16 decode holds its caller's buffer across a job whose partitions take none).
namespace QwenVL.Tensors;

/// <summary>A reusable per-thread float buffer.</summary>
internal static class ThreadScratch
{
    [ThreadStatic]
    private static float[]? t_buffer;

    /// <summary>A buffer of at least <paramref name="length"/> floats (contents unspecified).</summary>
    public static float[] Get(int length)
    {
        float[]? buffer = t_buffer;
        if (buffer is null || buffer.Length < length)
        {
            // Round up to 4096 floats so slowly growing requests do not reallocate every time.
            buffer = new float[Math.Max(4096, (length + 4095) & ~4095)];
            t_buffer = buffer;
        }
        return buffer;
    }
}
