// Converts a Hugging Face Qwen2-VL / Qwen2.5-VL folder into the GGUF pair llama.cpp's converter writes
// (text "qwen2vl" + "clip" mmproj): same names, splits (attn.qkv -> q/k/v, Conv3d -> two 2-D kernels),
// shapes, keys and per-tensor types (1-D and *_norm F32; patch kernels F16 in an F16 file, else F32;
// Q8_0 rows that are not whole blocks F16). It writes F32, F16, BF16 and Q8_0 only, as that
// converter does; K-quants come from llama-quantize. Metadata lives in GgufConverterMetadata.
using QwenVL.Checkpoints;
using QwenVL.Checkpoints.Gguf;
using QwenVL.Models.Common;
using QwenVL.Tensors;

namespace QwenVL.Models.Gguf;

/// <summary>llama.cpp "ftype" of a converted file.</summary>
public enum GgufFileType
{
    /// <summary>ALL_F32 (general.file_type 0).</summary>
    F32 = 0,

    /// <summary>MOSTLY_F16 (1).</summary>
    F16 = 1,

    /// <summary>MOSTLY_Q8_0 (7).</summary>
    Q8_0 = 7,

    /// <summary>MOSTLY_BF16 (32).</summary>
    BF16 = 32,
}

/// <summary>Hugging Face checkpoint to GGUF text + mmproj files.</summary>
public static class GgufConverter
{
    /// <summary>
    /// Writes "{name}-{type}.gguf" and "mmproj-{name}-{type}.gguf" into <paramref name="outFolder"/>
    /// (name defaults to the checkpoint folder's name) and returns their paths.
    /// </summary>
    public static GgufModelFiles Convert(string hfFolder, string outFolder, GgufFileType type, string? name = null)
    {
        name ??= Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(hfFolder)));
        Directory.CreateDirectory(outFolder);
        var files = new GgufModelFiles(Path.Combine(outFolder, $"{name}-{type}.gguf"), Path.Combine(outFolder, $"mmproj-{name}-{type}.gguf"));
        var meta = GgufConverterMetadata.Read(hfFolder, name, type);
        using TensorStore store = TensorStore.Open(hfFolder);
        var text = new GgufWriter();
        var mmproj = new GgufWriter();
        meta.WriteText(text);
        meta.WriteMmproj(mmproj);
        foreach (string stored in store.Names)
        {
            string hf = HubName(stored);
            if (hf.StartsWith("visual.", StringComparison.Ordinal))
            {
                AddVision(mmproj, store, stored, hf, meta.Qwen25, type);
            }
            else
            {
                string gguf = GgufNames.HfToGguf(hf, meta.Qwen25)
                    ?? throw new ModelException($"{hfFolder}: no GGUF name for tensor '{stored}'", hfFolder, stored);
                Add(text, store, stored, gguf, type, patch: false);
            }
        }
        text.Write(files.Text);
        mmproj.Write(files.Mmproj);
        return files;
    }

    // The converter's names are the hub layout; newer transformers saves nest them one level deeper.
    private static string HubName(string name) =>
        name.StartsWith("model.language_model.", StringComparison.Ordinal) ? "model." + name["model.language_model.".Length..]
        : name.StartsWith("model.visual.", StringComparison.Ordinal) ? name["model.".Length..]
        : name;

    private static void AddVision(GgufWriter w, TensorStore store, string stored, string hf, bool qwen25, GgufFileType type)
    {
        SafeTensorInfo info = store.GetInfo(stored);
        if (GgufNames.VisionQkvParts(hf) is { } parts)
        {
            // Rows [0, D), [D, 2D), [2D, 3D) of the fused projection are q, k and v.
            long rows = info.Shape[0] / 3;
            long rowLength = info.ElementCount / info.Shape[0];
            for (int p = 0; p < 3; p++)
            {
                long[] shape = [rows, .. info.Shape.Skip(1)];
                int part = p;
                AddFloats(w, parts[p], shape, type, patch: false, () => Floats(store, stored).AsSpan((int)(part * rows * rowLength), (int)(rows * rowLength)).ToArray());
            }
            return;
        }
        if (hf == GgufNames.HfPatchEmbed)
        {
            long[] s = info.Shape; // [D, C, 2, P, P] -> two [D, C, P, P], slice t of the temporal axis
            if (s.Length != 5 || s[2] != 2)
            {
                throw new ModelException($"{stored} has shape [{string.Join(", ", s)}]; the GGUF split needs temporal_patch_size 2", info.File, stored);
            }
            long slice = s[3] * s[4];
            foreach ((string name, int t) in new[] { (GgufNames.PatchEmbed0, 0), (GgufNames.PatchEmbed1, 1) })
            {
                AddFloats(w, name, [s[0], s[1], s[3], s[4]], type, patch: true, () =>
                {
                    float[] all = Floats(store, stored), half = new float[all.Length / 2];
                    for (long dc = 0; dc < s[0] * s[1]; dc++)
                    {
                        Array.Copy(all, (2 * dc + t) * slice, half, dc * slice, slice);
                    }
                    return half;
                });
            }
            return;
        }
        string gguf = GgufNames.HfToGguf(hf, qwen25) ?? throw new ModelException($"no GGUF name for vision tensor '{stored}'", info.File, stored);
        Add(w, store, stored, gguf, type, patch: false);
    }

    private static void Add(GgufWriter w, TensorStore store, string stored, string gguf, GgufFileType type, bool patch) =>
        AddFloats(w, gguf, store.GetInfo(stored).Shape, type, patch, () => Floats(store, stored));

    private static void AddFloats(GgufWriter w, string gguf, long[] shape, GgufFileType type, bool patch, Func<float[]> values)
    {
        GgmlType target = TargetType(gguf, shape, type, patch);
        w.AddTensor(gguf, target, shape, () => Encode(values(), target));
    }

    /// <summary>The ggml type convert_hf_to_gguf.py gives a tensor (see the file comment).</summary>
    public static GgmlType TargetType(string gguf, long[] shape, GgufFileType type, bool patch)
    {
        if (patch)
        {
            return type == GgufFileType.F16 ? GgmlType.F16 : GgmlType.F32;
        }
        if (shape.Length <= 1 || gguf.EndsWith("_norm.weight", StringComparison.Ordinal) || !gguf.EndsWith(".weight", StringComparison.Ordinal))
        {
            return GgmlType.F32;
        }
        return type switch
        {
            GgufFileType.F32 => GgmlType.F32,
            GgufFileType.F16 => GgmlType.F16,
            GgufFileType.BF16 => GgmlType.BF16,
            // gguf-py raises on rows that are not whole 32-value blocks and the converter falls back to F16.
            _ => shape[^1] % GgufQ8.BlockSize == 0 ? GgmlType.Q8_0 : GgmlType.F16,
        };
    }

    private static byte[] Encode(float[] values, GgmlType target)
    {
        if (target == GgmlType.Q8_0)
        {
            var blocks = new byte[values.Length / GgufQ8.BlockSize * GgufQ8.BlockBytes];
            GgufQ8.Quantize(values, blocks);
            return blocks;
        }
        DType dtype = GgufDTypes.TryToDType(target)!.Value;
        var bytes = new byte[values.Length * DTypeInfo.SizeOf(dtype)];
        Numerics.FromFloat(values, dtype, bytes);
        return bytes;
    }

    // The converter widens every tensor to float32 first (BF16 -> F32 is exact), then narrows.
    private static float[] Floats(TensorStore store, string name)
    {
        SafeTensorInfo info = store.GetInfo(name);
        DType dtype = info.DType switch
        {
            SafeTensorDType.F32 => DType.F32,
            SafeTensorDType.F16 => DType.F16,
            SafeTensorDType.BF16 => DType.BF16,
            _ => throw new ModelException($"tensor '{name}' has dtype {info.DType}; the GGUF converter reads F32, F16 and BF16", info.File, name),
        };
        var values = new float[info.ElementCount];
        Numerics.ToFloat(store.GetBytes(name), dtype, values);
        return values;
    }
}
