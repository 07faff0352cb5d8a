// Hyper-parameters of the Qwen2 language model inside Qwen2-VL and Qwen2.5-VL, read from
// config.json in either layout: legacy flat keys, or a nested text_config (keys missing there fall
// back to the root); rope settings from rope_scaling or rope_parameters (transformers v5).
using QwenVL.Models.Common;

namespace QwenVL.Models.Text;

/// <summary>Qwen2 decoder dimensions and rope settings.</summary>
public sealed record Qwen2TextConfig(
    int HiddenSize,
    int NumLayers,
    int NumHeads,
    int NumKvHeads,
    int HeadDim,
    int IntermediateSize,
    int VocabSize,
    float RmsNormEps,
    double RopeTheta,
    int[] MRopeSection,
    bool TieWordEmbeddings,
    int MaxPositionEmbeddings)
{
    /// <summary>Width of the K and V projections.</summary>
    public int KvDim => NumKvHeads * HeadDim;

    /// <summary>Width of the Q projection.</summary>
    public int QDim => NumHeads * HeadDim;

    /// <summary>Parses the text part of a Qwen2-VL / Qwen2.5-VL config.json.</summary>
    public static Qwen2TextConfig Parse(ConfigReader root)
    {
        ConfigReader text = root.Object("text_config") ?? root;
        int Int(string key, int? fallback = null) =>
            text.Has(key) ? text.Int(key) : root.Has(key) ? root.Int(key) : fallback ?? text.Int(key);

        int hidden = Int("hidden_size");
        int heads = Int("num_attention_heads");
        if (heads <= 0 || hidden % heads != 0 && !text.Has("head_dim"))
        {
            throw text.Error("num_attention_heads", $"({heads}) must be positive and divide hidden_size ({hidden})");
        }
        int headDim = Int("head_dim", hidden / heads);
        int kvHeads = Int("num_key_value_heads", heads);
        if (kvHeads <= 0 || heads % kvHeads != 0)
        {
            throw text.Error("num_key_value_heads", $"({kvHeads}) must divide num_attention_heads ({heads})");
        }

        // rope_scaling (transformers v4) or rope_parameters (v5); mrope_section may sit in either,
        // in text_config or at the root. theta may move inside rope_parameters in v5.
        ConfigReader? rope = text.Object("rope_scaling") ?? text.Object("rope_parameters")
            ?? root.Object("rope_scaling") ?? root.Object("rope_parameters");
        double theta = text.OptionalDouble("rope_theta") ?? root.OptionalDouble("rope_theta")
            ?? rope?.OptionalDouble("rope_theta") ?? 1_000_000.0; // HF Qwen2VLTextConfig default
        int[] section = rope?.IntArray("mrope_section")
            ?? throw root.Error("rope_scaling.mrope_section", "is required for M-RoPE (e.g. [16, 24, 24])");
        if (section.Sum() != headDim / 2 || section.Any(s => s < 0))
        {
            throw (rope ?? root).Error("mrope_section", $"[{string.Join(", ", section)}] must be non-negative and sum to head_dim/2 = {headDim / 2}");
        }

        bool tie = text.Has("tie_word_embeddings") ? text.Bool("tie_word_embeddings", false) : root.Bool("tie_word_embeddings", false);
        var config = new Qwen2TextConfig(
            hidden, Int("num_hidden_layers"), heads, kvHeads, headDim, Int("intermediate_size"), Int("vocab_size"),
            (float)(text.OptionalDouble("rms_norm_eps") ?? root.OptionalDouble("rms_norm_eps") ?? 1e-6),
            theta, section, tie, Int("max_position_embeddings", 32768));
        foreach ((string key, int value) in new[] { ("hidden_size", hidden), ("num_hidden_layers", config.NumLayers),
            ("intermediate_size", config.IntermediateSize), ("vocab_size", config.VocabSize), ("head_dim", headDim) })
        {
            if (value <= 0)
            {
                throw text.Error(key, $"must be positive, got {value}");
            }
        }
        return config;
    }
}
