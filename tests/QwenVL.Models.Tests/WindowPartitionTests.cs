// Qwen2.5-VL window layout: the spec's worked example and the reference's window_index and
// cu_window_seqlens for both golden images (the 15x29 merged chart has partial windows).
using QwenVL.Models.Qwen25VL;

namespace QwenVL.Models.Tests;

public class WindowPartitionTests
{
    [Fact]
    public void Compute_SpecExample12x20_MatchesReference()
    {
        WindowPartition w = WindowPartition.Compute(1, 12, 20, 2, 4);
        Assert.Equal([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33, 4, 5, 6, 7, 14, 15, 16, 17, 24, 25, 26, 27, 34, 35, 36, 37,
            8, 9, 18, 19, 28, 29, 38, 39, 40, 41, 42, 43, 50, 51, 52, 53, 44, 45, 46, 47, 54, 55, 56, 57, 48, 49, 58, 59], w.WindowIndex);
        Assert.Equal([0, 64, 128, 160, 192, 224, 240], w.CuWindowSeqlens);
    }

    [Theory]
    [InlineData("shapes_448x448")]
    [InlineData("chart_812x420")]
    public void Compute_GoldenCase_EqualsReference(string name)
    {
        Golden g = Golden.Load("qwen2.5-vl-tiny", name);
        int[] grid = g.Grid;
        WindowPartition w = WindowPartition.Compute(grid[0], grid[1], grid[2], 2, 4);
        Assert.Equal(Golden.Ints(g.Json["vision"]!["window_index"]!), w.WindowIndex);
        Assert.Equal(Golden.Ints(g.Json["vision"]!["cu_window_seqlens"]!), w.CuWindowSeqlens);
    }

    [Fact]
    public void Compute_EveryUnitAppearsOnce_ForOddGrids()
    {
        foreach ((int h, int w) in new[] { (2, 2), (6, 30), (34, 10), (18, 18), (2, 58) })
        {
            WindowPartition p = WindowPartition.Compute(1, h, w, 2, 4);
            Assert.Equal(Enumerable.Range(0, h * w / 4), p.WindowIndex.Order());
            Assert.Equal(h * w, p.CuWindowSeqlens[^1]);
            Assert.All(p.CuWindowSeqlens.Zip(p.CuWindowSeqlens.Skip(1)), pair => Assert.InRange(pair.Second - pair.First, 4, 64));
        }
    }
}
