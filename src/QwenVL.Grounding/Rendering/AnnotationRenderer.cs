// Draws an AnnotationSet onto its original image and encodes a PNG: boxes and quads as outlines,
// points as dots, each label on a filled tag of the label's colour (black or white text, whichever
// contrasts) so it reads on any background. Sizes scale with the image (stroke = short side / 250,
// at least 2 px; text = short side / 40, at least 12 px). It deliberately draws no scores or legend.
using QwenVL.Imaging;
using SkiaSharp;

namespace QwenVL.Grounding.Rendering;

/// <summary>Rendering settings; null sizes scale with the image.</summary>
public sealed record RenderOptions(SKTypeface? Typeface = null, float? StrokeWidth = null, float? FontSize = null);

/// <summary>PNG rendering of annotations.</summary>
public static class AnnotationRenderer
{
    /// <summary>PNG bytes of <paramref name="image"/> with <paramref name="set"/> drawn over it.</summary>
    public static byte[] RenderPng(RgbImage image, AnnotationSet set, RenderOptions? options = null)
    {
        using SKBitmap bitmap = Render(image, set, options);
        using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>An RGBA bitmap of <paramref name="image"/> with <paramref name="set"/> drawn over it (caller disposes).</summary>
    public static SKBitmap Render(RgbImage image, AnnotationSet set, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(set);
        options ??= new RenderOptions();
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        CopyPixels(image, bitmap);
        int shortSide = Math.Min(image.Width, image.Height);
        float stroke = options.StrokeWidth ?? Math.Max(2f, shortSide / 250f);
        float size = options.FontSize ?? Math.Max(12f, shortSide / 40f);
        using var canvas = new SKCanvas(bitmap);
        using var font = new SKFont(options.Typeface ?? SKTypeface.Default, size) { Edging = SKFontEdging.Antialias, Subpixel = false };
        using var line = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = stroke, IsAntialias = true };
        using var fill = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = true };

        foreach (AnnotatedBox b in set.Boxes)
        {
            line.Color = LabelPalette.For(b.Label);
            canvas.DrawRect(SKRect.Create((float)b.X1, (float)b.Y1, (float)(b.X2 - b.X1), (float)(b.Y2 - b.Y1)), line);
        }
        foreach (AnnotatedQuad q in set.Quads)
        {
            line.Color = LabelPalette.For(q.Label);
            using var path = new SKPath();
            path.MoveTo((float)q.Coordinates[0], (float)q.Coordinates[1]);
            for (int i = 2; i + 1 < q.Coordinates.Count; i += 2)
            {
                path.LineTo((float)q.Coordinates[i], (float)q.Coordinates[i + 1]);
            }
            path.Close();
            canvas.DrawPath(path, line);
        }
        float radius = stroke * 2 + 2;
        foreach (AnnotatedPoint p in set.Points)
        {
            fill.Color = SKColors.White;
            canvas.DrawCircle((float)p.X, (float)p.Y, radius + stroke / 2, fill);
            fill.Color = LabelPalette.For(p.Label);
            canvas.DrawCircle((float)p.X, (float)p.Y, radius, fill);
        }
        // Labels last, so no outline is drawn over a tag.
        foreach (AnnotatedBox b in set.Boxes)
        {
            Tag(canvas, font, fill, b.Label, (float)b.X1, (float)b.Y1, image.Width);
        }
        foreach (AnnotatedQuad q in set.Quads)
        {
            Tag(canvas, font, fill, q.Label, (float)q.Coordinates[0], (float)q.Coordinates[1], image.Width);
        }
        foreach (AnnotatedPoint p in set.Points)
        {
            Tag(canvas, font, fill, p.Label, (float)p.X + radius, (float)p.Y - radius, image.Width);
        }
        canvas.Flush();
        return bitmap;
    }

    // A filled tag whose bottom-left sits on (x, y): above the box when there is room, else just inside it.
    private static void Tag(SKCanvas canvas, SKFont font, SKPaint fill, string label, float x, float y, int imageWidth)
    {
        if (label.Length == 0)
        {
            return;
        }
        float pad = MathF.Max(2f, font.Size / 6f);
        float width = font.MeasureText(label) + 2 * pad;
        SKFontMetrics m = font.Metrics;
        float height = m.Descent - m.Ascent + 2 * pad;
        float top = y - height >= 0 ? y - height : y;
        float left = Math.Clamp(x, 0, Math.Max(0, imageWidth - width));
        SKColor color = LabelPalette.For(label);
        fill.Color = color;
        canvas.DrawRect(SKRect.Create(left, top, width, height), fill);
        fill.Color = LabelPalette.TextOn(color);
        canvas.DrawText(label, left + pad, top + pad - m.Ascent, SKTextAlign.Left, font, fill);
    }

    private static void CopyPixels(RgbImage image, SKBitmap bitmap)
    {
        byte[] rgb = image.Pixels;
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgba[j] = rgb[i];
            rgba[j + 1] = rgb[i + 1];
            rgba[j + 2] = rgb[i + 2];
            rgba[j + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
    }
}
