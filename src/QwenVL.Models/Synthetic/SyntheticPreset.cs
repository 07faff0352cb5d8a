// Named architectures for `qwenvl synth`: the published dimensions of Qwen2-VL and Qwen2.5-VL
// checkpoints (config values from the hub configs, see docs/qwen-vl-spec.md §6), plus tiny ones
// matching the parity fixtures. Weights written for them are random: noise, not answers.
namespace QwenVL.Models.Synthetic;

/// <summary>Dimensions of one synthetic checkpoint.</summary>
public sealed record SyntheticPreset(
    string Name,
    string ModelType,
    int Hidden, int Layers, int Heads, int KvHeads, int Intermediate, int Vocab, bool Tied, int MaxPositions, int[] MRopeSection,
    int VisionDepth, int VisionHidden, int VisionHeads, int VisionIntermediate, int[] FullAttentionBlocks)
{
    /// <summary>True for Qwen2.5-VL (windowed RMSNorm/SwiGLU tower), false for Qwen2-VL.</summary>
    public bool IsQwen25 => ModelType == "qwen2_5_vl";

    /// <summary>Every preset.</summary>
    public static IReadOnlyList<SyntheticPreset> All { get; } =
    [
        new("qwen2-vl-2b", "qwen2_vl", 1536, 28, 12, 2, 8960, 151936, true, 32768, [16, 24, 24], 32, 1280, 16, 5120, []),
        new("qwen2-vl-7b", "qwen2_vl", 3584, 28, 28, 4, 18944, 152064, false, 32768, [16, 24, 24], 32, 1280, 16, 5120, []),
        new("qwen2.5-vl-3b", "qwen2_5_vl", 2048, 36, 16, 2, 11008, 151936, true, 128000, [16, 24, 24], 32, 1280, 16, 3420, [7, 15, 23, 31]),
        new("qwen2.5-vl-7b", "qwen2_5_vl", 3584, 28, 28, 4, 18944, 152064, false, 128000, [16, 24, 24], 32, 1280, 16, 3420, [7, 15, 23, 31]),
        new("qwen2.5-vl-32b", "qwen2_5_vl", 5120, 64, 40, 8, 27648, 152064, false, 128000, [16, 24, 24], 32, 1280, 16, 3456, [7, 15, 23, 31]),
        new("qwen2-vl-tiny", "qwen2_vl", 64, 2, 4, 2, 128, 151936, true, 32768, [2, 3, 3], 4, 64, 4, 128, []),
        new("qwen2.5-vl-tiny", "qwen2_5_vl", 64, 2, 4, 2, 128, 151936, true, 128000, [2, 3, 3], 4, 64, 4, 128, [1, 3]),
    ];

    /// <summary>Looks a preset up by name; throws listing the valid names.</summary>
    public static SyntheticPreset Get(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown preset '{name}'; choose one of: {string.Join(", ", All.Select(p => p.Name))}");
}
