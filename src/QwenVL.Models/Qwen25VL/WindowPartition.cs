// Qwen2.5-VL's window layout as a pure function (get_window_index): tile the merged grid of each
// frame with win×win windows from the top-left (edge windows partial), list merge units window by
// window, row-major inside a window, and give each window's length in patches. Empty windows are
// dropped, which is what unique_consecutive does to the cumulative lengths in the reference.
namespace QwenVL.Models.Qwen25VL;

/// <summary>Window permutation of merge units and cumulative window lengths in patches.</summary>
public sealed record WindowPartition(int[] WindowIndex, int[] CuWindowSeqlens)
{
    /// <summary>Computes the partition for one image/video of grid (t, gh, gw) in patches.</summary>
    public static WindowPartition Compute(int t, int gh, int gw, int merge, int windowUnits)
    {
        int lh = gh / merge, lw = gw / merge, unit = merge * merge;
        int nH = (lh + windowUnits - 1) / windowUnits, nW = (lw + windowUnits - 1) / windowUnits;
        var index = new List<int>(t * lh * lw);
        var cu = new List<int> { 0 };
        for (int k = 0; k < t; k++)
        {
            for (int wy = 0; wy < nH; wy++)
            {
                for (int wx = 0; wx < nW; wx++)
                {
                    int before = index.Count;
                    for (int r = wy * windowUnits; r < Math.Min(lh, (wy + 1) * windowUnits); r++)
                    {
                        for (int c = wx * windowUnits; c < Math.Min(lw, (wx + 1) * windowUnits); c++)
                        {
                            index.Add((k * lh + r) * lw + c);
                        }
                    }
                    if (index.Count > before)
                    {
                        cu.Add(index.Count * unit);
                    }
                }
            }
        }
        return new WindowPartition([.. index], [.. cu]);
    }
}
