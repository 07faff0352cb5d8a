// Picks the reader for an OCR answer by its requested format: HTML and Markdown go to their block
// parsers, JSON text spotting becomes one "line" block per item, plain text one block without a box.
// It never throws on model text.
namespace QwenVL.Grounding.Documents;

/// <summary>OCR answer to blocks.</summary>
public static class DocumentParser
{
    /// <summary>Blocks of an answer to the <paramref name="format"/> prompt of <paramref name="family"/>.</summary>
    public static DocumentResult Parse(string? text, OcrFormat format, ModelFamily family, ImageFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        text ??= "";
        CoordinateSpace space = GroundingParser.JsonSpace(family);
        switch (format)
        {
            case OcrFormat.Html:
                return HtmlDocumentParser.Parse(text, frame, space);
            case OcrFormat.Markdown:
                return MarkdownDocumentParser.Parse(text, frame, space);
            case OcrFormat.Json:
                AnnotationSet set = JsonGrounding.Parse(text, frame, space);
                var blocks = set.Boxes.Select(b => new DocumentBlock("line", b.Label, b))
                    .Concat(set.Quads.Select(q => new DocumentBlock("line", q.Label, BoundingBox(q))))
                    .ToList();
                return new DocumentResult(blocks, set.SkipReasons);
            default:
                string trimmed = text.Trim();
                return new DocumentResult(trimmed.Length == 0 ? [] : [new DocumentBlock("text", trimmed, null)], []);
        }
    }

    private static AnnotatedBox BoundingBox(AnnotatedQuad q)
    {
        IEnumerable<double> xs = q.Coordinates.Where((_, i) => i % 2 == 0), ys = q.Coordinates.Where((_, i) => i % 2 == 1);
        return new AnnotatedBox(q.Label, xs.Min(), ys.Min(), xs.Max(), ys.Max());
    }
}
