// The typed result of reading a model answer: boxes, points and quadrilaterals in ORIGINAL-image
// pixels (origin top-left, x right, y down), plus how many annotation-looking fragments were skipped
// and why. It deliberately holds no model-space coordinates: parsers convert before building these.
namespace QwenVL.Grounding;

/// <summary>An axis-aligned box; always <c>X1 &lt;= X2</c> and <c>Y1 &lt;= Y2</c>, inside the image.</summary>
public sealed record AnnotatedBox(string Label, double X1, double Y1, double X2, double Y2);

/// <summary>A point inside the image.</summary>
public sealed record AnnotatedPoint(string Label, double X, double Y);

/// <summary>A quadrilateral (x1,y1 .. x4,y4 in the model's order, usually clockwise from top-left), inside the image.</summary>
public sealed record AnnotatedQuad(string Label, IReadOnlyList<double> Coordinates);

/// <summary>Everything parsed from one answer.</summary>
public sealed record AnnotationSet(
    IReadOnlyList<AnnotatedBox> Boxes,
    IReadOnlyList<AnnotatedPoint> Points,
    IReadOnlyList<AnnotatedQuad> Quads,
    IReadOnlyList<string> SkipReasons)
{
    /// <summary>An empty set.</summary>
    public static AnnotationSet Empty { get; } = new([], [], [], []);

    /// <summary>Fragments that looked like annotations but could not be used (truncated, wrong arity, not numbers).</summary>
    public int Skipped => SkipReasons.Count;

    /// <summary>True when at least one box, point or quad was found.</summary>
    public bool Any => Boxes.Count + Points.Count + Quads.Count > 0;

    /// <summary>The union of two sets (used when an answer mixes conventions).</summary>
    public AnnotationSet Concat(AnnotationSet other) =>
        new([.. Boxes, .. other.Boxes], [.. Points, .. other.Points], [.. Quads, .. other.Quads], [.. SkipReasons, .. other.SkipReasons]);
}
