// RGB image -> pixel_values, exactly as Qwen2VLImageProcessor (slow, PIL path): smart_resize, Pillow
// bicubic resize, rescale in float64 then cast to float32, (x - mean) / std in float32, patchify.
// It deliberately handles still images only (grid_t = 1); video frame sampling lives elsewhere.
namespace QwenVL.Imaging;

/// <summary>Turns decoded images into vision-tower inputs.</summary>
public static class ImageProcessor
{
    /// <summary>smart_resize + bicubic resize + normalize + patchify; min/max pixels override the config.</summary>
    public static ProcessedImage Process(RgbImage image, ImagePreprocessorConfig config,
        long? minPixels = null, long? maxPixels = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(config);
        (int h, int w) = SmartResize.Compute(image.Height, image.Width, config.Factor,
            minPixels ?? config.MinPixels, maxPixels ?? config.MaxPixels);
        RgbImage resized = h == image.Height && w == image.Width ? image : PillowResize.Bicubic(image, w, h);
        return Patchify(resized, config, image.Width, image.Height);
    }

    /// <summary>Normalize + patchify without resizing; both sides must be multiples of the config's factor.</summary>
    public static ProcessedImage Patchify(RgbImage resized, ImagePreprocessorConfig config, int originalWidth, int originalHeight)
    {
        ArgumentNullException.ThrowIfNull(resized);
        ArgumentNullException.ThrowIfNull(config);
        Validate(config);
        int p = config.PatchSize;
        int m = config.MergeSize;
        int t = config.TemporalPatchSize;
        if (resized.Height % config.Factor != 0 || resized.Width % config.Factor != 0)
        {
            throw new ImageException($"image {resized.Width}x{resized.Height}",
                $"both sides must be multiples of patch_size*merge_size = {config.Factor} to patchify");
        }
        int gh = resized.Height / p;
        int gw = resized.Width / p;
        int patchDim = 3 * t * p * p;
        long total = (long)gh * gw * patchDim;
        if (total > Array.MaxLength)
        {
            throw new ImageException($"image {resized.Width}x{resized.Height}",
                $"pixel_values would hold {total} floats, more than one array can");
        }
        float[][] lut = BuildLookup(config);
        var values = new float[total];
        byte[] px = resized.Pixels;
        int width = resized.Width;
        int n = 0;
        // Row order (bh, bw, mh, mw): the m x m patches of one merge window are consecutive rows.
        for (int bh = 0; bh < gh / m; bh++)
        {
            for (int bw = 0; bw < gw / m; bw++)
            {
                for (int mh = 0; mh < m; mh++)
                {
                    for (int mw = 0; mw < m; mw++, n++)
                    {
                        int y0 = (bh * m + mh) * p;
                        int x0 = (bw * m + mw) * p;
                        FillRow(values.AsSpan(n * patchDim, patchDim), px, width, x0, y0, p, t, lut);
                    }
                }
            }
        }
        return new ProcessedImage(values, 1, gh, gw, originalWidth, originalHeight, resized.Width, resized.Height);
    }

    // One row = (channel, temporal copy, py, px); a still image repeats the same frame t times.
    private static void FillRow(Span<float> row, byte[] px, int width, int x0, int y0, int p, int t, float[][] lut)
    {
        int planeLen = p * p;
        for (int ch = 0; ch < 3; ch++)
        {
            float[] table = lut[ch];
            Span<float> first = row.Slice(ch * t * planeLen, planeLen);
            int k = 0;
            for (int py = 0; py < p; py++)
            {
                int src = ((y0 + py) * width + x0) * 3 + ch;
                for (int pxi = 0; pxi < p; pxi++, src += 3)
                {
                    first[k++] = table[px[src]];
                }
            }
            for (int tp = 1; tp < t; tp++)
            {
                first.CopyTo(row.Slice((ch * t + tp) * planeLen, planeLen));
            }
        }
    }

    // 256 possible inputs per channel, so the HF arithmetic is evaluated once per value:
    // x = float32(float64(u8) * rescale), then (x - mean_f32) / std_f32 in float32.
    private static float[][] BuildLookup(ImagePreprocessorConfig config)
    {
        var lut = new float[3][];
        for (int ch = 0; ch < 3; ch++)
        {
            lut[ch] = new float[256];
            float mean = config.Mean[ch];
            float std = config.Std[ch];
            for (int v = 0; v < 256; v++)
            {
                float x = (float)(v * config.RescaleFactor);
                lut[ch][v] = (x - mean) / std;
            }
        }
        return lut;
    }

    private static void Validate(ImagePreprocessorConfig c)
    {
        if (c.PatchSize <= 0 || c.MergeSize <= 0 || c.TemporalPatchSize <= 0)
        {
            throw new ImageException("preprocessor config",
                $"patch_size {c.PatchSize}, merge_size {c.MergeSize} and temporal_patch_size {c.TemporalPatchSize} must be positive");
        }
        if (c.Mean is not { Length: 3 } || c.Std is not { Length: 3 })
        {
            throw new ImageException("preprocessor config", "image_mean and image_std must have 3 values (R, G, B)");
        }
    }
}
