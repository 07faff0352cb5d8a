// Rebuilds, once at load, the two tensors llama.cpp's converter splits and our vision towers use
// fused: attn.qkv (rows of attn_q, attn_k, attn_v stacked) and the Conv3d patch kernel [D, C, 2, P, P]
// (the two 2-D kernels v.patch_embd.weight / .weight.1 interleaved on the temporal axis). The result
// keeps the parts' dtype when they share one (a row concat is byte-exact even for block formats, since
// every row is whole blocks), and is F32 otherwise. It does not decide names (GgufNames does).
using System.Runtime.InteropServices;
using QwenVL.Checkpoints.Gguf;
using QwenVL.Tensors;

namespace QwenVL.Models.Gguf;

/// <summary>Builders for the fused tensors of a GGUF vision tower.</summary>
internal static unsafe class GgufFusion
{
    /// <summary>The dtype the fused tensor gets: the parts' common one, else F32 (float parts only).</summary>
    public static DType FusedType(GgufFile file, IReadOnlyList<GgufTensorInfo> parts)
    {
        DType first = GgufDTypes.ToDType(file, parts[0]);
        if (parts.All(p => GgufDTypes.ToDType(file, p) == first))
        {
            return first;
        }
        GgufTensorInfo? quantized = parts.FirstOrDefault(p => DTypeInfo.IsQuantized(GgufDTypes.ToDType(file, p)));
        return quantized is null ? DType.F32 : throw new ModelException(
            $"{file.Path}: cannot fuse {string.Join(", ", parts.Select(p => $"{p.Name} ({p.Type})"))}: mixed dtypes including block-quantized {quantized.Name}",
            file.Path, quantized.Name);
    }

    /// <summary>Rows of every part stacked: [sum(rows), cols] (or a 1-D concat for biases).</summary>
    public static NativeTensor ConcatRows(GgufFile file, IReadOnlyList<GgufTensorInfo> parts, int[] shape)
    {
        DType type = FusedType(file, parts);
        var result = new NativeTensor(type, shape);
        try
        {
            Span<byte> dst = result.Bytes;
            int at = 0;
            foreach (GgufTensorInfo p in parts)
            {
                at += Convert(file, p, type, dst[at..]);
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The Conv3d kernel [D, C, 2, P, P] from two [D, C, P, P] kernels: for each (d, c) the P·P slice of
    /// part 0 then that of part 1, i.e. out[d, c, t] = part_t[d, c], so a pixel_values row (C, T, P, P)
    /// meets the same weights as in the Hugging Face checkpoint.
    /// </summary>
    public static NativeTensor PatchEmbed(GgufFile file, GgufTensorInfo part0, GgufTensorInfo part1, int[] shape)
    {
        DType type = FusedType(file, [part0, part1]);
        int slice = shape[3] * shape[4];                 // P·P values per (d, c, t)
        int slices = shape[0] * shape[1];                // D·C
        int size = DTypeInfo.SizeOf(type);
        byte[] a = new byte[(long)slices * slice * size], b = new byte[a.Length];
        Convert(file, part0, type, a);
        Convert(file, part1, type, b);
        var result = new NativeTensor(type, shape);
        Span<byte> dst = result.Bytes;
        int sliceBytes = slice * size;
        for (int s = 0; s < slices; s++)
        {
            a.AsSpan(s * sliceBytes, sliceBytes).CopyTo(dst[(2 * s * sliceBytes)..]);
            b.AsSpan(s * sliceBytes, sliceBytes).CopyTo(dst[((2 * s + 1) * sliceBytes)..]);
        }
        return result;
    }

    // Copies one part into dst as `type` (same type: raw bytes; else widened to F32); returns bytes written.
    private static int Convert(GgufFile file, GgufTensorInfo part, DType type, Span<byte> dst)
    {
        DType stored = GgufDTypes.ToDType(file, part);
        var src = new ReadOnlySpan<byte>((void*)file.GetPointer(part.Name), checked((int)part.ByteLength));
        if (stored == type)
        {
            src.CopyTo(dst);
            return src.Length;
        }
        int count = checked((int)part.ElementCount);
        Numerics.ToFloat(src, stored, MemoryMarshal.Cast<byte, float>(dst)[..count]);
        return count * sizeof(float);
    }
}
