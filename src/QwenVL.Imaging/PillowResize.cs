// Bit-exact port of Pillow's Image.resize((w, h), Image.BICUBIC) for 8-bit RGB (reducing_gap None):
// separable Keys cubic (a = -0.5), support widened by the downscale ratio (antialiasing), coefficients
// normalized in double then rounded to 22-bit fixed point, a horizontal pass over only the rows the
// vertical pass reads, uint8 clipping between passes. It deliberately supports no other filter or mode.
namespace QwenVL.Imaging;

/// <summary>Pillow-compatible bicubic resampling of <see cref="RgbImage"/>.</summary>
public static class PillowResize
{
    // Pillow: 32 bits minus 8 for the pixel value minus 2 for overshoot of negative lobes = 22.
    private const int PrecisionBits = 32 - 8 - 2;
    private const double BicubicSupport = 2.0;

    /// <summary>Resizes to exactly <paramref name="width"/> x <paramref name="height"/>; same size returns a copy.</summary>
    public static RgbImage Bicubic(RgbImage source, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"target size must be positive, got {width}x{height}");
        }
        int inW = source.Width;
        int inH = source.Height;
        if (inW == width && inH == height)
        {
            return new RgbImage(width, height, (byte[])source.Pixels.Clone());
        }

        // Pillow computes the vertical coefficients first: their bounds say which input rows the
        // horizontal pass must produce (ybox_first .. ybox_last), so rows no output uses are skipped.
        Coefficients vert = Precompute(inH, height);
        byte[] pixels = source.Pixels;
        int rowsW = inW;
        if (width != inW)
        {
            Coefficients horiz = Precompute(inW, width);
            int yFirst = vert.Bounds[0];
            int yLast = vert.Bounds[(height - 1) * 2] + vert.Bounds[(height - 1) * 2 + 1];
            pixels = Horizontal(pixels, inW, yFirst, yLast - yFirst, horiz, width);
            rowsW = width;
            for (int i = 0; i < height; i++)
            {
                vert.Bounds[i * 2] -= yFirst;
            }
        }
        if (height != inH)
        {
            pixels = Vertical(pixels, rowsW, vert, height);
        }
        return new RgbImage(width, height, pixels);
    }

    private static byte[] Horizontal(byte[] src, int inW, int yOffset, int rows, Coefficients c, int outW)
    {
        var dst = new byte[(long)rows * outW * 3];
        const int half = 1 << (PrecisionBits - 1);
        for (int yy = 0; yy < rows; yy++)
        {
            int srcRow = (yy + yOffset) * inW * 3;
            int dstRow = yy * outW * 3;
            for (int xx = 0; xx < outW; xx++)
            {
                int xmin = c.Bounds[xx * 2];
                int count = c.Bounds[xx * 2 + 1];
                int kBase = xx * c.KSize;
                int s0 = half, s1 = half, s2 = half;
                int p = srcRow + xmin * 3;
                for (int x = 0; x < count; x++, p += 3)
                {
                    int k = c.Fixed[kBase + x];
                    s0 += src[p] * k;
                    s1 += src[p + 1] * k;
                    s2 += src[p + 2] * k;
                }
                int o = dstRow + xx * 3;
                dst[o] = Clip8(s0);
                dst[o + 1] = Clip8(s1);
                dst[o + 2] = Clip8(s2);
            }
        }
        return dst;
    }

    private static byte[] Vertical(byte[] src, int w, Coefficients c, int outH)
    {
        var dst = new byte[(long)outH * w * 3];
        const int half = 1 << (PrecisionBits - 1);
        int stride = w * 3;
        for (int yy = 0; yy < outH; yy++)
        {
            int ymin = c.Bounds[yy * 2];
            int count = c.Bounds[yy * 2 + 1];
            int kBase = yy * c.KSize;
            int dstRow = yy * stride;
            for (int i = 0; i < stride; i++)
            {
                int s = half;
                int p = ymin * stride + i;
                for (int y = 0; y < count; y++, p += stride)
                {
                    s += src[p] * c.Fixed[kBase + y];
                }
                dst[dstRow + i] = Clip8(s);
            }
        }
        return dst;
    }

    // Pillow's clip8: arithmetic shift (floor) out of fixed point, then clamp to 0..255.
    private static byte Clip8(int value)
    {
        int v = value >> PrecisionBits;
        return (byte)(v < 0 ? 0 : v > 255 ? 255 : v);
    }

    private static double Filter(double x)
    {
        const double a = -0.5;
        if (x < 0.0)
        {
            x = -x;
        }
        if (x < 1.0)
        {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0)
        {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /// <summary>Per-output taps: Bounds[2i] = first input index, Bounds[2i+1] = tap count.</summary>
    private sealed record Coefficients(int KSize, int[] Bounds, int[] Fixed);

    // Mirrors Pillow's precompute_coeffs + normalize_coeffs_8bpc, operation for operation, in double:
    // any reordering (e.g. multiplying by 1/ww instead of dividing) can flip a rounding.
    private static Coefficients Precompute(int inSize, int outSize)
    {
        // Pillow passes the box as float; (float)inSize - 0f is exact for every size below 2^24.
        double scale = (double)inSize / outSize;
        double filterScale = scale < 1.0 ? 1.0 : scale;
        double support = BicubicSupport * filterScale;
        int ksize = (int)Math.Ceiling(support) * 2 + 1;
        var bounds = new int[outSize * 2];
        var weights = new double[ksize];
        var fixedK = new int[(long)outSize * ksize];
        double ss = 1.0 / filterScale;
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale;
            int xmin = (int)(center - support + 0.5); // C cast: truncation toward zero
            if (xmin < 0)
            {
                xmin = 0;
            }
            int xmax = (int)(center + support + 0.5);
            if (xmax > inSize)
            {
                xmax = inSize;
            }
            xmax -= xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++)
            {
                double w = Filter((x + xmin - center + 0.5) * ss);
                weights[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++)
            {
                double k = ww != 0.0 ? weights[x] / ww : weights[x];
                double scaled = k * (1 << PrecisionBits);
                fixedK[xx * ksize + x] = k < 0 ? (int)(-0.5 + scaled) : (int)(0.5 + scaled);
            }
            bounds[xx * 2] = xmin;
            bounds[xx * 2 + 1] = xmax;
        }
        return new Coefficients(ksize, bounds, fixedK);
    }
}
