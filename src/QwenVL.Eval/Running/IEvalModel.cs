// What the runner needs from a model: answer one prompt (images as encoded bytes) with greedy
// decoding under given pixel limits. Two implementations: the in-process engine and an
// OpenAI-compatible endpoint; tests add fakes. Nothing here knows about benchmarks or scoring.
using QwenVL.Eval.Prompts;

namespace QwenVL.Eval.Running;

/// <summary>One request to a model.</summary>
/// <param name="Prompt">System text and user parts.</param>
/// <param name="Images">Encoded images referenced by the prompt's image parts.</param>
/// <param name="Decoding">Decoding parameters.</param>
/// <param name="Pixels">Pixel limits for every image.</param>
public sealed record EvalRequest(PromptSpec Prompt, IReadOnlyList<byte[]> Images, DecodingSettings Decoding, PixelLimits Pixels);

/// <summary>Decoding parameters recorded in the report. Temperature 0 = greedy.</summary>
/// <param name="MaxTokens">Most new tokens.</param>
/// <param name="Temperature">0 for greedy.</param>
/// <param name="RepetitionPenalty">Null = the checkpoint's generation_config.json value.</param>
public sealed record DecodingSettings(int MaxTokens, float Temperature = 0, float? RepetitionPenalty = null);

/// <summary>A model's answer.</summary>
/// <param name="Text">Generated text.</param>
/// <param name="ResizedSizes">Each image's size after smart_resize when the model reports it.</param>
public sealed record EvalReply(string Text, IReadOnlyList<(int Width, int Height)>? ResizedSizes = null);

/// <summary>A model the runner can ask.</summary>
public interface IEvalModel
{
    /// <summary>Human-readable identity for reports (folder name or endpoint + model).</summary>
    string Name { get; }

    /// <summary>Answers one request; OperationCanceledException when cancelled.</summary>
    Task<EvalReply> AnswerAsync(EvalRequest request, CancellationToken cancellationToken);
}

/// <summary>The model cannot be reached or refused a request in a way retries do not fix.</summary>
public sealed class EvalModelException(string message) : Exception(message);
