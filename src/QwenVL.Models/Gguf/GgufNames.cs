// The one table between Hugging Face tensor names (hub layout: "model.layers.3.mlp.up_proj.weight",
// "visual.blocks.0.norm1.weight") and llama.cpp GGUF names ("blk.3.ffn_up.weight", "v.blk.0.ln1.weight")
// per gguf-py's tensor_mapping.py, used by the loader and the converter alike. It also names the two
// split tensors (attn.qkv -> attn_q/k/v, the Conv3d kernel -> two 2-D kernels) but joins no data.
namespace QwenVL.Models.Gguf;

/// <summary>Name mapping between Hugging Face checkpoints and llama.cpp GGUF files.</summary>
public static class GgufNames
{
    /// <summary>The vision tower's patch kernel, split on the temporal axis into this and <see cref="PatchEmbed1"/>.</summary>
    public const string PatchEmbed0 = "v.patch_embd.weight";

    /// <summary>The second temporal slice of the patch kernel.</summary>
    public const string PatchEmbed1 = "v.patch_embd.weight.1";

    /// <summary>Hugging Face name of the Conv3d patch kernel [D, C, 2, P, P].</summary>
    public const string HfPatchEmbed = "visual.patch_embed.proj.weight";

    private static readonly (string Hf, string Gguf)[] TextGlobal =
        [("model.embed_tokens", "token_embd"), ("model.norm", "output_norm"), ("lm_head", "output")];

    private static readonly (string Hf, string Gguf)[] TextBlock =
    [
        ("input_layernorm", "attn_norm"), ("self_attn.q_proj", "attn_q"), ("self_attn.k_proj", "attn_k"),
        ("self_attn.v_proj", "attn_v"), ("self_attn.o_proj", "attn_output"), ("post_attention_layernorm", "ffn_norm"),
        ("mlp.gate_proj", "ffn_gate"), ("mlp.up_proj", "ffn_up"), ("mlp.down_proj", "ffn_down"),
    ];

    private static readonly (string Hf, string Gguf)[] VisionGlobal =
        [("visual.merger.ln_q", "v.post_ln"), ("visual.merger.mlp.0", "mm.0"), ("visual.merger.mlp.2", "mm.2")];

    // Qwen2-VL's QuickGELU MLP is fc1/fc2; Qwen2.5-VL's SwiGLU MLP is gate/up/down (all with biases).
    private static readonly (string Hf, string Gguf)[] Qwen2VisionBlock =
        [("norm1", "ln1"), ("norm2", "ln2"), ("attn.proj", "attn_out"), ("mlp.fc1", "ffn_up"), ("mlp.fc2", "ffn_down")];

    private static readonly (string Hf, string Gguf)[] Qwen25VisionBlock =
    [
        ("norm1", "ln1"), ("norm2", "ln2"), ("attn.proj", "attn_out"),
        ("mlp.gate_proj", "ffn_gate"), ("mlp.up_proj", "ffn_up"), ("mlp.down_proj", "ffn_down"),
    ];

    /// <summary>GGUF name of a Hugging Face text or vision tensor, or null (fused/split tensors and unknown names).</summary>
    public static string? HfToGguf(string hf, bool qwen25) => Map(hf, qwen25, toGguf: true);

    /// <summary>Hugging Face name of a GGUF tensor, or null (split halves and unknown names).</summary>
    public static string? GgufToHf(string gguf, bool qwen25) => Map(gguf, qwen25, toGguf: false);

    /// <summary>"visual.blocks.{i}.attn.qkv.{param}" for a GGUF "v.blk.{i}.attn_q|k|v.{param}", with the part index (0 q, 1 k, 2 v).</summary>
    public static (string Hf, int Part)? VisionQkvPart(string gguf)
    {
        if (!TrySplitBlock(gguf, "v.blk.", out int block, out string module, out string param) || module.Length != 6
            || !module.StartsWith("attn_", StringComparison.Ordinal))
        {
            return null;
        }
        int part = "qkv".IndexOf(module[5], StringComparison.Ordinal);
        return part < 0 ? null : ($"visual.blocks.{block}.attn.qkv.{param}", part);
    }

    /// <summary>GGUF names of the three parts of a Hugging Face "visual.blocks.{i}.attn.qkv.{param}", or null.</summary>
    public static string[]? VisionQkvParts(string hf)
    {
        if (!TrySplitBlock(hf, "visual.blocks.", out int block, out string module, out string param) || module != "attn.qkv")
        {
            return null;
        }
        return [$"v.blk.{block}.attn_q.{param}", $"v.blk.{block}.attn_k.{param}", $"v.blk.{block}.attn_v.{param}"];
    }

    private static string? Map(string name, bool qwen25, bool toGguf)
    {
        (string Hf, string Gguf)[] visionBlock = qwen25 ? Qwen25VisionBlock : Qwen2VisionBlock;
        string fromBlock = toGguf ? "model.layers." : "blk.", toBlock = toGguf ? "blk." : "model.layers.";
        string fromVision = toGguf ? "visual.blocks." : "v.blk.", toVision = toGguf ? "v.blk." : "visual.blocks.";
        if (TrySplitBlock(name, fromBlock, out int i, out string module, out string param))
        {
            return Lookup(TextBlock, module, toGguf) is { } m ? $"{toBlock}{i}.{m}.{param}" : null;
        }
        if (TrySplitBlock(name, fromVision, out i, out module, out param))
        {
            return Lookup(visionBlock, module, toGguf) is { } m ? $"{toVision}{i}.{m}.{param}" : null;
        }
        int dot = name.LastIndexOf('.');
        if (dot <= 0 || name[(dot + 1)..] is not ("weight" or "bias"))
        {
            return null;
        }
        string global = Lookup(TextGlobal, name[..dot], toGguf) ?? Lookup(VisionGlobal, name[..dot], toGguf) ?? "";
        return global.Length == 0 ? null : global + name[dot..];
    }

    private static string? Lookup((string Hf, string Gguf)[] table, string module, bool toGguf)
    {
        foreach ((string hf, string gguf) in table)
        {
            if ((toGguf ? hf : gguf) == module)
            {
                return toGguf ? gguf : hf;
            }
        }
        return null;
    }

    // "prefix{i}.{module}.{weight|bias}" -> (i, module, param).
    private static bool TrySplitBlock(string name, string prefix, out int index, out string module, out string param)
    {
        index = -1;
        module = param = "";
        if (!name.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }
        string rest = name[prefix.Length..];
        int dot = rest.IndexOf('.');
        int last = rest.LastIndexOf('.');
        if (dot <= 0 || last <= dot || !int.TryParse(rest[..dot], System.Globalization.NumberStyles.None, null, out index))
        {
            return false;
        }
        module = rest[(dot + 1)..last];
        param = rest[(last + 1)..];
        return param is "weight" or "bias";
    }
}
