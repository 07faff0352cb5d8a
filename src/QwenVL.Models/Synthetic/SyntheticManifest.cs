// The tensor names and shapes of a preset in the hub layout ("visual.*", "model.*", "lm_head"),
// with the kind of values each gets (norm weights 1, biases and matrices small random). Tests load
// the written checkpoint with the real loaders, so a drift between this list and the weight
// declarations fails there with the tensor's name.
namespace QwenVL.Models.Synthetic;

/// <summary>How a synthetic tensor is filled.</summary>
public enum SyntheticFill
{
    /// <summary>All ones (norm weights).</summary>
    Ones,

    /// <summary>Uniform noise with the preset's standard deviation.</summary>
    Noise,
}

/// <summary>One tensor of a synthetic checkpoint.</summary>
public sealed record SyntheticTensor(string Name, long[] Shape, SyntheticFill Fill);

/// <summary>Lists the tensors of a preset.</summary>
public static class SyntheticManifest
{
    /// <summary>All tensors of <paramref name="p"/>, in a stable order.</summary>
    public static List<SyntheticTensor> For(SyntheticPreset p)
    {
        var t = new List<SyntheticTensor>();
        void Add(string name, SyntheticFill fill, params long[] shape) => t.Add(new SyntheticTensor(name, shape, fill));
        int d = p.VisionHidden, hd = p.Hidden / p.Heads;

        Add("visual.patch_embed.proj.weight", SyntheticFill.Noise, d, 3, 2, 14, 14);
        for (int i = 0; i < p.VisionDepth; i++)
        {
            string b = $"visual.blocks.{i}.";
            Add(b + "norm1.weight", SyntheticFill.Ones, d);
            Add(b + "norm2.weight", SyntheticFill.Ones, d);
            if (!p.IsQwen25)
            {
                Add(b + "norm1.bias", SyntheticFill.Noise, d);
                Add(b + "norm2.bias", SyntheticFill.Noise, d);
            }
            Add(b + "attn.qkv.weight", SyntheticFill.Noise, 3 * d, d);
            Add(b + "attn.qkv.bias", SyntheticFill.Noise, 3 * d);
            Add(b + "attn.proj.weight", SyntheticFill.Noise, d, d);
            Add(b + "attn.proj.bias", SyntheticFill.Noise, d);
            if (p.IsQwen25)
            {
                foreach (string m in new[] { "gate_proj", "up_proj" })
                {
                    Add(b + $"mlp.{m}.weight", SyntheticFill.Noise, p.VisionIntermediate, d);
                    Add(b + $"mlp.{m}.bias", SyntheticFill.Noise, p.VisionIntermediate);
                }
                Add(b + "mlp.down_proj.weight", SyntheticFill.Noise, d, p.VisionIntermediate);
                Add(b + "mlp.down_proj.bias", SyntheticFill.Noise, d);
            }
            else
            {
                Add(b + "mlp.fc1.weight", SyntheticFill.Noise, p.VisionIntermediate, d);
                Add(b + "mlp.fc1.bias", SyntheticFill.Noise, p.VisionIntermediate);
                Add(b + "mlp.fc2.weight", SyntheticFill.Noise, d, p.VisionIntermediate);
                Add(b + "mlp.fc2.bias", SyntheticFill.Noise, d);
            }
        }
        Add("visual.merger.ln_q.weight", SyntheticFill.Ones, d);
        if (!p.IsQwen25)
        {
            Add("visual.merger.ln_q.bias", SyntheticFill.Noise, d);
        }
        Add("visual.merger.mlp.0.weight", SyntheticFill.Noise, 4 * d, 4 * d);
        Add("visual.merger.mlp.0.bias", SyntheticFill.Noise, 4 * d);
        Add("visual.merger.mlp.2.weight", SyntheticFill.Noise, p.Hidden, 4 * d);
        Add("visual.merger.mlp.2.bias", SyntheticFill.Noise, p.Hidden);

        Add("model.embed_tokens.weight", SyntheticFill.Noise, p.Vocab, p.Hidden);
        for (int i = 0; i < p.Layers; i++)
        {
            string l = $"model.layers.{i}.";
            Add(l + "input_layernorm.weight", SyntheticFill.Ones, p.Hidden);
            Add(l + "post_attention_layernorm.weight", SyntheticFill.Ones, p.Hidden);
            Add(l + "self_attn.q_proj.weight", SyntheticFill.Noise, p.Heads * hd, p.Hidden);
            Add(l + "self_attn.q_proj.bias", SyntheticFill.Noise, p.Heads * hd);
            Add(l + "self_attn.k_proj.weight", SyntheticFill.Noise, p.KvHeads * hd, p.Hidden);
            Add(l + "self_attn.k_proj.bias", SyntheticFill.Noise, p.KvHeads * hd);
            Add(l + "self_attn.v_proj.weight", SyntheticFill.Noise, p.KvHeads * hd, p.Hidden);
            Add(l + "self_attn.v_proj.bias", SyntheticFill.Noise, p.KvHeads * hd);
            Add(l + "self_attn.o_proj.weight", SyntheticFill.Noise, p.Hidden, p.Heads * hd);
            Add(l + "mlp.gate_proj.weight", SyntheticFill.Noise, p.Intermediate, p.Hidden);
            Add(l + "mlp.up_proj.weight", SyntheticFill.Noise, p.Intermediate, p.Hidden);
            Add(l + "mlp.down_proj.weight", SyntheticFill.Noise, p.Hidden, p.Intermediate);
        }
        Add("model.norm.weight", SyntheticFill.Ones, p.Hidden);
        if (!p.Tied)
        {
            Add("lm_head.weight", SyntheticFill.Noise, p.Vocab, p.Hidden);
        }
        return t;
    }
}
