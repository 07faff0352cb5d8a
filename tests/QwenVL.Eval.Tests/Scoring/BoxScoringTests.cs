// IoU@0.5 and per-family box decoding: Qwen2-VL tokens and Qwen3-VL JSON in 0-1000, Qwen2.5-VL
// absolute pixels of the smart_resized input (hand-computed sizes below), and the generic VLMEvalKit
// heuristic that mis-scales Qwen2.5-VL boxes under 1000 px. Tolerance 1e-9 px for exact arithmetic.
using QwenVL.Eval.Scoring;

namespace QwenVL.Eval.Tests.Scoring;

public sealed class BoxScoringTests
{
    [Theory]
    [InlineData(0, 0, 10, 10, 0, 0, 10, 10, 1.0)]
    [InlineData(0, 0, 10, 10, 5, 0, 15, 10, 1.0 / 3)]  // 50 / (100 + 100 - 50)
    [InlineData(0, 0, 10, 10, 10, 0, 20, 10, 0.0)]     // touching edges
    [InlineData(0, 0, 10, 10, 20, 20, 30, 30, 0.0)]
    [InlineData(0, 0, 0, 0, 0, 0, 0, 0, 0.0)]          // empty union
    public void Iou_KnownBoxes_MatchHandComputation(double a1, double a2, double a3, double a4, double b1, double b2, double b3, double b4, double expected)
    {
        Assert.Equal(expected, BoxScoring.Iou(new Box(a1, a2, a3, a4), new Box(b1, b2, b3, b4)), 9);
    }

    [Theory]
    [InlineData("qwen2-vl", "<|object_ref_start|>the 2 dogs<|object_ref_end|><|box_start|>(100,200),(500,800)<|box_end|>")]
    [InlineData("qwen3-vl", "[{\"bbox_2d\": [100, 200, 500, 800], \"label\": \"the 2 dogs\"}]")]
    public void Decode_RelativeFamilies_ScaleBy1000(string family, string prediction)
    {
        Box b = BoxScoring.Decode(prediction, family, 640, 480, (640, 480))!.Value;
        Assert.Equal(new Box(64, 96, 320, 384), b);
    }

    [Fact]
    public void ResizedSize_VlmEvalKitLimits_UpscalesSmallImage()
    {
        // 1000x500 = 500,000 px < min 1280*28*28 = 1,003,520: beta = sqrt(1003520/500000) = 1.4167,
        // h = ceil(500*1.4167/28)*28 = 728, w = ceil(1000*1.4167/28)*28 = 1428.
        Assert.Equal((1428, 728), BoxScoring.ResizedSize(1000, 500, 1280L * 28 * 28, 16384L * 28 * 28));
        // lmms-eval limits (256..2048 x 28^2) keep it: round to multiples of 28 -> 1008 x 504.
        Assert.Equal((1008, 504), BoxScoring.ResizedSize(1000, 500, 256L * 28 * 28, 2048L * 28 * 28));
    }

    [Fact]
    public void Decode_Qwen25Absolute_MapsResizedPixelsBack()
    {
        Box b = BoxScoring.Decode("```json\n[{\"bbox_2d\": [252, 126, 504, 252], \"label\": \"cat\"}]\n```", "qwen2.5-vl", 1000, 500, (1008, 504))!.Value;
        Assert.Equal(250, b.X1, 9);
        Assert.Equal(125, b.Y1, 9);
        Assert.Equal(500, b.X2, 9);
        Assert.Equal(250, b.Y2, 9);
        // VLMEvalKit's generic heuristic reads the same numbers (all <= 1000) as per-mille: y is halved.
        Box g = BoxScoring.Decode("[252, 126, 504, 252]", null, 1000, 500, (1008, 504))!.Value;
        Assert.Equal(new Box(252, 63, 504, 126), g);
        Assert.True(BoxScoring.Iou(b, g) < BoxScoring.IouThreshold);
    }

    [Fact]
    public void Decode_ReversedCornersAndOutside_SwappedAndClipped()
    {
        Box b = BoxScoring.Decode("(900,900),(100,-5)", "qwen2-vl", 100, 100, (100, 100))!.Value;
        Assert.Equal(new Box(10, 0, 90, 90), b);
        Assert.Null(BoxScoring.Decode("no box here", "qwen2-vl", 100, 100, (100, 100)));
    }
}
