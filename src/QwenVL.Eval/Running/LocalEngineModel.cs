// Runs eval prompts on the in-process InferenceEngine: a Conversation with the prompt's images and
// text, greedy decoding, the framework's pixel limits on every image. Several calls may run at once
// (the engine batches them). It does not load or own the engine's lifetime beyond Dispose.
using QwenVL.Engine;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;

namespace QwenVL.Eval.Running;

/// <summary><see cref="IEvalModel"/> over a loaded engine.</summary>
public sealed class LocalEngineModel(InferenceEngine engine, string name) : IEvalModel
{
    /// <inheritdoc/>
    public string Name { get; } = name;

    /// <summary>The checkpoint's family ("qwen2-vl", "qwen2.5-vl").</summary>
    public string Family => engine.Model.Info.Family;

    /// <inheritdoc/>
    public async Task<EvalReply> AnswerAsync(EvalRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var parts = new List<ContentPart>();
        foreach (var p in request.Prompt.Parts)
        {
            parts.Add(p.IsImage
                ? new ImagePart(new ImageInput(request.Images[p.ImageIndex], $"image {p.ImageIndex + 1}"), request.Pixels.Min, request.Pixels.Max)
                : new TextPart(p.Text!));
        }
        var messages = new List<ChatMessage>();
        if (request.Prompt.System is { } system) messages.Add(ChatMessage.FromText("system", system));
        messages.Add(new ChatMessage("user", parts));
        var options = new GenerationOptions
        {
            MaxTokens = request.Decoding.MaxTokens,
            Temperature = request.Decoding.Temperature,
            RepetitionPenalty = request.Decoding.RepetitionPenalty,
            MinPixels = request.Pixels.Min,
            MaxPixels = request.Pixels.Max,
        };
        GenerationResult r = await engine.CompleteAsync(new Conversation(messages), options, cancellationToken).ConfigureAwait(false);
        return new EvalReply(r.Text, r.Stats.ImageSizes.Select(s => (s.ResizedWidth, s.ResizedHeight)).ToList());
    }
}
