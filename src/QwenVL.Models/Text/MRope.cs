// Rotary tables for Qwen2/2.5-VL's multimodal RoPE: each frequency j takes its angle from one of
// the three position axes (T, H, W) chosen by the chunked mrope_section (e.g. [16, 24, 24]: j < 16
// from T, j < 40 from H, the rest from W), duplicated over both halves of the head (NeoX layout).
// Pure functions, float32 like the reference: angle = (float)pos · inv_freq[j].
namespace QwenVL.Models.Text;

/// <summary>M-RoPE cos/sin tables.</summary>
public static class MRope
{
    /// <summary><c>inv_freq[j] = 1 / theta^(2j / headDim)</c>, <c>j &lt; headDim/2</c>.</summary>
    public static float[] InverseFrequencies(int headDim, double theta)
    {
        var inv = new float[headDim / 2];
        for (int j = 0; j < inv.Length; j++)
        {
            // The exponent is a float32 in the reference (arange(0, d, 2).float() / d).
            float exponent = 2 * j / (float)headDim;
            inv[j] = (float)(1.0 / Math.Pow(theta, exponent));
        }
        return inv;
    }

    /// <summary>Which axis (0 = T, 1 = H, 2 = W) each frequency index uses, from a chunked section list.</summary>
    public static int[] AxisOfFrequency(int[] section)
    {
        var axes = new int[section.Sum()];
        int j = 0;
        for (int axis = 0; axis < section.Length; axis++)
        {
            for (int s = 0; s < section[axis]; s++)
            {
                axes[j++] = axis % 3;
            }
        }
        return axes;
    }

    /// <summary>
    /// Fills <paramref name="cos"/> and <paramref name="sin"/> (<c>[n, headDim]</c>) for tokens whose
    /// positions on the three axes are <paramref name="t"/>, <paramref name="h"/>, <paramref name="w"/>.
    /// </summary>
    public static void Fill(ReadOnlySpan<int> t, ReadOnlySpan<int> h, ReadOnlySpan<int> w, float[] invFreq, int[] axisOf,
        Span<float> cos, Span<float> sin)
    {
        int half = invFreq.Length;
        int headDim = 2 * half;
        for (int i = 0; i < t.Length; i++)
        {
            Span<float> c = cos.Slice(i * headDim, headDim);
            Span<float> s = sin.Slice(i * headDim, headDim);
            for (int j = 0; j < half; j++)
            {
                int pos = axisOf[j] switch { 0 => t[i], 1 => h[i], _ => w[i] };
                float angle = pos * invFreq[j];
                c[j] = c[j + half] = MathF.Cos(angle);
                s[j] = s[j + half] = MathF.Sin(angle);
            }
        }
    }
}
