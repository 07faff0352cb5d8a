// A conversation turned into what the model consumes: the rendered template text, token ids with
// every <|image_pad|> expanded to its image's token count, the preprocessed images and the M-RoPE
// positions. Built by PromptBuilder; holds no model state.
using QwenVL.Imaging;
using QwenVL.Models.Multimodal;

namespace QwenVL.Engine.Generation;

/// <summary>Model-ready prompt.</summary>
public sealed record PreparedPrompt(string Text, int[] TokenIds, IReadOnlyList<ProcessedImage> Images,
    IReadOnlyList<int> ImageTokenCounts, MRopePositionIds Positions, double PreprocessMs);
