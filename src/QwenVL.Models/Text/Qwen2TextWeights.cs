// The Qwen2 decoder's tensors, declared once with their checkpoint names and shapes. Names are
// relative to the text prefix ("model." in hub checkpoints, "model.language_model." in newer
// transformers saves); lm_head sits at the root and falls back to the embeddings when tied.
using QwenVL.Models.Common;
using QwenVL.Tensors;

namespace QwenVL.Models.Text;

/// <summary>One decoder layer: pre-RMSNorm GQA attention with QKV bias, pre-RMSNorm SwiGLU MLP.</summary>
public sealed class Qwen2LayerWeights
{
    /// <summary>Binds layer tensors under <paramref name="s"/> (= "model.layers.{i}.").</summary>
    public Qwen2LayerWeights(WeightScope s, Qwen2TextConfig c)
    {
        InputNorm = s.Vector("input_layernorm.weight", c.HiddenSize);                      // [H]
        Q = new Linear(s, "self_attn.q_proj", c.QDim, c.HiddenSize, bias: true);           // [nq·hd, H] + [nq·hd]
        K = new Linear(s, "self_attn.k_proj", c.KvDim, c.HiddenSize, bias: true);          // [nkv·hd, H] + [nkv·hd]
        V = new Linear(s, "self_attn.v_proj", c.KvDim, c.HiddenSize, bias: true);          // [nkv·hd, H] + [nkv·hd]
        O = new Linear(s, "self_attn.o_proj", c.HiddenSize, c.QDim, bias: false);          // [H, nq·hd]
        PostAttentionNorm = s.Vector("post_attention_layernorm.weight", c.HiddenSize);     // [H]
        Gate = new Linear(s, "mlp.gate_proj", c.IntermediateSize, c.HiddenSize, bias: false); // [I, H]
        Up = new Linear(s, "mlp.up_proj", c.IntermediateSize, c.HiddenSize, bias: false);     // [I, H]
        Down = new Linear(s, "mlp.down_proj", c.HiddenSize, c.IntermediateSize, bias: false); // [H, I]
    }

    /// <summary>input_layernorm [H].</summary>
    public float[] InputNorm { get; }

    /// <summary>q_proj.</summary>
    public Linear Q { get; }

    /// <summary>k_proj.</summary>
    public Linear K { get; }

    /// <summary>v_proj.</summary>
    public Linear V { get; }

    /// <summary>o_proj.</summary>
    public Linear O { get; }

    /// <summary>post_attention_layernorm [H].</summary>
    public float[] PostAttentionNorm { get; }

    /// <summary>mlp.gate_proj.</summary>
    public Linear Gate { get; }

    /// <summary>mlp.up_proj.</summary>
    public Linear Up { get; }

    /// <summary>mlp.down_proj.</summary>
    public Linear Down { get; }
}

/// <summary>All decoder tensors.</summary>
public sealed class Qwen2TextWeights
{
    /// <summary>Binds every tensor; <paramref name="text"/> is the decoder scope, <paramref name="root"/> the checkpoint root (for lm_head).</summary>
    public Qwen2TextWeights(WeightScope text, WeightScope root, Qwen2TextConfig c)
    {
        Embeddings = text.Matrix("embed_tokens.weight", c.VocabSize, c.HiddenSize);       // [V, H]
        Layers = [.. Enumerable.Range(0, c.NumLayers).Select(i => new Qwen2LayerWeights(text.Sub("layers", i), c))];
        Norm = text.Vector("norm.weight", c.HiddenSize);                                   // [H]
        // Tied checkpoints (2B, 3B) usually omit lm_head.weight; an untied one must have it.
        LmHead = root.Has("lm_head.weight") || !c.TieWordEmbeddings
            ? new Linear(root, "lm_head", c.VocabSize, c.HiddenSize, bias: false)           // [V, H]
            : new Linear(Embeddings);
    }

    /// <summary>embed_tokens [V, H].</summary>
    public TensorView Embeddings { get; }

    /// <summary>Decoder layers.</summary>
    public Qwen2LayerWeights[] Layers { get; }

    /// <summary>Final norm [H].</summary>
    public float[] Norm { get; }

    /// <summary>lm_head [V, H] (the embeddings when tied).</summary>
    public Linear LmHead { get; }

    /// <summary>
    /// Weight bytes one decode step reads: every layer's seven projections and lm_head (the embedding
    /// table is read one row at a time unless it is tied to lm_head, where it counts once). Norms and
    /// biases (~0.1%) are left out. This is what bounds decode speed by memory bandwidth.
    /// </summary>
    public long DecodeBytesPerToken =>
        Layers.Sum(l => new[] { l.Q, l.K, l.V, l.O, l.Gate, l.Up, l.Down }.Sum(x => x.Weight.ByteLength)) + LmHead.Weight.ByteLength;
}
