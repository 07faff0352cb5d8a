// A conversation turned into what the model consumes: the rendered template text, token ids with
// every <|image_pad|> expanded to its image's token count, each image (preprocessed pixels, or
// embeddings already in the cache), M-RoPE positions and per-position content keys for KV reuse.
using QwenVL.Engine.Caching;
using QwenVL.Imaging;
using QwenVL.Models.Multimodal;

namespace QwenVL.Engine.Generation;

/// <summary>One image of a prompt: pixels to encode, or cached embeddings.</summary>
public sealed record PreparedImage(string Key, ImageGrid Grid, int OriginalWidth, int OriginalHeight, int ResizedWidth, int ResizedHeight,
    ProcessedImage? Pixels, CachedImage? Cached);

/// <summary>Model-ready prompt.</summary>
public sealed record PreparedPrompt(string Text, int[] TokenIds, IReadOnlyList<PreparedImage> Images,
    IReadOnlyList<int> ImageTokenCounts, MRopePositionIds Positions, ulong[] ContentKeys,
    IReadOnlyList<(int Start, int Length)> ImageRuns, double PreprocessMs);
