// Table tests of the M-RoPE position function (spec §3.5 worked example, edge cases) and exact
// agreement with the reference's position_ids and rope_deltas for every golden case.
using QwenVL.Models.Multimodal;

namespace QwenVL.Models.Tests;

public class MRopePositionsTests
{
    private const int Img = 9;

    [Fact]
    public void Compute_SpecWorkedExample_MatchesTable()
    {
        // A B <vs> [2x3 merged image] <ve> C, grid [1, 4, 6].
        int[] tokens = [1, 2, 3, Img, Img, Img, Img, Img, Img, 4, 5];
        MRopePositionIds p = MRopePositions.Compute(tokens, Img, [new ImageGrid(1, 4, 6)], 2);
        Assert.Equal([0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7], p.T);
        Assert.Equal([0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7], p.H);
        Assert.Equal([0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7], p.W);
        Assert.Equal(-3, p.RopeDelta);
        Assert.Equal(8, p.DecodePosition(11));
    }

    [Fact]
    public void Compute_TextOnly_IsArangeWithZeroDelta()
    {
        MRopePositionIds p = MRopePositions.Compute([5, 6, 7, 8], Img, [], 2);
        Assert.Equal([0, 1, 2, 3], p.T);
        Assert.Equal(p.T, p.H);
        Assert.Equal(p.T, p.W);
        Assert.Equal(0, p.RopeDelta);
    }

    [Fact]
    public void Compute_TwoAdjacentImages_EachStartsAfterThePreviousMax()
    {
        // Image 1: grid [1,2,4] -> 1x2 merged (2 tokens); image 2: grid [1,4,2] -> 2x1 (2 tokens), no text between.
        int[] tokens = [1, Img, Img, Img, Img, 2];
        MRopePositionIds p = MRopePositions.Compute(tokens, Img, [new ImageGrid(1, 2, 4), new ImageGrid(1, 4, 2)], 2);
        Assert.Equal([0, 1, 1, 3, 3, 5], p.T);
        Assert.Equal([0, 1, 1, 3, 4, 5], p.H);
        Assert.Equal([0, 1, 2, 3, 3, 5], p.W);
        Assert.Equal(6 - 6, p.RopeDelta);
    }

    [Fact]
    public void Compute_TallImage_ContinuesAfterLargestAxis()
    {
        // grid [1, 8, 2] -> 4x1 merged: H runs s..s+3, text resumes at s+4.
        int[] tokens = [1, Img, Img, Img, Img, 2];
        MRopePositionIds p = MRopePositions.Compute(tokens, Img, [new ImageGrid(1, 8, 2)], 2);
        Assert.Equal([0, 1, 2, 3, 4, 5], p.H);
        Assert.Equal([0, 1, 1, 1, 1, 5], p.W);
        Assert.Equal(0, p.RopeDelta);
    }

    [Theory]
    [InlineData(new[] { 1, Img, Img, 2 }, "needs 4 tokens")]
    [InlineData(new[] { 1, Img, Img, Img, 2, Img }, "found token 2")]
    public void Compute_PlaceholderCountMismatch_Throws(int[] tokens, string fragment)
    {
        var e = Assert.Throws<ArgumentException>(() => MRopePositions.Compute(tokens, Img, [new ImageGrid(1, 4, 4)], 2));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Compute_MoreGridsThanImages_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => MRopePositions.Compute([1, 2], Img, [new ImageGrid(1, 2, 2)], 2));
        Assert.Contains("1 image grid", e.Message);
    }

    [Theory]
    [MemberData(nameof(Golden.Cases), MemberType = typeof(Golden))]
    public void Compute_GoldenCase_EqualsReferencePositionIds(string model, string name)
    {
        Golden g = Golden.Load(model, name);
        int[] grid = g.Grid;
        MRopePositionIds p = MRopePositions.Compute(g.InputIds, 151655, [new ImageGrid(grid[0], grid[1], grid[2])], 2);
        int[][] expected = g.PositionIds;
        Assert.Equal(expected[0], p.T);
        Assert.Equal(expected[1], p.H);
        Assert.Equal(expected[2], p.W);
        Assert.Equal(g.RopeDelta, p.RopeDelta);
    }
}
