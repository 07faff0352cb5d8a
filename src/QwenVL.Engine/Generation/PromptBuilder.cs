// Conversation → PreparedPrompt: render the checkpoint's chat template, tokenize with special
// tokens recognised, decode and preprocess every image (part limits > request limits > checkpoint
// limits), expand each <|image_pad|> to t·h·w/4 copies, and compute M-RoPE positions.
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using QwenVL.ChatTemplates;
using QwenVL.Engine.Caching;
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

    /// <summary>Prepares everything prefill needs; images found in <paramref name="cache"/> are not decoded again.</summary>
    public static PreparedPrompt Build(VisionLanguageModel model, Conversation conversation, GenerationOptions options, ImageEmbeddingCache? cache = null)
    {
        var clock = Stopwatch.StartNew();
        string text = Render(model, conversation);
        int[] ids = model.Tokenizer.Encode(text);
        int pad = model.Tokens.ImagePad;
        int merge = model.Vision.MergeSize;

        var images = new List<PreparedImage>();
        foreach (ImagePart part in conversation.Images)
        {
            images.Add(PrepareImage(model, part, options, images.Count, cache));
        }
        int pads = ids.Count(t => t == pad);
        if (pads != images.Count)
        {
            throw new EngineException($"the rendered prompt has {pads} image placeholder(s) for {images.Count} image(s); the chat template may not support images here", "messages");
        }

        int[] counts = [.. images.Select(i => i.Grid.TokenCount(merge))];
        var expanded = new int[ids.Length - pads + counts.Sum()];
        var runs = new List<(int, int)>();
        int o = 0, image = 0;
        foreach (int t in ids)
        {
            if (t == pad)
            {
                runs.Add((o, counts[image]));
                expanded.AsSpan(o, counts[image]).Fill(pad);
                o += counts[image++];
            }
            else
            {
                expanded[o++] = t;
            }
        }
        MRopePositionIds positions = MRopePositions.Compute(expanded, pad, [.. images.Select(i => i.Grid)], merge);
        ulong[] keys = ContentKeys.For(expanded, pad, [.. images.Select(i => i.Key)], counts);
        return new PreparedPrompt(text, expanded, images, counts, positions, keys, runs, clock.Elapsed.TotalMilliseconds);
    }

    private static PreparedImage PrepareImage(VisionLanguageModel model, ImagePart part, GenerationOptions options, int index, ImageEmbeddingCache? cache)
    {
        string field = $"image {index} ({part.Image.Source})";
        long min = part.MinPixels ?? options.MinPixels ?? model.Preprocessor.MinPixels;
        long max = part.MaxPixels ?? options.MaxPixels ?? model.Preprocessor.MaxPixels;
        if (min > max)
        {
            throw new EngineException($"{field}: min_pixels ({min}) exceeds max_pixels ({max})", field);
        }
        string key = Convert.ToHexString(SHA256.HashData(part.Image.Bytes.Span)) + $":{min}:{max}";
        if (cache is not null && cache.TryGet(key, out CachedImage hit))
        {
            return new PreparedImage(key, hit.Grid, hit.OriginalWidth, hit.OriginalHeight, hit.ResizedWidth, hit.ResizedHeight, null, hit);
        }
        try
        {
            RgbImage rgb = ImageDecoder.Decode(part.Image.Bytes.Span, part.Image.Source, options.MaxImagePixels);
            ProcessedImage p = ImageProcessor.Process(rgb, model.Preprocessor, min, max);
            return new PreparedImage(key, new ImageGrid(p.GridT, p.GridH, p.GridW), p.OriginalWidth, p.OriginalHeight, p.ResizedWidth, p.ResizedHeight, p, null);
        }
        catch (ImageException e)
        {
            throw new EngineException($"{field}: {e.Message}", field, e);
        }
    }
}
