// Qwen2-VL's vision_config: a 32-block ViT of width embed_dim (1280) with QuickGELU MLPs of
// mlp_ratio·embed_dim, full attention per image; vision_config.hidden_size is the merger's output
// width (= the LM hidden size), not the ViT width.
using QwenVL.Models.Common;

namespace QwenVL.Models.Qwen2VL;

/// <summary>Dimensions of the Qwen2-VL vision tower.</summary>
public sealed record Qwen2VLVisionConfig(int Depth, int EmbedDim, int NumHeads, int MlpDim, int OutDim,
    int PatchSize, int TemporalPatchSize, int MergeSize, int InChannels)
{
    /// <summary>Parses vision_config; <paramref name="lmHidden"/> is the fallback merger output width.</summary>
    public static Qwen2VLVisionConfig Parse(ConfigReader root, int lmHidden)
    {
        ConfigReader v = root.Object("vision_config") ?? throw root.Error("vision_config", "is required");
        int embed = v.Int("embed_dim", 1280);
        int heads = v.Int("num_heads", 16);
        if (heads <= 0 || embed % heads != 0 || (embed / heads) % 4 != 0)
        {
            throw v.Error("num_heads", $"({heads}) must divide embed_dim ({embed}) into heads whose size is a multiple of 4");
        }
        double ratio = v.Double("mlp_ratio", 4);
        return new Qwen2VLVisionConfig(v.Int("depth", 32), embed, heads, (int)(embed * ratio), v.Int("hidden_size", lmHidden),
            v.Int("patch_size", 14), v.Int("temporal_patch_size", 2), v.Int("spatial_merge_size", 2), v.Int("in_chans", v.Int("in_channels", 3)));
    }

    /// <summary>Length of one pixel_values row: C·T·P·P.</summary>
    public int PatchDim => InChannels * TemporalPatchSize * PatchSize * PatchSize;
}
