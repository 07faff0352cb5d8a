// QwenVL HTML and Markdown answers become typed blocks with boxes in original pixels; damaged
// answers (bad data-bbox, truncation) lose only the damaged block. Boxes compared within 1e-9 px.
using QwenVL.Grounding;
using QwenVL.Grounding.Documents;

namespace QwenVL.Grounding.Tests;

public class DocumentParserTests
{
    private static readonly ImageFrame Frame = new(2000, 1000, 1000, 500);

    [Fact]
    public void ParseHtml_Qwen25_BlocksWithResizedPixelBoxes()
    {
        const string html = "```html\n<html><body>\n<h2 data-bbox=\"310 94 658 132\">Qwen2.5 Technical Report</h2>\n"
            + "<p data-bbox=\"10 10 20 20\">Hello &amp; <b>world</b></p>\n"
            + "<div class=\"image\" data-bbox=\"0 0 500 250\"><img data-bbox=\"1 1 499 249\"/></div>\n"
            + "<table data-bbox=\"0 300 1000 500\"><tr><td>a</td><td>b</td></tr></table>\n</body></html>\n```";
        DocumentResult r = DocumentParser.Parse(html, OcrFormat.Html, ModelFamily.Qwen25VL, Frame);
        Assert.Equal(["h2", "p", "div", "img", "table"], r.Blocks.Select(b => b.Kind));
        Assert.Equal("Qwen2.5 Technical Report", r.Blocks[0].Text);
        Assert.Equal(new AnnotatedBox("h2", 620, 188, 1316, 264), r.Blocks[0].Box);
        Assert.Equal("Hello & world", r.Blocks[1].Text);
        Assert.Equal("image", r.Blocks[2].Class);
        Assert.Equal("", r.Blocks[3].Text);
        Assert.Equal("a b", r.Blocks[4].Text);
        Assert.Equal(0, r.Skipped);
    }

    [Fact]
    public void ParseHtml_Qwen3Relative_BadBboxSkippedAndTruncatedKept()
    {
        const string html = "<p data-bbox=\"100 100 200\">x</p><p data-bbox=\"0 0 500 500\">cut off here";
        DocumentResult r = DocumentParser.Parse(html, OcrFormat.Html, ModelFamily.Qwen3VL, Frame);
        DocumentBlock b = Assert.Single(r.Blocks);
        Assert.Equal("cut off here", b.Text);
        Assert.Equal(new AnnotatedBox("p", 0, 0, 1000, 500), b.Box);
        Assert.Contains("expected 4", Assert.Single(r.SkipReasons));
    }

    [Fact]
    public void ParseMarkdown_CommentsGiveBoxes()
    {
        const string md = "# Title\n\nFirst paragraph\ncontinues.\n\n<!-- Image (100, 100, 300, 300) -->\n\n"
            + "<!-- Table (0, 500, 1000, 1000) -->\n\\begin{tabular}{cc} a & b \\\\ \\end{tabular}\n\n- item one\n- item two\n";
        DocumentResult r = DocumentParser.Parse(md, OcrFormat.Markdown, ModelFamily.Qwen3VL, Frame);
        Assert.Equal(["h1", "p", "image", "table", "list"], r.Blocks.Select(b => b.Kind));
        Assert.Equal("First paragraph\ncontinues.", r.Blocks[1].Text);
        Assert.Null(r.Blocks[1].Box);
        Assert.Equal(new AnnotatedBox("image", 200, 100, 600, 300), r.Blocks[2].Box);
        Assert.Equal(new AnnotatedBox("table", 0, 500, 2000, 1000), r.Blocks[3].Box);
        Assert.StartsWith("\\begin{tabular}", r.Blocks[3].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseJson_TextSpotting_LinesWithText()
    {
        const string answer = "```json\n[{\"bbox_2d\": [10, 20, 30, 40], \"text_content\": \"TOTAL 12.00\"}, {\"bbox_2d\": [1, 2";
        DocumentResult r = DocumentParser.Parse(answer, OcrFormat.Json, ModelFamily.Qwen25VL, Frame);
        DocumentBlock b = Assert.Single(r.Blocks);
        Assert.Equal(("line", "TOTAL 12.00"), (b.Kind, b.Text));
        Assert.Equal(1, r.Skipped);
    }

    [Fact]
    public void ParseText_Plain_OneBlockWithoutBox()
    {
        DocumentResult r = DocumentParser.Parse("  hello\n", OcrFormat.Text, ModelFamily.Qwen2VL, Frame);
        Assert.Equal(new DocumentBlock("text", "hello", null), Assert.Single(r.Blocks));
    }

    [Fact]
    public void Parse_RandomMarkup_NeverThrowsAndBoxesStayInside()
    {
        var random = new Random(42);
        const string alphabet = "<>/=\"' data-bbox 0123456789-.#|!-(),\nImageTablep h1divclass";
        for (int i = 0; i < 1500; i++)
        {
            char[] chars = new char[random.Next(0, 120)];
            for (int j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }
            foreach (OcrFormat format in Enum.GetValues<OcrFormat>())
            {
                DocumentResult r = DocumentParser.Parse(new string(chars), format, (ModelFamily)(i % 3), Frame);
                Assert.All(r.Blocks, b => Assert.True(b.Box is null || (b.Box.X1 >= 0 && b.Box.X2 <= 2000 && b.Box.Y1 <= b.Box.Y2 && b.Box.Y2 <= 1000)));
            }
        }
    }
}
