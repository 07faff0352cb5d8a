// RefCOCO scoring: decode a predicted box per model family into ORIGINAL-image pixels and compare it
// with the ground-truth box by IoU (hit iff IoU >= 0.5). Qwen2-VL and Qwen3-VL emit 0-1000 relative
// ints; Qwen2.5-VL emits absolute pixels of the smart_resized input. No VLMEvalKit scaling heuristic
// for Qwen2.5-VL (it mis-scales boxes under 1000 px); the heuristic is only used for unknown families.
using System.Globalization;
using System.Text.RegularExpressions;
using QwenVL.Imaging;

namespace QwenVL.Eval.Scoring;

/// <summary>An axis-aligned box in pixels, (x1, y1) top-left, (x2, y2) bottom-right, continuous coordinates.</summary>
public readonly record struct Box(double X1, double Y1, double X2, double Y2)
{
    /// <summary>Area; 0 for degenerate boxes.</summary>
    public double Area => Math.Max(0, X2 - X1) * Math.Max(0, Y2 - Y1);
}

/// <summary>Box decoding and IoU.</summary>
public static partial class BoxScoring
{
    /// <summary>IoU threshold for a hit (VLMEvalKit IOU_THRESHOLD, Qwen-VL Precision@1).</summary>
    public const double IouThreshold = 0.5;

    /// <summary>Qwen2/3-VL relative coordinates are in [0, 1000].</summary>
    public const double RelativeScale = 1000.0;

    [GeneratedRegex(@"\[\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\]")]
    private static partial Regex Bracketed4();

    [GeneratedRegex(@"-?\d+(?:\.\d+)?")]
    private static partial Regex AnyNumber();

    /// <summary>IoU of two boxes; 0 when they do not overlap or the union is empty.</summary>
    public static double Iou(Box a, Box b)
    {
        double ix = Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1);
        double iy = Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1);
        if (ix <= 0 || iy <= 0) return 0;
        double inter = ix * iy;
        double union = a.Area + b.Area - inter;
        return union > 0 ? inter / union : 0;
    }

    /// <summary>The first four numbers of a text: a bracketed [a, b, c, d] first, else any four numbers; null if fewer.</summary>
    public static double[]? FirstFour(string text)
    {
        Match m = Bracketed4().Match(text);
        if (m.Success) return [.. Enumerable.Range(1, 4).Select(i => double.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture))];
        var nums = AnyNumber().Matches(text).Take(4).Select(x => double.Parse(x.Value, CultureInfo.InvariantCulture)).ToArray();
        return nums.Length == 4 ? nums : null;
    }

    /// <summary>
    /// Decodes a model's box into original-image pixels. <paramref name="family"/>: qwen2-vl (tokens
    /// "(x1,y1),(x2,y2)" in 0-1000), qwen2.5-vl (JSON bbox_2d in pixels of <paramref name="resized"/>),
    /// qwen3-vl (JSON bbox_2d in 0-1000); anything else uses VLMEvalKit's generic heuristic. The box is
    /// clipped to the image and reversed corners are swapped. Null if no four numbers are found.
    /// </summary>
    public static Box? Decode(string prediction, string? family, int width, int height, (int Width, int Height) resized)
    {
        // Read numbers after the box marker when there is one, so digits in the echoed phrase are ignored.
        string text = prediction;
        foreach (string marker in new[] { "<|box_start|>", "bbox_2d" })
        {
            int at = text.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0) { text = text[(at + marker.Length)..]; break; }
        }
        double[]? v = FirstFour(text);
        if (v is null) return null;
        double sx, sy;
        switch (family)
        {
            case "qwen2-vl":
            case "qwen3-vl":
                sx = width / RelativeScale; sy = height / RelativeScale;
                break;
            case "qwen2.5-vl":
                sx = (double)width / resized.Width; sy = (double)height / resized.Height;
                break;
            default:
                // VLMEvalKit _to_absolute: <= 1.5 means fractions, <= 1000 means per-mille, else pixels.
                double max = v.Max(Math.Abs);
                (sx, sy) = max <= 1.5 ? (width, height) : max <= 1000 ? (width / 1000.0, height / 1000.0) : (1.0, 1.0);
                break;
        }
        double x1 = Math.Clamp(v[0] * sx, 0, width), y1 = Math.Clamp(v[1] * sy, 0, height);
        double x2 = Math.Clamp(v[2] * sx, 0, width), y2 = Math.Clamp(v[3] * sy, 0, height);
        return new Box(Math.Min(x1, x2), Math.Min(y1, y2), Math.Max(x1, x2), Math.Max(y1, y2));
    }

    /// <summary>
    /// The Qwen2.5-VL model-input size for an original image: smart_resize with factor 28 and the pixel
    /// limits of the run (VLMEvalKit 1280*28*28..16384*28*28, lmms-eval 256*28*28..2048*28*28).
    /// </summary>
    public static (int Width, int Height) ResizedSize(int width, int height, long minPixels, long maxPixels)
    {
        (int h, int w) = SmartResize.Compute(height, width, 28, minPixels, maxPixels);
        return (w, h);
    }

    /// <summary>Pixel limits per scoring mode, used when a record does not say its resized size.</summary>
    public static (long Min, long Max) PixelLimits(string mode) => mode == "lmms-eval"
        ? (256L * 28 * 28, 2048L * 28 * 28)
        : (1280L * 28 * 28, 16384L * 28 * 28);
}
