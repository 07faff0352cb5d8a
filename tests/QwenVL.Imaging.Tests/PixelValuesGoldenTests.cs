// pixel_values of the two golden cases against the float32 dumps: grid, shape and every value
// (tolerance 1e-6 from the fixtures README; the HF float64-rescale arithmetic should make it exact).
using System.Text.Json;
using QwenVL.Testing;

namespace QwenVL.Imaging.Tests;

public class PixelValuesGoldenTests
{
    [Theory]
    [InlineData("shapes_448x448", 1, 32, 32)]
    [InlineData("chart_812x420", 1, 30, 58)]
    public void Process_GoldenCase_MatchesHfPixelValues(string name, int t, int h, int w)
    {
        using JsonDocument doc = JsonDocument.Parse(
            File.ReadAllText(Fixtures.Path("golden", "qwen2.5-vl-tiny", name + ".json")));
        JsonElement root = doc.RootElement;
        int[] grid = [.. root.GetProperty("image_grid_thw").EnumerateArray().Select(e => e.GetInt32())];
        Assert.Equal([t, h, w], grid);
        int[] shape = [.. root.GetProperty("binary_dumps").GetProperty("pixel_values").GetProperty("shape")
            .EnumerateArray().Select(e => e.GetInt32())];
        var config = ImagePreprocessorConfig.Load(
            Path.Combine(Fixtures.Model("qwen2.5-vl-tiny"), "preprocessor_config.json"));
        RgbImage image = ImageDecoder.DecodeFile(Fixtures.Path(root.GetProperty("image_file").GetString()!));

        ProcessedImage processed = ImageProcessor.Process(image, config);

        Assert.Equal((grid[0], grid[1], grid[2]), (processed.GridT, processed.GridH, processed.GridW));
        Assert.Equal(shape[0], processed.PatchCount);
        Assert.Equal(shape[1], processed.PatchDim);
        Assert.Equal(root.GetProperty("num_image_tokens").GetInt32(), processed.TokenCount(config.MergeSize));
        float[] expected = Fixtures.ReadF32(Fixtures.Path("golden", "qwen2.5-vl-tiny", name + ".pixel_values.f32"));
        Assert.Equal(expected.Length, processed.PixelValues.Length);
        double maxDiff = 0;
        int exactMismatches = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)expected[i] - processed.PixelValues[i]);
            maxDiff = Math.Max(maxDiff, d);
            exactMismatches += expected[i] == processed.PixelValues[i] ? 0 : 1;
        }
        Assert.True(maxDiff <= 1e-6, $"{name}: max abs diff {maxDiff}");
        Assert.Equal(0, exactMismatches); // the README says this arithmetic is bit-exact
    }

    [Fact]
    public void Process_ResizedFixture_EqualsInputWhenSizeAlreadyFits()
    {
        RgbImage image = ImageDecoder.DecodeFile(Fixtures.Path("images", "chart_812x420.png"));
        RgbImage resized = ImageDecoder.DecodeFile(Fixtures.Path("images", "chart_812x420.resized_812x420.png"));
        (int hh, int ww) = SmartResize.Compute(image.Height, image.Width, 28, 3136, 12845056);

        Assert.Equal((420, 812), (hh, ww));
        Assert.Equal(resized.Pixels, PillowResize.Bicubic(image, ww, hh).Pixels);
    }
}
