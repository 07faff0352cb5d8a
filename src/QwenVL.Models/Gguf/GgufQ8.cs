// ggml's Q8_0 block (f16 scale d, 32 int8 q; value = d·q) written exactly as llama.cpp's converter
// writes it (gguf-py quantize_q8_0 = ggml quantize_row_q8_0_ref): d = amax/127 in float32, q =
// round-half-away-from-zero(x · (1/d)), then d stored as f16. Scalar on purpose: it only runs when
// converting a checkpoint and in tests; the fast kernels live in QwenVL.Tensors.
using System.Buffers.Binary;

namespace QwenVL.Models.Gguf;

/// <summary>Reference Q8_0 quantization and dequantization.</summary>
public static class GgufQ8
{
    /// <summary>Values per block.</summary>
    public const int BlockSize = 32;

    /// <summary>Bytes per block: 2 (f16 d) + 32.</summary>
    public const int BlockBytes = 34;

    /// <summary>Quantizes <paramref name="x"/> (a multiple of 32 values) into <paramref name="blocks"/>.</summary>
    public static void Quantize(ReadOnlySpan<float> x, Span<byte> blocks)
    {
        if (x.Length % BlockSize != 0 || blocks.Length < x.Length / BlockSize * BlockBytes)
        {
            throw new ArgumentException($"{x.Length} values are not whole Q8_0 blocks, or {blocks.Length} bytes are too few");
        }
        for (int b = 0; b < x.Length / BlockSize; b++)
        {
            ReadOnlySpan<float> v = x.Slice(b * BlockSize, BlockSize);
            Span<byte> block = blocks.Slice(b * BlockBytes, BlockBytes);
            float amax = 0;
            foreach (float f in v)
            {
                amax = MathF.Max(amax, MathF.Abs(f));
            }
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            BinaryPrimitives.WriteHalfLittleEndian(block, (Half)d);
            for (int i = 0; i < BlockSize; i++)
            {
                block[2 + i] = unchecked((byte)(sbyte)MathF.Round(v[i] * id, MidpointRounding.AwayFromZero));
            }
        }
    }

    /// <summary>Widens Q8_0 <paramref name="blocks"/> to floats (d·q).</summary>
    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> y)
    {
        int n = blocks.Length / BlockBytes;
        for (int b = 0; b < n; b++)
        {
            ReadOnlySpan<byte> block = blocks.Slice(b * BlockBytes, BlockBytes);
            float d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
            for (int i = 0; i < BlockSize; i++)
            {
                y[b * BlockSize + i] = d * (sbyte)block[2 + i];
            }
        }
    }
}
