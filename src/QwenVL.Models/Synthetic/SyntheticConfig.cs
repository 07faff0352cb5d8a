// config.json for a synthetic preset, in the layout the hub checkpoints of that generation use
// (flat text keys + vision_config, rope_scaling with mrope_section), token ids from the tokenizer.
using System.Text.Json.Nodes;
using QwenVL.Tensors;

namespace QwenVL.Models.Synthetic;

/// <summary>Builds config.json.</summary>
public static class SyntheticConfig
{
    /// <summary>The config of <paramref name="p"/>; <paramref name="id"/> maps token text to id.</summary>
    public static JsonObject Build(SyntheticPreset p, DType dtype, Func<string, int> id)
    {
        JsonObject vision = p.IsQwen25
            ? new JsonObject
            {
                ["depth"] = p.VisionDepth,
                ["hidden_act"] = "silu",
                ["hidden_size"] = p.VisionHidden,
                ["intermediate_size"] = p.VisionIntermediate,
                ["num_heads"] = p.VisionHeads,
                ["in_chans"] = 3,
                ["out_hidden_size"] = p.Hidden,
                ["patch_size"] = 14,
                ["spatial_merge_size"] = 2,
                ["spatial_patch_size"] = 14,
                ["window_size"] = 112,
                ["fullatt_block_indexes"] = new JsonArray([.. p.FullAttentionBlocks.Select(b => (JsonNode)b)]),
                ["tokens_per_second"] = 2,
                ["temporal_patch_size"] = 2,
            }
            : new JsonObject
            {
                ["depth"] = p.VisionDepth,
                ["embed_dim"] = p.VisionHidden,
                ["hidden_size"] = p.Hidden,
                ["hidden_act"] = "quick_gelu",
                ["mlp_ratio"] = p.VisionIntermediate / (double)p.VisionHidden,
                ["num_heads"] = p.VisionHeads,
                ["in_chans"] = 3,
                ["patch_size"] = 14,
                ["spatial_merge_size"] = 2,
                ["temporal_patch_size"] = 2,
            };
        return new JsonObject
        {
            ["architectures"] = new JsonArray(p.IsQwen25 ? "Qwen2_5_VLForConditionalGeneration" : "Qwen2VLForConditionalGeneration"),
            ["model_type"] = p.ModelType,
            ["hidden_size"] = p.Hidden,
            ["intermediate_size"] = p.Intermediate,
            ["num_hidden_layers"] = p.Layers,
            ["num_attention_heads"] = p.Heads,
            ["num_key_value_heads"] = p.KvHeads,
            ["hidden_act"] = "silu",
            ["max_position_embeddings"] = p.MaxPositions,
            ["rms_norm_eps"] = 1e-6,
            ["rope_theta"] = 1000000.0,
            ["rope_scaling"] = new JsonObject { ["type"] = "mrope", ["mrope_section"] = new JsonArray([.. p.MRopeSection.Select(s => (JsonNode)s)]) },
            ["tie_word_embeddings"] = p.Tied,
            ["vocab_size"] = p.Vocab,
            ["use_sliding_window"] = false,
            ["bos_token_id"] = id("<|endoftext|>"),
            ["eos_token_id"] = id("<|im_end|>"),
            ["vision_start_token_id"] = id("<|vision_start|>"),
            ["vision_end_token_id"] = id("<|vision_end|>"),
            ["vision_token_id"] = id("<|vision_pad|>"),
            ["image_token_id"] = id("<|image_pad|>"),
            ["video_token_id"] = id("<|video_pad|>"),
            ["torch_dtype"] = dtype == DType.BF16 ? "bfloat16" : "float32",
            ["vision_config"] = vision,
        };
    }
}
