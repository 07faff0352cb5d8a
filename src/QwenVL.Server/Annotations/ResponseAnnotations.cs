// The x_qwenvl_annotations extension of OpenAI and DashScope answers: the boxes, points and quads of
// the answer text in ORIGINAL pixels of the last image of the request (Qwen grounds on the image it
// was just shown), mapped with the exact smart_resize size the engine used. Absent when the answer
// holds no annotation or the request no image; it deliberately never changes the answer text.
using QwenVL.Engine.Generation;
using QwenVL.Grounding;

namespace QwenVL.Server.Annotations;

/// <summary>
/// The extension object (snake_case on the wire): image_index (0-based, over all images of the request),
/// width/height (original), resized_width/resized_height (what the model saw), boxes [{label, bbox:[x1,y1,x2,y2]}],
/// points [{label, point:[x,y]}], quads [{label, quad:[8 numbers]}], skipped (fragments that could not be read).
/// </summary>
public sealed record AnnotationsWire(int ImageIndex, int Width, int Height, int ResizedWidth, int ResizedHeight,
    IReadOnlyList<BoxWire> Boxes, IReadOnlyList<PointWire> Points, IReadOnlyList<QuadWire> Quads, int Skipped);

/// <summary>A box, x1 &lt;= x2 and y1 &lt;= y2, clamped to the image.</summary>
public sealed record BoxWire(string Label, IReadOnlyList<double> Bbox);

/// <summary>A point.</summary>
public sealed record PointWire(string Label, IReadOnlyList<double> Point);

/// <summary>A quadrilateral.</summary>
public sealed record QuadWire(string Label, IReadOnlyList<double> Quad);

/// <summary>Builds the extension from a finished generation.</summary>
public static class ResponseAnnotations
{
    /// <summary>The annotations of <paramref name="text"/>, or null when there are none or no image or the model family is unknown.</summary>
    public static AnnotationsWire? From(string modelType, GenerationStats? stats, string text)
    {
        if (stats is null || stats.ImageSizes.Count == 0 || ModelFamilies.TryParse(modelType) is not ModelFamily family || string.IsNullOrEmpty(text))
        {
            return null;
        }
        int index = stats.ImageSizes.Count - 1;
        var size = stats.ImageSizes[index];
        var frame = new ImageFrame(size.Width, size.Height, size.ResizedWidth, size.ResizedHeight);
        AnnotationSet set = GroundingParser.Parse(text, family, frame);
        if (!set.Any)
        {
            return null;
        }
        return new AnnotationsWire(index, size.Width, size.Height, size.ResizedWidth, size.ResizedHeight,
            [.. set.Boxes.Select(b => new BoxWire(b.Label, Round(b.X1, b.Y1, b.X2, b.Y2)))],
            [.. set.Points.Select(p => new PointWire(p.Label, Round(p.X, p.Y)))],
            [.. set.Quads.Select(q => new QuadWire(q.Label, Round([.. q.Coordinates])))],
            set.Skipped);
    }

    // 0.1 px, as the CLI prints: finer digits carry no information from a model.
    private static double[] Round(params double[] values) => [.. values.Select(v => Math.Round(v, 1))];
}
