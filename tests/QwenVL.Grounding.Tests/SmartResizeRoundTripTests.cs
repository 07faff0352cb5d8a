// Coordinates survive the trip original -> model -> original through smart_resize for odd sizes:
// Qwen2.5-VL's resized-pixel integers and Qwen3-VL's 0-1000 integers both lose at most half a model
// unit per axis, so the error bound checked is one model unit (one resized pixel, or W/1000) per axis.
using QwenVL.Grounding;

namespace QwenVL.Grounding.Tests;

public class SmartResizeRoundTripTests
{
    public static TheoryData<int, int, ModelFamily> Sizes => new()
    {
        { 1, 150, ModelFamily.Qwen25VL },
        { 1000, 7, ModelFamily.Qwen25VL },
        { 999, 37, ModelFamily.Qwen25VL },
        { 4000, 3000, ModelFamily.Qwen25VL },
        { 1920, 1080, ModelFamily.Qwen25VL },
        { 37, 999, ModelFamily.Qwen3VL },
        { 4000, 3000, ModelFamily.Qwen3VL },
        { 999, 37, ModelFamily.Qwen2VL },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MapBack_OddSizes_WithinOneModelUnit(int width, int height, ModelFamily family)
    {
        ImageFrame frame = ImageFrame.FromSmartResize(family, width, height);
        CoordinateSpace space = GroundingParser.JsonSpace(family);
        double unitX = space == CoordinateSpace.ResizedPixels ? (double)width / frame.ResizedWidth : width / 1000.0;
        double unitY = space == CoordinateSpace.ResizedPixels ? (double)height / frame.ResizedHeight : height / 1000.0;
        for (int i = 0; i <= 20; i++)
        {
            double x = width * i / 20.0, y = height * (20 - i) / 20.0;
            double backX = frame.MapX(frame.ToModelX(x, space), space);
            double backY = frame.MapY(frame.ToModelY(y, space), space);
            Assert.True(Math.Abs(backX - x) <= unitX + 1e-9, $"x {x} -> {backX} on {width}x{height} ({frame.ResizedWidth}x{frame.ResizedHeight})");
            Assert.True(Math.Abs(backY - y) <= unitY + 1e-9, $"y {y} -> {backY} on {width}x{height} ({frame.ResizedWidth}x{frame.ResizedHeight})");
        }
    }

    [Fact]
    public void FromSmartResize_4000x3000Qwen25_MatchesSpecTable()
    {
        // spec §1.2: input HxW 4000x3000 -> 4004x2996 with the hub budget; here W=3000, H=4000.
        ImageFrame frame = ImageFrame.FromSmartResize(ModelFamily.Qwen25VL, 3000, 4000);
        Assert.Equal((2996, 4004), (frame.ResizedWidth, frame.ResizedHeight));
    }

    [Fact]
    public void Parse_Qwen25JsonAt4000x3000_MapsThroughResizedFrame()
    {
        ImageFrame frame = ImageFrame.FromSmartResize(ModelFamily.Qwen25VL, 4000, 3000); // resized 4004x2996
        AnnotatedBox b = Assert.Single(GroundingParser.Parse("[{\"bbox_2d\": [1001, 749, 3003, 2247]}]", ModelFamily.Qwen25VL, frame).Boxes);
        Assert.Equal(1000.0, b.X1, 6);
        Assert.Equal(750.0, b.Y1, 6);
        Assert.Equal(3000.0, b.X2, 6);
        Assert.Equal(2250.0, b.Y2, 6);
    }
}
