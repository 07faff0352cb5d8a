// Ids of the tokens the engine itself must recognise, looked up by their text in the checkpoint's
// tokenizer (never literals): the image placeholder, vision delimiters and the chat terminator.
// config.json may also state image_token_id etc.; a disagreement is a broken checkpoint.
using QwenVL.Tokenizer;

namespace QwenVL.Models.Common;

/// <summary>Special token ids of a Qwen2-VL-family checkpoint.</summary>
public sealed record SpecialTokens(int ImagePad, int VideoPad, int VisionStart, int VisionEnd, int ImEnd, int EndOfText)
{
    /// <summary>Looks the tokens up in <paramref name="tokenizer"/> and checks them against config.json.</summary>
    public static SpecialTokens Resolve(Qwen2Tokenizer tokenizer, ConfigReader config, string tokenizerFile)
    {
        int Id(string text, string? configKey)
        {
            int id = tokenizer.TokenToId(text)
                ?? throw new ModelException($"{tokenizerFile} has no token '{text}', which Qwen-VL prompts need", tokenizerFile, text);
            int? stated = configKey is null ? null : config.OptionalInt(configKey);
            if (stated is int s && s != id)
            {
                throw config.Error(configKey!, $"is {s} but the tokenizer maps '{text}' to {id}");
            }
            return id;
        }
        return new SpecialTokens(
            Id("<|image_pad|>", "image_token_id"),
            Id("<|video_pad|>", "video_token_id"),
            Id("<|vision_start|>", "vision_start_token_id"),
            Id("<|vision_end|>", "vision_end_token_id"),
            Id("<|im_end|>", null),
            Id("<|endoftext|>", null));
    }
}
