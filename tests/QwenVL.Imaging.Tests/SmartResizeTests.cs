// smart_resize against the worked examples of spec §1.2 (three budgets) and the edge rules:
// half-to-even rounding, the max(factor, ·) clamps in both branches, the 200:1 aspect guard.
namespace QwenVL.Imaging.Tests;

public class SmartResizeTests
{
    private const long HubMin = 3136, HubMax = 12_845_056, ClassMax = 1_003_520;
    private const long Qwen3Min = 65_536, Qwen3Max = 16_777_216;

    [Theory]
    [InlineData(768, 1024, 756, 1036, 756, 1036, 768, 1024)]
    [InlineData(1080, 1920, 1092, 1932, 728, 1316, 1088, 1920)]
    [InlineData(4000, 3000, 4004, 2996, 1148, 840, 4000, 3008)]
    [InlineData(512, 512, 504, 504, 504, 504, 512, 512)]
    [InlineData(100, 100, 112, 112, 112, 112, 256, 256)]
    [InlineData(42, 70, 56, 56, 56, 56, 224, 352)]
    public void Compute_SpecTable_MatchesAllThreeBudgets(int h, int w,
        int hubH, int hubW, int classH, int classW, int q3H, int q3W)
    {
        Assert.Equal((hubH, hubW), SmartResize.Compute(h, w, 28, HubMin, HubMax));
        Assert.Equal((classH, classW), SmartResize.Compute(h, w, 28, HubMin, ClassMax));
        Assert.Equal((q3H, q3W), SmartResize.Compute(h, w, 32, Qwen3Min, Qwen3Max));
    }

    [Theory]
    [InlineData(42, 56)]   // 1.5 -> 2 (even)
    [InlineData(70, 56)]   // 2.5 -> 2 (even), not 3
    [InlineData(98, 112)]  // 3.5 -> 4 (even)
    [InlineData(126, 112)] // 4.5 -> 4 (even)
    public void Compute_HalfwaySides_RoundHalfToEven(int side, int expectedHeight)
    {
        // A tall-enough width keeps the budget branches out of the way.
        (int h, _) = SmartResize.Compute(side, 560, 28, 1, long.MaxValue);

        Assert.Equal(expectedHeight, h);
    }

    [Fact]
    public void Compute_SideBelowFactor_ClampsToFactor()
    {
        Assert.Equal((28, 28), SmartResize.Compute(10, 10, 28, 1, HubMax));
        Assert.Equal((56, 56), SmartResize.Compute(10, 10, 28, HubMin, HubMax)); // then the min-pixels upscale
    }

    [Fact]
    public void Compute_DownscaleOfThinStrip_ClampsNarrowSideToFactor()
    {
        // beta = sqrt(5000*25 / 3136) = 6.313; 25 / beta / 28 = 0.14 would floor to 0 without the clamp.
        Assert.Equal((784, 28), SmartResize.Compute(5000, 25, 28, 1, 3136));
    }

    [Fact]
    public void Compute_ResultAlwaysMultipleOfFactorAndWithinBudget()
    {
        var rng = new Random(11);
        for (int i = 0; i < 2000; i++)
        {
            int h = rng.Next(28, 5000), w = rng.Next(28, 5000);
            if (Math.Max(h, w) / (double)Math.Min(h, w) > 200)
            {
                continue;
            }
            (int rh, int rw) = SmartResize.Compute(h, w, 28, HubMin, ClassMax);
            Assert.True(rh % 28 == 0 && rw % 28 == 0, $"{h}x{w} -> {rh}x{rw}");
            Assert.InRange((long)rh * rw, HubMin, ClassMax);
        }
    }

    [Fact]
    public void Compute_AspectOver200_Throws()
    {
        var e = Assert.Throws<ImageException>(() => SmartResize.Compute(1, 201, 28, HubMin, HubMax));

        Assert.Contains("aspect ratio", e.Message);
        Assert.Equal((28, 5600), SmartResize.Compute(28, 5600, 28, HubMin, HubMax)); // exactly 200 is allowed
    }
}
