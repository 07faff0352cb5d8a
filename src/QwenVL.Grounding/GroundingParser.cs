// The one entry point for reading a grounding answer: special tokens (any family; always 0-1000) and
// JSON (Qwen2.5-VL: resized pixels; Qwen3-VL and Qwen2-VL: 0-1000), merged into original pixels.
// Never throws on model text; what looks like an annotation but cannot be used is counted as skipped.
namespace QwenVL.Grounding;

/// <summary>Parses model answers into <see cref="AnnotationSet"/>s.</summary>
public static class GroundingParser
{
    /// <summary>How the JSON numbers of <paramref name="family"/> are to be read (spec §5.2-5.4).</summary>
    public static CoordinateSpace JsonSpace(ModelFamily family) =>
        family == ModelFamily.Qwen25VL ? CoordinateSpace.ResizedPixels : CoordinateSpace.Relative1000;

    /// <summary>
    /// Every box, point and quad in <paramref name="text"/>, in original pixels of <paramref name="frame"/>.
    /// Coordinates are clamped to [0, W] x [0, H] and boxes are ordered so that x1 &lt;= x2 and y1 &lt;= y2.
    /// </summary>
    public static AnnotationSet Parse(string? text, ModelFamily family, ImageFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (string.IsNullOrEmpty(text))
        {
            return AnnotationSet.Empty;
        }
        AnnotationSet tokens = TokenGrounding.Parse(text, frame);
        AnnotationSet json = JsonGrounding.Parse(text, frame, JsonSpace(family));
        AnnotationSet all = tokens.Concat(json);
        if (!all.Any && all.Skipped == 0 && family == ModelFamily.Qwen2VL)
        {
            // A server that decodes with skip_special_tokens leaves "label(x1,y1),(x2,y2)".
            all = TokenGrounding.ParseBare(text, frame);
        }
        return all;
    }
}
