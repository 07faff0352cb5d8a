// Element conversions between the weight storage types (BF16, F16, F32) and float32.
// BF16 -> F32 widening is on the matmul hot path and is vectorized; narrowing is only used to
// build tensors (tests, synthetic checkpoints) and stays scalar and obvious.
// Block-quantized types (Q8_0, Q4_0, Q4_K, Q6_K) are delegated to Quant/ in whole blocks.
// It deliberately knows nothing about shapes: callers pass flat spans.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using QwenVL.Tensors.Quant;

namespace QwenVL.Tensors;

/// <summary>Conversions between stored weight types and float32.</summary>
public static class Numerics
{
    /// <summary>Widens a bfloat16 bit pattern to float32 (exact: bf16 is the top half of a binary32).</summary>
    public static float BF16ToFloat(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>
    /// Rounds a float32 to bfloat16 with round-to-nearest-even, as PyTorch's <c>.to(torch.bfloat16)</c>:
    /// overflow goes to ±inf, subnormals round like any other value. A NaN stays a NaN: the quiet bit
    /// is forced so a payload living only in the dropped 16 bits cannot turn into ±inf.
    /// </summary>
    public static ushort FloatToBF16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFF_FFFFu) > 0x7F80_0000u)
        {
            return (ushort)((bits >> 16) | 0x0040);
        }
        // Adding 0x7FFF rounds up when the dropped half is above 0x8000; the extra +1 for an odd
        // kept half turns exact ties (0x8000) into ties-to-even. A carry into the exponent is the
        // correct result (it reaches 0x7F80 = inf when the largest finite values round up).
        uint roundingBias = 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)((bits + roundingBias) >> 16);
    }

    /// <summary>
    /// Widens <paramref name="source"/> (elements of <paramref name="dtype"/>) to float32. Writes
    /// <c>source.Length / SizeOf(dtype)</c> elements at the start of <paramref name="destination"/>.
    /// </summary>
    public static void ToFloat(ReadOnlySpan<byte> source, DType dtype, Span<float> destination)
    {
        if (DTypeInfo.IsInterleaved(dtype))
        {
            throw new ArgumentException($"{dtype} bytes interleave 8 rows; widen them through TensorView.ReadRow", nameof(dtype));
        }
        if (DTypeInfo.IsQuantized(dtype))
        {
            // Whole blocks only: a partial block has no meaning (its scale covers all 32/256 values).
            BlockFormats.Dequantize(source, dtype, destination);
            return;
        }
        int size = DTypeInfo.SizeOf(dtype);
        int count = CheckCount(source.Length, size, destination.Length, nameof(destination));
        switch (dtype)
        {
            case DType.F32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case DType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination[..count]);
                break;
            case DType.BF16:
                WidenBF16(MemoryMarshal.Cast<byte, ushort>(source), destination[..count]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype");
        }
    }

    /// <summary>
    /// Narrows float32 values to <paramref name="dtype"/> with round-to-nearest-even, writing
    /// <c>source.Length · SizeOf(dtype)</c> bytes at the start of <paramref name="destination"/>.
    /// </summary>
    public static void FromFloat(ReadOnlySpan<float> source, DType dtype, Span<byte> destination)
    {
        if (DTypeInfo.IsInterleaved(dtype))
        {
            throw new ArgumentException($"{dtype} is made from {DTypeInfo.BlockFormat(dtype)} blocks by RowInterleave, not from floats", nameof(dtype));
        }
        if (DTypeInfo.IsQuantized(dtype))
        {
            // Q8_0 / Q4_0 with ggml's reference rounding; K-quants cannot be produced.
            BlockQuantizer.Quantize(source, dtype, destination);
            return;
        }
        int size = DTypeInfo.SizeOf(dtype);
        if ((long)source.Length * size > destination.Length)
        {
            throw new ArgumentException(
                $"{source.Length} {dtype} values need {(long)source.Length * size} bytes, destination has {destination.Length}",
                nameof(destination));
        }
        Span<byte> bytes = destination[..(source.Length * size)];
        switch (dtype)
        {
            case DType.F32:
                MemoryMarshal.AsBytes(source).CopyTo(bytes);
                break;
            case DType.F16:
                // Half's float conversion is IEEE round-to-nearest-even, like torch's .half().
                TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(bytes));
                break;
            case DType.BF16:
                Span<ushort> target = MemoryMarshal.Cast<byte, ushort>(bytes);
                for (int i = 0; i < source.Length; i++)
                {
                    target[i] = FloatToBF16(source[i]);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype");
        }
    }

    /// <summary>Widens bfloat16 bit patterns to float32, <paramref name="destination"/>.Length elements.</summary>
    internal static void WidenBF16(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        int count = destination.Length;
        if (source.Length < count)
        {
            throw new ArgumentException($"{source.Length} bf16 values for {count} floats", nameof(source));
        }
        ref ushort src = ref MemoryMarshal.GetReference(source);
        ref uint dst = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        int i = 0;
        // Each step loads 2·Count ushorts, zero-extends both halves to uint and shifts them into
        // the high half: that is the whole conversion, no rounding involved.
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= count - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
            {
                (Vector512<uint> lo, Vector512<uint> hi) = Vector512.Widen(Vector512.LoadUnsafe(ref src, (nuint)i));
                Vector512.ShiftLeft(lo, 16).StoreUnsafe(ref dst, (nuint)i);
                Vector512.ShiftLeft(hi, 16).StoreUnsafe(ref dst, (nuint)(i + Vector512<uint>.Count));
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= count - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                (Vector256<uint> lo, Vector256<uint> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                Vector256.ShiftLeft(lo, 16).StoreUnsafe(ref dst, (nuint)i);
                Vector256.ShiftLeft(hi, 16).StoreUnsafe(ref dst, (nuint)(i + Vector256<uint>.Count));
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= count - Vector128<ushort>.Count; i += Vector128<ushort>.Count)
            {
                (Vector128<uint> lo, Vector128<uint> hi) = Vector128.Widen(Vector128.LoadUnsafe(ref src, (nuint)i));
                Vector128.ShiftLeft(lo, 16).StoreUnsafe(ref dst, (nuint)i);
                Vector128.ShiftLeft(hi, 16).StoreUnsafe(ref dst, (nuint)(i + Vector128<uint>.Count));
            }
        }
        for (; i < count; i++)
        {
            Unsafe.Add(ref dst, i) = (uint)Unsafe.Add(ref src, i) << 16;
        }
    }

    private static int CheckCount(int sourceBytes, int size, int destinationLength, string destinationName)
    {
        if (sourceBytes % size != 0)
        {
            throw new ArgumentException($"{sourceBytes} bytes is not a whole number of {size}-byte elements", "source");
        }
        int count = sourceBytes / size;
        if (destinationLength < count)
        {
            throw new ArgumentException($"{count} elements do not fit a destination of {destinationLength}", destinationName);
        }
        return count;
    }
}
