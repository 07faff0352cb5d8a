// Qwen2.5-VL's vision_config: a 32-block ViT (width hidden_size 1280, SwiGLU of intermediate_size
// 3420) with 112-px window attention except in fullatt_block_indexes ([7, 15, 23, 31]), and a
// merger to out_hidden_size (= LM hidden). Defaults below are the released 3B/7B values.
using QwenVL.Models.Common;

namespace QwenVL.Models.Qwen25VL;

/// <summary>Dimensions of the Qwen2.5-VL vision tower.</summary>
public sealed record Qwen25VLVisionConfig(int Depth, int HiddenSize, int NumHeads, int IntermediateSize, int OutDim,
    int PatchSize, int TemporalPatchSize, int MergeSize, int InChannels, int WindowSize, int[] FullAttentionBlocks)
{
    /// <summary>Parses vision_config; <paramref name="lmHidden"/> is the fallback merger output width.</summary>
    public static Qwen25VLVisionConfig Parse(ConfigReader root, int lmHidden)
    {
        ConfigReader v = root.Object("vision_config") ?? throw root.Error("vision_config", "is required");
        int hidden = v.Int("hidden_size", 1280);
        int heads = v.Int("num_heads", 16);
        if (heads <= 0 || hidden % heads != 0 || (hidden / heads) % 4 != 0)
        {
            throw v.Error("num_heads", $"({heads}) must divide hidden_size ({hidden}) into heads whose size is a multiple of 4");
        }
        int depth = v.Int("depth", 32);
        int[] full = v.IntArray("fullatt_block_indexes") ?? [7, 15, 23, 31];
        foreach (int b in full)
        {
            if (b < 0 || b >= depth)
            {
                throw v.Error("fullatt_block_indexes", $"holds {b}, outside [0, {depth})");
            }
        }
        var c = new Qwen25VLVisionConfig(depth, hidden, heads, v.Int("intermediate_size", 3420), v.Int("out_hidden_size", lmHidden),
            v.Int("patch_size", 14), v.Int("temporal_patch_size", 2), v.Int("spatial_merge_size", 2),
            v.Int("in_chans", v.Int("in_channels", 3)), v.Int("window_size", 112), full);
        if (c.WindowSize % (c.PatchSize * c.MergeSize) != 0)
        {
            throw v.Error("window_size", $"({c.WindowSize}) must be a multiple of patch_size·spatial_merge_size ({c.PatchSize * c.MergeSize})");
        }
        return c;
    }

    /// <summary>Length of one pixel_values row: C·T·P·P.</summary>
    public int PatchDim => InChannels * TemporalPatchSize * PatchSize * PatchSize;

    /// <summary>Window side in merge units (112 / 2 / 14 = 4).</summary>
    public int WindowUnits => WindowSize / MergeSize / PatchSize;
}
