// 2-D rotary embedding of the Qwen2/2.5-VL vision towers and the patch order it follows. A patch
// at (row, col) of the full patch grid rotates the first quarter-pairs of each head by row·f and the
// next by col·f (f = 1/10000^(2i/(headDim/2))); tokens come in 2×2 merge-unit order, so rows and
// columns are listed in that order too. Pure functions; float32 angles as in the reference.
namespace QwenVL.Models.Vision;

/// <summary>Patch coordinates and rotary tables for the vision tower.</summary>
public static class VisionRope
{
    /// <summary>
    /// Row and column of each patch token of a <c>t×gh×gw</c> grid in merge-unit order:
    /// token ((k·gh/m + bh)·gw/m + bw)·m² + mh·m + mw is patch (bh·m + mh, bw·m + mw) of frame k.
    /// </summary>
    public static (int[] Rows, int[] Cols) PatchCoordinates(int t, int gh, int gw, int merge)
    {
        int n = t * gh * gw;
        var rows = new int[n];
        var cols = new int[n];
        int i = 0;
        for (int k = 0; k < t; k++)
        {
            for (int bh = 0; bh < gh / merge; bh++)
            {
                for (int bw = 0; bw < gw / merge; bw++)
                {
                    for (int mh = 0; mh < merge; mh++)
                    {
                        for (int mw = 0; mw < merge; mw++, i++)
                        {
                            rows[i] = bh * merge + mh;
                            cols[i] = bw * merge + mw;
                        }
                    }
                }
            }
        }
        return (rows, cols);
    }

    /// <summary>Fills cos/sin <c>[n, headDim]</c>: per token <c>emb = concat(r·f, c·f, r·f, c·f)</c>, <c>f</c> of length headDim/4.</summary>
    public static void Fill(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, int headDim, double theta, Span<float> cos, Span<float> sin)
    {
        int quarter = headDim / 4;
        int dim = headDim / 2;
        Span<float> inv = stackalloc float[quarter];
        for (int i = 0; i < quarter; i++)
        {
            inv[i] = (float)(1.0 / Math.Pow(theta, 2 * i / (float)dim));
        }
        for (int n = 0; n < rows.Length; n++)
        {
            Span<float> c = cos.Slice(n * headDim, headDim);
            Span<float> s = sin.Slice(n * headDim, headDim);
            for (int i = 0; i < quarter; i++)
            {
                float ar = rows[n] * inv[i];
                float ac = cols[n] * inv[i];
                c[i] = c[i + dim] = MathF.Cos(ar);
                s[i] = s[i + dim] = MathF.Sin(ar);
                c[i + quarter] = c[i + quarter + dim] = MathF.Cos(ac);
                s[i + quarter] = s[i + quarter + dim] = MathF.Sin(ac);
            }
        }
    }
}
