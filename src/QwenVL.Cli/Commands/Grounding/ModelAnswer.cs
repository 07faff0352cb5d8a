// Asks a loaded model one question about one image (greedy, so the same image gives the same boxes)
// and returns the answer with the exact frame the engine used: original size and smart_resize size
// from the generation's statistics, never recomputed here.
using QwenVL.Engine;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Grounding;

namespace QwenVL.Cli.Commands.Grounding;

/// <summary>One answered grounding/OCR request.</summary>
public sealed record ModelAnswer(string Text, ImageFrame Frame, ModelFamily Family, string Finish)
{
    /// <summary>Runs <paramref name="prompt"/> on <paramref name="imagePath"/>.</summary>
    public static async Task<ModelAnswer> AskAsync(InferenceEngine engine, string imagePath, PromptPair prompt,
        int maxTokens, long? minPixels, long? maxPixels, CancellationToken ct)
    {
        ModelFamily family = GroundingOutput.FamilyOfModel(engine.Model.Info.ModelType);
        var messages = new List<ChatMessage>();
        if (prompt.System is not null)
        {
            messages.Add(ChatMessage.FromText("system", prompt.System));
        }
        messages.Add(new ChatMessage("user", [new ImagePart(ImageInput.FromFile(imagePath, "--image")), new TextPart(prompt.User)]));
        var options = new GenerationOptions
        {
            MaxTokens = maxTokens,
            Temperature = 0,
            MinPixels = minPixels,
            MaxPixels = maxPixels,
        };
        options.Validate();
        GenerationResult r = await engine.CompleteAsync(new Conversation(messages), options, ct);
        var size = r.Stats.ImageSizes[0];
        var frame = new ImageFrame(size.Width, size.Height, size.ResizedWidth, size.ResizedHeight);
        string finish = r.FinishReason switch { QwenVL.Engine.Generation.FinishReason.Stop => "stop", QwenVL.Engine.Generation.FinishReason.Length => "length", _ => "cancelled" };
        return new ModelAnswer(r.Text, frame, family, finish);
    }
}
