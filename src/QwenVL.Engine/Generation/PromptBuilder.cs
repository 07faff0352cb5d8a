// Conversation → PreparedPrompt: render the checkpoint's chat template, tokenize with special
// tokens recognised, decode and preprocess every image (part limits > request limits > checkpoint
// limits), expand each <|image_pad|> to t·h·w/4 copies, and compute M-RoPE positions.
using System.Diagnostics;
using System.Text.Json.Nodes;
using QwenVL.ChatTemplates;
using QwenVL.Engine.Conversations;
using QwenVL.Imaging;
using QwenVL.Models;
using QwenVL.Models.Multimodal;

namespace QwenVL.Engine.Generation;

/// <summary>Builds model inputs from conversations.</summary>
public static class PromptBuilder
{
    /// <summary>Renders the template for <paramref name="conversation"/> with the generation prompt appended.</summary>
    public static string Render(VisionLanguageModel model, Conversation conversation)
    {
        var messages = new JsonArray();
        foreach (ChatMessage m in conversation.Messages)
        {
            var parts = new JsonArray();
            foreach (ContentPart p in m.Parts)
            {
                parts.Add(p switch
                {
                    TextPart t => new JsonObject { ["type"] = "text", ["text"] = t.Text },
                    ImagePart => new JsonObject { ["type"] = "image" },
                    _ => throw new EngineException($"unsupported content part {p.GetType().Name}"),
                });
            }
            JsonNode content = m.Parts.Count == 1 && m.Parts[0] is TextPart only ? JsonValue.Create(only.Text) : parts;
            messages.Add(new JsonObject { ["role"] = m.Role, ["content"] = content });
        }
        try
        {
            return model.Template.Render(messages, addGenerationPrompt: true);
        }
        catch (TemplateException e)
        {
            throw new EngineException($"chat template failed: {e.Message}", "messages", e);
        }
    }

    /// <summary>Prepares everything prefill needs.</summary>
    public static PreparedPrompt Build(VisionLanguageModel model, Conversation conversation, GenerationOptions options)
    {
        var clock = Stopwatch.StartNew();
        string text = Render(model, conversation);
        int[] ids = model.Tokenizer.Encode(text);
        int pad = model.Tokens.ImagePad;
        int merge = model.Vision.MergeSize;

        var images = new List<ProcessedImage>();
        int index = 0;
        foreach (ImagePart part in conversation.Images)
        {
            string field = $"image {index} ({part.Image.Source})";
            try
            {
                RgbImage rgb = ImageDecoder.Decode(part.Image.Bytes.Span, part.Image.Source, options.MaxImagePixels);
                images.Add(ImageProcessor.Process(rgb, model.Preprocessor,
                    part.MinPixels ?? options.MinPixels, part.MaxPixels ?? options.MaxPixels));
            }
            catch (ImageException e)
            {
                throw new EngineException($"{field}: {e.Message}", field, e);
            }
            index++;
        }
        int pads = ids.Count(t => t == pad);
        if (pads != images.Count)
        {
            throw new EngineException($"the rendered prompt has {pads} image placeholder(s) for {images.Count} image(s); the chat template may not support images here", "messages");
        }

        int[] counts = [.. images.Select(i => i.TokenCount(merge))];
        var expanded = new int[ids.Length - pads + counts.Sum()];
        int o = 0, image = 0;
        foreach (int t in ids)
        {
            if (t == pad)
            {
                expanded.AsSpan(o, counts[image]).Fill(pad);
                o += counts[image++];
            }
            else
            {
                expanded[o++] = t;
            }
        }
        MRopePositionIds positions = MRopePositions.Compute(expanded, pad,
            [.. images.Select(i => new ImageGrid(i.GridT, i.GridH, i.GridW))], merge);
        return new PreparedPrompt(text, expanded, images, counts, positions, clock.Elapsed.TotalMilliseconds);
    }
}
