// get_rope_index as one pure function: 3-D (T, H, W) positions of a prompt whose image
// placeholders are already expanded. Text tokens advance all three axes together; an image of
// merged grid lh×lw starting at s gets T = s, H = s + row, W = s + col, and text resumes at
// max(position) + 1 (the Qwen reference rule). Videos are not handled here yet.
namespace QwenVL.Models.Multimodal;

/// <summary>Grid of one image in patches before merging, as image_grid_thw.</summary>
public readonly record struct ImageGrid(int T, int H, int W)
{
    /// <summary>Language-model tokens this image becomes after the <paramref name="merge"/>×<paramref name="merge"/> merge.</summary>
    public int TokenCount(int merge) => T * (H / merge) * (W / merge);
}

/// <summary>Positions of a prompt on the three M-RoPE axes.</summary>
public sealed record MRopePositionIds(int[] T, int[] H, int[] W, int RopeDelta)
{
    /// <summary>Position (on all axes) of the token at cache index <paramref name="cacheIndex"/> after the prompt.</summary>
    public int DecodePosition(int cacheIndex) => cacheIndex + RopeDelta;
}

/// <summary>Computes M-RoPE position ids (Qwen2-VL / Qwen2.5-VL images).</summary>
public static class MRopePositions
{
    /// <summary>
    /// Positions for <paramref name="tokens"/>, where each run of <paramref name="imageTokenId"/>
    /// belongs to the next grid of <paramref name="grids"/> and holds exactly its token count.
    /// </summary>
    public static MRopePositionIds Compute(ReadOnlySpan<int> tokens, int imageTokenId, IReadOnlyList<ImageGrid> grids, int mergeSize)
    {
        int n = tokens.Length;
        var t = new int[n];
        var h = new int[n];
        var w = new int[n];
        int next = 0;      // position of the next text token
        int image = 0;     // next grid to use
        int i = 0;
        while (i < n)
        {
            if (tokens[i] != imageTokenId)
            {
                t[i] = h[i] = w[i] = next++;
                i++;
                continue;
            }
            if (image >= grids.Count)
            {
                throw new ArgumentException($"image token at index {i} but only {grids.Count} image grid(s) were given");
            }
            ImageGrid g = grids[image++];
            int lh = g.H / mergeSize, lw = g.W / mergeSize;
            int count = g.T * lh * lw;
            if (i + count > n)
            {
                throw new ArgumentException($"image {image - 1} needs {count} tokens from index {i} but the prompt ends at {n}");
            }
            int s = next, max = next;
            for (int k = 0; k < g.T; k++)
            {
                for (int r = 0; r < lh; r++)
                {
                    for (int c = 0; c < lw; c++, i++)
                    {
                        if (tokens[i] != imageTokenId)
                        {
                            throw new ArgumentException($"image {image - 1} expects {count} image tokens from index {i - (k * lh * lw + r * lw + c)}, found token {tokens[i]} at {i}");
                        }
                        t[i] = s + k;
                        h[i] = s + r;
                        w[i] = s + c;
                        max = Math.Max(max, Math.Max(t[i], Math.Max(h[i], w[i])));
                    }
                }
            }
            next = max + 1;
        }
        if (image != grids.Count)
        {
            throw new ArgumentException($"{grids.Count} image grid(s) given but the prompt holds image tokens for {image}");
        }
        return new MRopePositionIds(t, h, w, next - n);
    }
}
