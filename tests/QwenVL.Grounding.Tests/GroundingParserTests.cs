// Table-driven checks of GroundingParser on every convention: Qwen2-VL tokens (0-1000), Qwen2.5-VL
// JSON (resized pixels), Qwen3-VL JSON (0-1000), quads, and damaged answers (fences, prose, single
// quotes, trailing commas, truncation, garbage). Coordinates are compared within 1e-9 px.
using QwenVL.Grounding;

namespace QwenVL.Grounding.Tests;

public class GroundingParserTests
{
    // Original 2000x1000; the model saw 1000x500, so a resized pixel is 2 original pixels and 1/1000 is 2 px / 1 px.
    private static readonly ImageFrame Frame = new(2000, 1000, 1000, 500);

    private const string Ref = "<|object_ref_start|>";
    private const string RefEnd = "<|object_ref_end|>";
    private const string Box = "<|box_start|>";
    private const string BoxEnd = "<|box_end|>";

    public static TheoryData<string, ModelFamily, string, int> Boxes => new()
    {
        // answer, family, expected boxes "label:x1,y1,x2,y2;...", expected skipped
        { $"{Ref}the red car{RefEnd}{Box}(100,200),(300,400){BoxEnd}", ModelFamily.Qwen2VL, "the red car:200,200,600,400", 0 },
        { $"{Ref}two apples{RefEnd}{Box}(0,0),(10,10){BoxEnd}{Box}(500,500),(1000,1000){BoxEnd}", ModelFamily.Qwen2VL, "two apples:0,0,20,10;two apples:1000,500,2000,1000", 0 },
        { $"{Box}(300,400),(100,200){BoxEnd}", ModelFamily.Qwen2VL, ":200,200,600,400", 0 },
        { $"I see {Ref}a dog{RefEnd} and nothing else.", ModelFamily.Qwen2VL, "", 0 },
        { $"{Ref}cat{RefEnd}{Box}(1,2),(3{BoxEnd}", ModelFamily.Qwen2VL, "", 1 },
        { $"{Ref}cat{RefEnd}{Box}(100,100),(2", ModelFamily.Qwen2VL, "", 1 },
        { "<ref>击掌</ref><box>(536,509),(588,602)</box>", ModelFamily.Qwen2VL, "击掌:1072,509,1176,602", 0 },
        { "the car(100,200),(300,400)", ModelFamily.Qwen2VL, "the car:200,200,600,400", 0 },
        { "```json\n[\n  {\"bbox_2d\": [10, 20, 30, 40], \"label\": \"cake\"}\n]\n```", ModelFamily.Qwen25VL, "cake:20,40,60,80", 0 },
        { "Here you go: {\"bbox_2d\": [135, 114, 1016, 672]} hope it helps", ModelFamily.Qwen25VL, ":270,228,2000,1000", 0 },
        { "[{'bbox_2d': [10, 20, 30, 40], 'label': 'a',}, {'bbox_2d': [1,2,3,4,], 'label': 'b'},]", ModelFamily.Qwen25VL, "a:20,40,60,80;b:2,4,6,8", 0 },
        { "[{\"bbox_2d\": [10, 20, 30, 40], \"label\": \"a\"}, {\"bbox_2d\": [50, 60", ModelFamily.Qwen25VL, "a:20,40,60,80", 1 },
        { "{\"objects\": [{\"bbox_2d\": [10, 20, 30, 40], \"label\": \"a\"}, {\"bbox_2d\": [5", ModelFamily.Qwen25VL, "a:20,40,60,80", 1 },
        { "[{\"bbox_2d\": [\"10\", \"20\", \"30\", \"40\"], \"label\": \"s\"}]", ModelFamily.Qwen25VL, "s:20,40,60,80", 0 },
        { "[{\"bbox_2d\": [10, 20, 30], \"label\": \"short\"}]", ModelFamily.Qwen25VL, "", 1 },
        { "[{\"bbox_2d\": \"10 20 30 40\", \"label\": \"str\"}]", ModelFamily.Qwen25VL, "", 1 },
        { "[{\"bbox_2d\": [100, 200, 300, 400], \"label\": \"rel\"}]", ModelFamily.Qwen3VL, "rel:200,200,600,400", 0 },
        { "[{\"bbox_2d\": [-50, -10, 1200, 2000], \"label\": \"out\"}]", ModelFamily.Qwen3VL, "out:0,0,2000,1000", 0 },
        { "{\"company\": \"ACME\", \"total\": \"12.00\"}", ModelFamily.Qwen25VL, "", 0 },
        { "", ModelFamily.Qwen25VL, "", 0 },
        { "}}]]{{[[ ,,, :: \"\\", ModelFamily.Qwen25VL, "", 0 },
        { "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]", ModelFamily.Qwen3VL, "", 0 },
    };

    [Theory]
    [MemberData(nameof(Boxes))]
    public void Parse_Answer_GivesBoxesInOriginalPixels(string answer, ModelFamily family, string expected, int skipped)
    {
        AnnotationSet set = GroundingParser.Parse(answer, family, Frame);
        string actual = string.Join(";", set.Boxes.Select(b => $"{b.Label}:{b.X1:0.###},{b.Y1:0.###},{b.X2:0.###},{b.Y2:0.###}"));
        Assert.Equal(expected, actual);
        Assert.Equal(skipped, set.Skipped);
        Assert.Equal(skipped, set.SkipReasons.Count(r => r.Length > 10));
    }

    [Fact]
    public void Parse_PointsQwen25_MapsResizedPixels()
    {
        AnnotationSet set = GroundingParser.Parse("```json\n[{\"point_2d\": [250, 125], \"label\": \"cup\"}]\n```", ModelFamily.Qwen25VL, Frame);
        AnnotatedPoint p = Assert.Single(set.Points);
        Assert.Equal(("cup", 500.0, 250.0), (p.Label, p.X, p.Y));
    }

    [Fact]
    public void Parse_PointsQwen3_MapsRelative1000()
    {
        AnnotationSet set = GroundingParser.Parse("[{\"point_2d\": [925, 618], \"label\": \"point_1\"}]", ModelFamily.Qwen3VL, Frame);
        AnnotatedPoint p = Assert.Single(set.Points);
        Assert.Equal(1850.0, p.X, 9);
        Assert.Equal(618.0, p.Y, 9);
    }

    [Fact]
    public void Parse_PointWithThreeNumbers_IsSkippedWithReason()
    {
        AnnotationSet set = GroundingParser.Parse("[{\"point_2d\": [1, 2, 3], \"label\": \"p\"}]", ModelFamily.Qwen3VL, Frame);
        Assert.Empty(set.Points);
        Assert.Contains("expected 2", Assert.Single(set.SkipReasons));
    }

    [Fact]
    public void Parse_QuadTokens_MapsEightNumbers()
    {
        string answer = $"{Ref}Hello{RefEnd}<|quad_start|>(100,100),(200,100),(200,200),(100,200)<|quad_end|>";
        AnnotatedQuad q = Assert.Single(GroundingParser.Parse(answer, ModelFamily.Qwen2VL, Frame).Quads);
        Assert.Equal("Hello", q.Label);
        Assert.Equal([200, 100, 400, 100, 400, 200, 200, 200], q.Coordinates);
    }

    [Fact]
    public void Parse_QuadJsonEightNumbers_IsQuadWithTextContent()
    {
        string answer = "[{\"bbox_2d\": [10, 10, 20, 10, 20, 20, 10, 20], \"text_content\": \"总计\"}]";
        AnnotatedQuad q = Assert.Single(GroundingParser.Parse(answer, ModelFamily.Qwen25VL, Frame).Quads);
        Assert.Equal("总计", q.Label);
        Assert.Equal([20, 20, 40, 20, 40, 40, 20, 40], q.Coordinates);
    }

    [Fact]
    public void Parse_RefFollowedByProseThenBox_BoxHasNoLabel()
    {
        string answer = $"{Ref}car{RefEnd} is here: {Box}(0,0),(100,100){BoxEnd}";
        Assert.Equal("", Assert.Single(GroundingParser.Parse(answer, ModelFamily.Qwen2VL, Frame).Boxes).Label);
    }

    [Fact]
    public void Parse_RandomBytes_NeverThrows()
    {
        var random = new Random(1234);
        const string alphabet = "{}[]\"',:0123456789.-ebox_2dlabel<|>()\n ";
        for (int i = 0; i < 2000; i++)
        {
            char[] chars = new char[random.Next(0, 80)];
            for (int j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }
            AnnotationSet set = GroundingParser.Parse(new string(chars), (ModelFamily)(i % 3), Frame);
            Assert.All(set.Boxes, b => Assert.True(b.X1 <= b.X2 && b.Y1 <= b.Y2 && b.X1 >= 0 && b.X2 <= 2000 && b.Y2 <= 1000));
        }
    }
}
