// Patchify layout against the spec's reshape/permute description (walked independently here),
// the per-call pixel-budget overrides, and the normalize arithmetic for a hand-picked value.
using QwenVL.Testing;

namespace QwenVL.Imaging.Tests;

public class ImageProcessorTests
{
    // Identity normalization (rescale 1, mean 0, std 1) makes each value equal its source byte.
    private static ImagePreprocessorConfig Identity(int patch, int temporal, int merge) =>
        new(patch, temporal, merge, [0f, 0f, 0f], [1f, 1f, 1f], 1.0, 1, long.MaxValue);

    [Theory]
    [InlineData(2, 2, 2, 8, 12)]
    [InlineData(3, 2, 2, 12, 6)]
    [InlineData(2, 3, 1, 4, 6)]
    public void Patchify_Layout_MatchesSpecReshapePermute(int p, int t, int m, int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(i * 7 % 251);
        }
        var image = new RgbImage(width, height, pixels);

        ProcessedImage result = ImageProcessor.Patchify(image, Identity(p, t, m), width, height);

        int gh = height / p, gw = width / p;
        Assert.Equal((1, gh, gw), (result.GridT, result.GridH, result.GridW));
        Assert.Equal(3 * t * p * p, result.PatchDim);
        // Spec: [T, C, gh/m, m, P, gw/m, m, P] permuted to [gh/m, gw/m, m, m, C, T, P, P], flattened.
        int index = 0;
        for (int bh = 0; bh < gh / m; bh++)
            for (int bw = 0; bw < gw / m; bw++)
                for (int mh = 0; mh < m; mh++)
                    for (int mw = 0; mw < m; mw++)
                        for (int c = 0; c < 3; c++)
                            for (int tp = 0; tp < t; tp++)
                                for (int py = 0; py < p; py++)
                                    for (int px = 0; px < p; px++, index++)
                                    {
                                        int y = (bh * m + mh) * p + py, x = (bw * m + mw) * p + px;
                                        Assert.Equal(pixels[(y * width + x) * 3 + c], result.PixelValues[index]);
                                    }
        Assert.Equal(result.PixelValues.Length, index);
    }

    [Fact]
    public void Patchify_ClipNormalization_MatchesFloat32Arithmetic()
    {
        var image = new RgbImage(28, 28, [.. Enumerable.Repeat((byte)200, 28 * 28 * 3)]);

        ProcessedImage result = ImageProcessor.Patchify(image, ImagePreprocessorConfig.Default, 28, 28);

        // float32(200 * (1/255 in double)) = 0.78431374f; (0.78431374f - 0.48145466f) / 0.26862954f in float32.
        float x = (float)(200 * (1.0 / 255.0));
        Assert.Equal(0.78431374f, x);
        Assert.Equal((x - 0.48145466f) / 0.26862954f, result.PixelValues[0]);
        Assert.Equal((200 / 255.0 - 0.48145466) / 0.26862954, result.PixelValues[0], 6); // float64 sanity check
        Assert.Equal((x - 0.40821073f) / 0.27577711f, result.PixelValues[result.PatchDim - 1]); // last = blue
    }

    [Fact]
    public void Patchify_SideNotMultipleOfFactor_Throws()
    {
        var image = new RgbImage(42, 28, new byte[42 * 28 * 3]);

        var e = Assert.Throws<ImageException>(() => ImageProcessor.Patchify(image, ImagePreprocessorConfig.Default, 42, 28));

        Assert.Contains("multiples of", e.Message);
    }

    [Fact]
    public void Process_MaxPixelsOverride_DownscalesAndShrinksGrid()
    {
        RgbImage image = ImageDecoder.DecodeFile(Fixtures.Path("images", "shapes_448x448.png"));

        ProcessedImage result = ImageProcessor.Process(image, ImagePreprocessorConfig.Default, maxPixels: 224 * 224);

        Assert.Equal((224, 224), (result.ResizedWidth, result.ResizedHeight));
        Assert.Equal((448, 448), (result.OriginalWidth, result.OriginalHeight));
        Assert.Equal((1, 16, 16), (result.GridT, result.GridH, result.GridW));
        Assert.Equal(64, result.TokenCount(2));
        Assert.Equal(256 * 1176, result.PixelValues.Length);
    }

    [Fact]
    public void Process_MinPixelsOverride_Upscales()
    {
        var image = new RgbImage(56, 28, new byte[56 * 28 * 3]);

        ProcessedImage result = ImageProcessor.Process(image, ImagePreprocessorConfig.Default, minPixels: 112 * 56);

        Assert.Equal((112, 56), (result.ResizedWidth, result.ResizedHeight));
        Assert.Equal((1, 4, 8), (result.GridT, result.GridH, result.GridW));
    }

    [Fact]
    public void Process_NonAlignedImage_ResizesWithPillowBicubic()
    {
        var rng = new Random(5);
        var pixels = new byte[50 * 30 * 3];
        rng.NextBytes(pixels);
        var image = new RgbImage(50, 30, pixels);
        ImagePreprocessorConfig identity = Identity(14, 2, 2);

        ProcessedImage result = ImageProcessor.Process(image, identity);

        // 30/28 -> 1 -> 28 rows, 50/28 = 1.79 -> 2 -> 56 columns.
        Assert.Equal((56, 28), (result.ResizedWidth, result.ResizedHeight));
        ProcessedImage expected = ImageProcessor.Patchify(PillowResize.Bicubic(image, 56, 28), identity, 50, 30);
        Assert.Equal(expected.PixelValues, result.PixelValues);
    }
}
