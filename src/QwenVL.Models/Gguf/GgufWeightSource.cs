// Weights from a llama.cpp GGUF pair (text model + mmproj) under the Hugging Face names the loaders
// ask for. Plain tensors are zero-copy views into the mappings in their stored ggml type (Q8_0 stays
// Q8_0). GGUF shapes are ne[] innermost first, so ggml's [ne0 = in, ne1 = out] is our [out, in]
// row-major view without any transpose. The two tensors the converter split (attn.qkv and the
// Conv3d patch kernel) are rebuilt once, on first use, into owned NativeTensors (GgufFusion).
using QwenVL.Checkpoints.Gguf;
using QwenVL.Models.Common;
using QwenVL.Tensors;

namespace QwenVL.Models.Gguf;

/// <summary>An <see cref="IWeightSource"/> over a text GGUF and its mmproj GGUF.</summary>
public sealed class GgufWeightSource : IWeightSource
{
    private readonly GgufFile _text;
    private readonly GgufFile _mmproj;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NativeTensor> _built = new(StringComparer.Ordinal);
    private readonly Lock _buildLock = new();

    private GgufWeightSource(GgufFile text, GgufFile mmproj)
    {
        _text = text;
        _mmproj = mmproj;
        bool qwen25 = GgufConfig.IsQwen25(mmproj);
        foreach (GgufTensorInfo t in text.Tensors)
        {
            if (GgufNames.GgufToHf(t.Name, qwen25) is { } hf)
            {
                _entries[hf] = new Entry(text, [t], t.Shape, Fused.None);
            }
        }
        var qkv = new Dictionary<string, GgufTensorInfo?[]>(StringComparer.Ordinal);
        var swapped = new Dictionary<int, bool>();
        foreach (GgufTensorInfo t in mmproj.Tensors)
        {
            string name = Unswap(mmproj, t.Name, swapped);
            if (GgufNames.VisionQkvPart(name) is var (fused, part))
            {
                (qkv.TryGetValue(fused, out var parts) ? parts : qkv[fused] = new GgufTensorInfo?[3])[part] = t;
            }
            else if (GgufNames.GgufToHf(name, qwen25) is { } hf)
            {
                _entries[hf] = new Entry(mmproj, [t], t.Shape, Fused.None);
            }
        }
        foreach ((string fused, GgufTensorInfo?[] parts) in qkv)
        {
            GgufTensorInfo[] present = [.. parts.Where(p => p is not null).Select(p => p!)];
            if (present.Length != 3)
            {
                throw new ModelException($"{mmproj.Path}: {fused} needs attn_q, attn_k and attn_v; found only {string.Join(", ", present.Select(p => p.Name))}",
                    mmproj.Path, fused);
            }
            long[] shape = [.. present[0].Shape];
            shape[0] = present.Sum(p => p.Shape[0]);
            _entries[fused] = new Entry(mmproj, present, shape, Fused.Rows);
        }
        if (mmproj.Contains(GgufNames.PatchEmbed0))
        {
            GgufTensorInfo p0 = mmproj.GetInfo(GgufNames.PatchEmbed0);
            GgufTensorInfo p1 = mmproj.Contains(GgufNames.PatchEmbed1) ? mmproj.GetInfo(GgufNames.PatchEmbed1)
                : throw new ModelException($"{mmproj.Path}: {GgufNames.PatchEmbed1} is missing; Qwen-VL's patch kernel has two temporal slices",
                    mmproj.Path, GgufNames.PatchEmbed1);
            long[] s = p0.Shape; // [D, C, P, P] -> [D, C, 2, P, P]
            _entries[GgufNames.HfPatchEmbed] = new Entry(mmproj, [p0, p1], s.Length == 4 ? [s[0], s[1], 2, s[2], s[3]] : s, Fused.Temporal);
        }
    }

    private enum Fused
    {
        None,
        Rows,
        Temporal,
    }

    /// <summary>The text GGUF path (messages name it).</summary>
    public string Folder => _text.Path;

    /// <inheritdoc/>
    public IEnumerable<string> Names => _entries.Keys;

    /// <inheritdoc/>
    public long TotalBytes => _text.Tensors.Sum(t => t.ByteLength) + _mmproj.Tensors.Sum(t => t.ByteLength);

    /// <summary>Maps both files (CheckpointException on a malformed file, ModelException on an unusable pair).</summary>
    public static GgufWeightSource Open(GgufModelFiles files)
    {
        GgufFile text = GgufFile.Open(files.Text);
        GgufFile? mmproj = null;
        try
        {
            mmproj = GgufFile.Open(files.Mmproj);
            return new GgufWeightSource(text, mmproj);
        }
        catch
        {
            mmproj?.Dispose();
            text.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <inheritdoc/>
    public WeightInfo Info(string name)
    {
        Entry e = Get(name);
        DType type = e.Kind == Fused.None ? GgufDTypes.ToDType(e.File, e.Parts[0]) : GgufFusion.FusedType(e.File, e.Parts);
        long elements = e.Shape.Aggregate(1L, (a, b) => a * b);
        return new WeightInfo(name, type.ToString(), [.. e.Shape], DTypeInfo.ByteCount(type, elements), e.File.Path);
    }

    /// <inheritdoc/>
    public void ReleaseStorage(string name)
    {
        Entry e = Get(name);
        if (e.Kind == Fused.None)
        {
            e.File.ReleasePages(e.Parts[0].Name);
            return;
        }
        lock (_buildLock)
        {
            // A later View rebuilds the fused copy from the file.
            if (_built.Remove(name, out NativeTensor? tensor))
            {
                tensor.Dispose();
            }
        }
    }

    /// <inheritdoc/>
    public TensorView View(string name, int[] expectedShape)
    {
        Entry e = Get(name);
        string stored = string.Join(" + ", e.Parts.Select(p => p.Name));
        if (!e.Shape.SequenceEqual(expectedShape.Select(d => (long)d)))
        {
            throw new ModelException($"{e.File.Path}: tensor {stored} (as {name}) has shape [{string.Join(", ", e.Shape)}], " +
                $"the model expects [{string.Join(", ", expectedShape)}]", e.File.Path, e.Parts[0].Name);
        }
        if (e.Kind == Fused.None)
        {
            return new TensorView(e.File.GetPointer(e.Parts[0].Name), GgufDTypes.ToDType(e.File, e.Parts[0]), expectedShape);
        }
        lock (_buildLock)
        {
            if (!_built.TryGetValue(name, out NativeTensor? tensor))
            {
                int[] shape = [.. e.Shape.Select(d => checked((int)d))];
                tensor = e.Kind == Fused.Rows ? GgufFusion.ConcatRows(e.File, e.Parts, shape) : GgufFusion.PatchEmbed(e.File, e.Parts[0], e.Parts[1], shape);
                _built[name] = tensor;
                // The parts are never read again: drop their pages so the copy does not double the
                // resident size (q/k/v are a quarter of a Qwen2.5-VL tower, ~315 MB at F16).
                foreach (GgufTensorInfo part in e.Parts)
                {
                    e.File.ReleasePages(part.Name);
                }
            }
            return tensor.View.Reshape(expectedShape);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (NativeTensor t in _built.Values)
        {
            t.Dispose();
        }
        _built.Clear();
        _mmproj.Dispose();
        _text.Dispose();
    }

    // "v.blk.{i}.ffn_up.*" <-> "v.blk.{i}.ffn_down.*" in blocks with the legacy swapped naming (GgufConfig.FfnSwapped).
    private static string Unswap(GgufFile mmproj, string name, Dictionary<int, bool> cache)
    {
        string[] p = name.Split('.');
        if (p.Length != 5 || p[0] != "v" || p[1] != "blk" || p[3] is not ("ffn_up" or "ffn_down") || !int.TryParse(p[2], out int block))
        {
            return name;
        }
        if (!cache.TryGetValue(block, out bool swap))
        {
            cache[block] = swap = GgufConfig.FfnSwapped(mmproj, block);
        }
        return swap ? $"v.blk.{block}.{(p[3] == "ffn_up" ? "ffn_down" : "ffn_up")}.{p[4]}" : name;
    }

    private Entry Get(string name) => _entries.TryGetValue(name, out Entry? e) ? e
        : throw new ModelException($"missing tensor '{name}' in {_text.Path} + {_mmproj.Path}" +
            (GgufNames.HfToGguf(name, GgufConfig.IsQwen25(_mmproj)) is { } g ? $" (GGUF name {g})" : ""), _text.Path, name);

    private sealed record Entry(GgufFile File, GgufTensorInfo[] Parts, long[] Shape, Fused Kind);
}
