// Settings of Qwen2VLImageProcessor as read from a checkpoint's preprocessor_config.json.
// Absent keys take the HF class defaults (not the hub values); it deliberately ignores keys that do not
// change pixel_values for still images (resample is always bicubic, do_convert_rgb is always on).
using System.Text.Json;

namespace QwenVL.Imaging;

/// <summary>Image preprocessing parameters; <see cref="Factor"/> is the side granularity (28 for Qwen2/2.5-VL).</summary>
public sealed record ImagePreprocessorConfig(int PatchSize, int TemporalPatchSize, int MergeSize,
    float[] Mean, float[] Std, double RescaleFactor, long MinPixels, long MaxPixels)
{
    /// <summary>OPENAI_CLIP_MEAN, the Qwen2-VL / Qwen2.5-VL normalization mean.</summary>
    public static IReadOnlyList<float> ClipMean { get; } = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>OPENAI_CLIP_STD.</summary>
    public static IReadOnlyList<float> ClipStd { get; } = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>HF class default min_pixels (shortest_edge): 56*56 = 3136.</summary>
    public const long ClassDefaultMinPixels = 56 * 56;

    /// <summary>HF class default max_pixels (longest_edge): 28*28*1280 = 1,003,520.</summary>
    public const long ClassDefaultMaxPixels = 28 * 28 * 1280;

    /// <summary>Qwen2-VL hub max_pixels: 16384 tokens of 28x28 = 12,845,056.</summary>
    public const long HubMaxPixels = 16384L * 28 * 28;

    /// <summary>The Qwen2-VL / Qwen2.5-VL hub values: patch 14, temporal 2, merge 2, CLIP mean/std, 3136..12845056.</summary>
    public static ImagePreprocessorConfig Default { get; } =
        new(14, 2, 2, [.. ClipMean], [.. ClipStd], 1.0 / 255.0, ClassDefaultMinPixels, HubMaxPixels);

    /// <summary>Spatial side granularity: patch size times merge size.</summary>
    public int Factor => PatchSize * MergeSize;

    /// <summary>Reads preprocessor_config.json; throws <see cref="ImageException"/> naming file and key on bad input.</summary>
    public static ImagePreprocessorConfig Load(string preprocessorConfigPath)
    {
        ArgumentNullException.ThrowIfNull(preprocessorConfigPath);
        string text;
        try
        {
            text = File.ReadAllText(preprocessorConfigPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageException(preprocessorConfigPath, "cannot read preprocessor config: " + e.Message, e);
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new ImageException(preprocessorConfigPath,
                $"invalid JSON at line {(e.LineNumber ?? 0) + 1}: {e.Message}", e);
        }
        using (doc)
        {
            return FromJson(doc.RootElement, preprocessorConfigPath);
        }
    }

    private static ImagePreprocessorConfig FromJson(JsonElement root, string path)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ImageException(path, $"top level must be a JSON object, got {root.ValueKind}");
        }
        var reader = new ConfigReader(root, path);
        int patch = (int)reader.PositiveInt("patch_size", 14);
        int temporal = (int)reader.PositiveInt("temporal_patch_size", 2);
        int merge = (int)reader.PositiveInt("merge_size", 2);
        float[] mean = reader.Triple("image_mean", ClipMean, allowZero: true);
        float[] std = reader.Triple("image_std", ClipStd, allowZero: false);
        double rescale = reader.PositiveDouble("rescale_factor", 1.0 / 255.0);
        if (!reader.Bool("do_rescale", true))
        {
            rescale = 1.0;
        }
        if (!reader.Bool("do_normalize", true))
        {
            // (x - 0) / 1 is exact in float32, so this reproduces "no normalization" bit for bit.
            mean = [0f, 0f, 0f];
            std = [1f, 1f, 1f];
        }

        // HF: size = {shortest_edge, longest_edge}; min_pixels / max_pixels override it when present.
        long minPixels = ClassDefaultMinPixels;
        long maxPixels = ClassDefaultMaxPixels;
        if (reader.Object("size") is { } size)
        {
            var sizeReader = new ConfigReader(size, path, "size.");
            bool modern = size.TryGetProperty("shortest_edge", out _) || size.TryGetProperty("longest_edge", out _);
            minPixels = modern ? sizeReader.RequiredPositiveInt("shortest_edge") : sizeReader.PositiveInt("min_pixels", minPixels);
            maxPixels = modern ? sizeReader.RequiredPositiveInt("longest_edge") : sizeReader.PositiveInt("max_pixels", maxPixels);
        }
        minPixels = reader.PositiveInt("min_pixels", minPixels);
        maxPixels = reader.PositiveInt("max_pixels", maxPixels);
        if (minPixels > maxPixels)
        {
            throw new ImageException(path, $"min_pixels {minPixels} is larger than max_pixels {maxPixels}");
        }
        return new ImagePreprocessorConfig(patch, temporal, merge, mean, std, rescale, minPixels, maxPixels);
    }
}
