// Rendering: a golden PNG (boxes, points, a quad and ASCII labels drawn with DejaVu Sans loaded from
// its file, so no font lookup is involved) compared per pixel with tolerance 24 per channel and at
// most 0.5% of pixels beyond it; stable colours per label; the CJK font fallback and its warning.
// Set QWENVL_UPDATE_GOLDEN=1 to rewrite the golden file after an intended change.
using QwenVL.Grounding;
using QwenVL.Grounding.Rendering;
using QwenVL.Imaging;
using SkiaSharp;

namespace QwenVL.Grounding.Tests;

public class RenderingTests
{
    private const string DejaVu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    private const int ChannelTolerance = 24;
    private const double MaxMismatchFraction = 0.005;

    private static RgbImage Gradient(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 3;
                pixels[i] = (byte)(x * 255 / width);
                pixels[i + 1] = (byte)(y * 255 / height);
                pixels[i + 2] = 128;
            }
        }
        return new RgbImage(width, height, pixels);
    }

    private static AnnotationSet Sample() => new(
        [new AnnotatedBox("cake", 20, 30, 120, 100), new AnnotatedBox("cup", 130, 10, 190, 60)],
        [new AnnotatedPoint("point_1", 60, 130)],
        [new AnnotatedQuad("TOTAL", [140, 90, 190, 95, 185, 140, 135, 135])],
        []);

    [Fact]
    public void RenderPng_SampleWithDejaVu_MatchesGolden()
    {
        Assert.True(File.Exists(DejaVu), $"{DejaVu} is needed for the golden test (Debian: apt-get install fonts-dejavu-core)");
        using SKTypeface typeface = SKTypeface.FromFile(DejaVu);
        byte[] png = AnnotationRenderer.RenderPng(Gradient(200, 150), Sample(), new RenderOptions(typeface, 2, 12));
        string golden = Path.Combine(AppContext.BaseDirectory, "golden", "sample_200x150.png");
        if (Environment.GetEnvironmentVariable("QWENVL_UPDATE_GOLDEN") == "1")
        {
            string source = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../golden/sample_200x150.png"));
            File.WriteAllBytes(source, png);
            Directory.CreateDirectory(Path.GetDirectoryName(golden)!);
            File.WriteAllBytes(golden, png);
        }
        Assert.True(File.Exists(golden), $"golden file missing: {golden}");
        using SKBitmap expected = SKBitmap.Decode(golden);
        using SKBitmap actual = SKBitmap.Decode(png);
        Assert.Equal((expected.Width, expected.Height), (actual.Width, actual.Height));
        int mismatched = 0;
        for (int y = 0; y < actual.Height; y++)
        {
            for (int x = 0; x < actual.Width; x++)
            {
                SKColor a = actual.GetPixel(x, y), e = expected.GetPixel(x, y);
                if (Math.Abs(a.Red - e.Red) > ChannelTolerance || Math.Abs(a.Green - e.Green) > ChannelTolerance || Math.Abs(a.Blue - e.Blue) > ChannelTolerance)
                {
                    mismatched++;
                }
            }
        }
        double fraction = (double)mismatched / (actual.Width * actual.Height);
        Assert.True(fraction <= MaxMismatchFraction, $"{mismatched} pixels ({fraction:P2}) differ by more than {ChannelTolerance}");
    }

    [Fact]
    public void Render_Box_OutlineHasLabelColourAndInsideIsUntouched()
    {
        var white = new RgbImage(100, 100, Enumerable.Repeat((byte)255, 100 * 100 * 3).ToArray());
        var set = new AnnotationSet([new AnnotatedBox("", 20, 20, 80, 80)], [], [], []);
        using SKBitmap bitmap = AnnotationRenderer.Render(white, set, new RenderOptions(StrokeWidth: 4));
        SKColor colour = LabelPalette.For("");
        SKColor edge = bitmap.GetPixel(50, 20);
        Assert.True(Math.Abs(edge.Red - colour.Red) <= 2 && Math.Abs(edge.Green - colour.Green) <= 2 && Math.Abs(edge.Blue - colour.Blue) <= 2, $"edge {edge} vs {colour}");
        Assert.Equal(SKColors.White, bitmap.GetPixel(50, 50));
        Assert.Equal(SKColors.White, bitmap.GetPixel(5, 5));
    }

    [Fact]
    public void LabelPalette_SameLabel_SameColourAcrossCalls()
    {
        Assert.Equal(LabelPalette.For("small cake"), LabelPalette.For("small cake"));
        // FNV-1a pins the mapping across processes: "cake" must keep its colour in every run.
        Assert.Equal(new SKColor(128, 0, 0), LabelPalette.For("cake"));
        Assert.Equal(SKColors.White, LabelPalette.TextOn(new SKColor(0, 0, 128)));
        Assert.Equal(SKColors.Black, LabelPalette.TextOn(new SKColor(240, 240, 0)));
    }

    [Fact]
    public void FontResolver_ExplicitLatinFontWithChineseLabel_WarnsWithFix()
    {
        Assert.True(File.Exists(DejaVu), $"{DejaVu} is needed (apt-get install fonts-dejavu-core)");
        ResolvedFont font = FontResolver.Resolve(DejaVu, ["小蛋糕"]);
        Assert.Contains("U+5C0F", font.Warning, StringComparison.Ordinal);
        Assert.Contains("fonts-wqy-microhei", font.Warning, StringComparison.Ordinal);
    }

    [Fact]
    public void FontResolver_ChineseLabel_CoversOrWarns()
    {
        ResolvedFont font = FontResolver.Resolve(null, ["小蛋糕", "cake"]);
        bool covers = FontResolver.Covers(font.Typeface, "小蛋糕cake");
        Assert.True(covers ? font.Warning is null : font.Warning!.Contains("--font FILE", StringComparison.Ordinal),
            $"typeface {font.Typeface.FamilyName}, covers {covers}, warning {font.Warning}");
    }

    [Fact]
    public void FontResolver_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => FontResolver.Resolve("/nonexistent/font.ttf", ["a"]));
    }

    [Fact]
    public void RenderPng_ChineseLabelsWithoutGlyphs_StillDrawsBoxes()
    {
        var white = new RgbImage(60, 60, Enumerable.Repeat((byte)255, 60 * 60 * 3).ToArray());
        var set = new AnnotationSet([new AnnotatedBox("小蛋糕", 10, 30, 50, 50)], [], [], []);
        using SKTypeface typeface = SKTypeface.FromFile(DejaVu);
        byte[] png = AnnotationRenderer.RenderPng(white, set, new RenderOptions(typeface, 2, 10));
        using SKBitmap bitmap = SKBitmap.Decode(png);
        Assert.NotEqual(SKColors.White, bitmap.GetPixel(30, 50));
    }
}
