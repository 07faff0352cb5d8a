// Single-axis paths of the Pillow resampler (the golden pairs all change both axes) checked against
// values worked by hand from Pillow's algorithm, plus the same-size copy rule.
namespace QwenVL.Imaging.Tests;

public class PillowResizeTests
{
    private static RgbImage Gray(int w, int h, params byte[] values) =>
        new(w, h, [.. values.SelectMany(v => new[] { v, v, v })]);

    [Fact]
    public void Bicubic_SameSize_ReturnsEqualCopy()
    {
        RgbImage source = Gray(2, 2, 1, 2, 3, 4);

        RgbImage copy = PillowResize.Bicubic(source, 2, 2);

        Assert.NotSame(source.Pixels, copy.Pixels);
        Assert.Equal(source.Pixels, copy.Pixels);
    }

    [Fact]
    public void Bicubic_WidthOnlyHalving_MatchesHandComputedPillowValues()
    {
        // Scale 2: support 4, taps at (x - center + 0.5) / 2. For output 0 (center 1) the normalized
        // weights of inputs 2, 3 are 0.2265625 / 1.890625 and -0.0703125 / 1.890625; in 22-bit fixed
        // point 502623 and -155987, so 255 * (502623 - 155987) + 2^21 >> 22 = 21. Output 1 mirrors to 234.
        RgbImage result = PillowResize.Bicubic(Gray(4, 1, 0, 0, 255, 255), 2, 1);

        Assert.Equal([21, 21, 21, 234, 234, 234], result.Pixels);
    }

    [Fact]
    public void Bicubic_HeightOnlyHalving_MatchesWidthOnlyTransposed()
    {
        RgbImage result = PillowResize.Bicubic(Gray(1, 4, 0, 0, 255, 255), 1, 2);

        Assert.Equal([21, 21, 21, 234, 234, 234], result.Pixels);
    }

    [Fact]
    public void Bicubic_TwoToOne_RoundsHalfUp()
    {
        // Both taps weigh 0.5 -> 2^21 each: (2^21 + 255 * 2^21) >> 22 = 128 (127.5 rounds up).
        Assert.Equal([128, 128, 128], PillowResize.Bicubic(Gray(2, 1, 0, 255), 1, 1).Pixels);
    }

    [Fact]
    public void Bicubic_StepEdgeUpscale_ClipsOvershootToByteRange()
    {
        // Keys cubic overshoots at a hard edge (negative lobes); Pillow clips to 0..255, never wraps.
        RgbImage result = PillowResize.Bicubic(Gray(4, 1, 0, 0, 255, 255), 16, 1);
        byte[] r = [.. result.Pixels.Where((_, i) => i % 3 == 0)];

        Assert.Equal(0, r[0]);
        Assert.Equal(255, r[15]);
        Assert.True(r.Zip(r.Skip(1)).All(p => p.First <= p.Second), string.Join(",", r));
    }

    [Fact]
    public void Bicubic_NonPositiveSize_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PillowResize.Bicubic(Gray(2, 1, 0, 255), 0, 1));
    }
}
