// Overflow-checked element counts and shape formatting shared by reader, store and writer.
// It deliberately returns false instead of throwing so that callers can name the file and key.
namespace QwenVL.Checkpoints;

internal static class ShapeMath
{
    /// <summary>Product of the dims (1 for a scalar); false on a negative dim or 64-bit overflow.</summary>
    public static bool TryElementCount(IReadOnlyList<long> shape, out long count)
    {
        count = 1;
        foreach (long dim in shape)
        {
            if (dim < 0)
            {
                return false;
            }
            if (dim != 0 && count > long.MaxValue / dim)
            {
                return false;
            }
            count *= dim;
        }
        return true;
    }

    /// <summary>Bytes of a tensor; false on a negative dim or overflow.</summary>
    public static bool TryByteLength(IReadOnlyList<long> shape, SafeTensorDType dtype, out long bytes)
    {
        bytes = 0;
        if (!TryElementCount(shape, out long count))
        {
            return false;
        }
        int size = dtype.ItemSize();
        if (count > long.MaxValue / size)
        {
            return false;
        }
        bytes = count * size;
        return true;
    }

    public static string Format(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";
}
