// Which Qwen-VL generation wrote an answer: it decides the coordinate convention (spec §5).
// Qwen2-VL: 0-1000 relative (special tokens); Qwen2.5-VL: pixels of the smart-resized image (JSON);
// Qwen3-VL: 0-1000 relative (JSON). It deliberately does not cover the 2023 Qwen-VL beyond its tags.
namespace QwenVL.Grounding;

/// <summary>A Qwen-VL generation.</summary>
public enum ModelFamily
{
    /// <summary>Qwen2-VL (model_type qwen2_vl).</summary>
    Qwen2VL,

    /// <summary>Qwen2.5-VL (model_type qwen2_5_vl).</summary>
    Qwen25VL,

    /// <summary>Qwen3-VL (model_type qwen3_vl, qwen3_vl_moe).</summary>
    Qwen3VL,
}

/// <summary>Names of the families on the command line and in config.json.</summary>
public static class ModelFamilies
{
    /// <summary>The command-line spellings, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["qwen2-vl", "qwen2.5-vl", "qwen3-vl"];

    /// <summary>Parses "qwen2-vl", "qwen2.5-vl", "qwen3-vl" or a config.json model_type; null when unknown.</summary>
    public static ModelFamily? TryParse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "qwen2-vl" or "qwen2_vl" or "qwen2vl" => ModelFamily.Qwen2VL,
        "qwen2.5-vl" or "qwen2_5_vl" or "qwen25vl" or "qwen2.5vl" => ModelFamily.Qwen25VL,
        "qwen3-vl" or "qwen3_vl" or "qwen3_vl_moe" or "qwen3vl" => ModelFamily.Qwen3VL,
        _ => null,
    };

    /// <summary>The command-line spelling of a family.</summary>
    public static string Name(this ModelFamily family) => Names[(int)family];

    /// <summary>Side granularity of smart_resize: patch 14 x merge 2 = 28 (Qwen2/2.5), patch 16 x 2 = 32 (Qwen3).</summary>
    public static int ResizeFactor(this ModelFamily family) => family == ModelFamily.Qwen3VL ? 32 : 28;

    /// <summary>Hub min_pixels: 3136 = 4 tokens of 28² (Qwen2/2.5); 65536 = 64 tokens of 32² (Qwen3), spec §1.2.</summary>
    public static long DefaultMinPixels(this ModelFamily family) => family == ModelFamily.Qwen3VL ? 65_536 : 3_136;

    /// <summary>Hub max_pixels: 16384 tokens, i.e. 12,845,056 (28²) or 16,777,216 (32²), spec §1.2.</summary>
    public static long DefaultMaxPixels(this ModelFamily family) => family == ModelFamily.Qwen3VL ? 16_777_216 : 12_845_056;
}
