// ChatOptions -> the engine's GenerationOptions (ResponseFormat Json → constrained decoding), and the
// engine's statistics -> UsageDetails and response properties. Options the engine cannot honour (tools, frequency/presence penalties) are
// refused rather than silently ignored, so a caller never believes they took effect.
using QwenVL.Engine;
using QwenVL.Engine.Constraints;
using QwenVL.Engine.Generation;
using MEAI = Microsoft.Extensions.AI;

namespace QwenVL.Extensions.AI;

/// <summary>Maps request options and response statistics.</summary>
internal static class OptionsMapper
{
    /// <summary>Key of the summed image tokens in <see cref="MEAI.UsageDetails.AdditionalCounts"/>.</summary>
    public const string ImageTokensKey = "image_tokens";

    /// <summary>Builds engine options from chat options (null fields keep generation_config.json defaults).</summary>
    public static GenerationOptions Map(MEAI.ChatOptions? options, QwenVLChatClientOptions client)
    {
        var result = new GenerationOptions { MaxImagePixels = client.MaxImagePixels };
        if (options is null)
        {
            return result;
        }
        if (options.Tools is { Count: > 0 })
        {
            throw new NotSupportedException("QwenVLChatClient does not support tools (ChatOptions.Tools must be empty)");
        }
        if (options.FrequencyPenalty is not null || options.PresencePenalty is not null)
        {
            throw new NotSupportedException("frequency and presence penalties are not supported; use AdditionalProperties[\"repetition_penalty\"]");
        }
        const string field = "options.AdditionalProperties";
        double? repetition = ConversationMapper.Number(options.AdditionalProperties, "repetition_penalty", field);
        result = result with
        {
            MaxTokens = options.MaxOutputTokens ?? result.MaxTokens,
            Temperature = options.Temperature,
            TopP = options.TopP,
            TopK = options.TopK,
            Seed = options.Seed is long seed ? FoldSeed(seed) : null,
            Stop = options.StopSequences is { } stop ? [.. stop] : [],
            RepetitionPenalty = repetition is double r ? (float)r : null,
            MinPixels = ConversationMapper.Pixels(options.AdditionalProperties, "min_pixels", field),
            MaxPixels = ConversationMapper.Pixels(options.AdditionalProperties, "max_pixels", field),
            ResponseFormat = Format(options.ResponseFormat),
        };
        result.Validate();
        return result;
    }

    /// <summary>
    /// ChatResponseFormat → the engine's JSON constraint: Json without a schema is any JSON object,
    /// with a schema that schema (the decoder only emits documents that match it); Text is unconstrained.
    /// </summary>
    private static JsonResponseFormat? Format(MEAI.ChatResponseFormat? format) => format switch
    {
        MEAI.ChatResponseFormatJson { Schema: { } schema } json => JsonResponseFormat.FromSchema(schema, json.SchemaName),
        MEAI.ChatResponseFormatJson => JsonResponseFormat.JsonObject,
        _ => null,
    };

    // The engine seeds with an int; fold a long so distinct 64-bit seeds stay (mostly) distinct.
    private static int FoldSeed(long seed) => seed is >= int.MinValue and <= int.MaxValue ? (int)seed : (int)(seed ^ (seed >> 32));

    /// <summary>Engine finish reason as the abstraction's.</summary>
    public static MEAI.ChatFinishReason? Finish(FinishReason reason) => reason switch
    {
        FinishReason.Stop => MEAI.ChatFinishReason.Stop,
        FinishReason.Length => MEAI.ChatFinishReason.Length,
        _ => null,
    };

    /// <summary>Token counts; image tokens go to AdditionalCounts["image_tokens"] and per image "image_tokens[i]".</summary>
    public static MEAI.UsageDetails Usage(GenerationStats stats)
    {
        long image = stats.ImageTokens.Sum(t => (long)t);
        var counts = new MEAI.AdditionalPropertiesDictionary<long> { [ImageTokensKey] = image };
        for (int i = 0; i < stats.ImageTokens.Count; i++)
        {
            counts[$"{ImageTokensKey}[{i}]"] = stats.ImageTokens[i];
        }
        return new MEAI.UsageDetails
        {
            InputTokenCount = stats.PromptTokens,
            OutputTokenCount = stats.CompletionTokens,
            TotalTokenCount = stats.PromptTokens + stats.CompletionTokens,
            AdditionalCounts = counts,
        };
    }

    /// <summary>Image sizes and timings for ChatResponse(Update).AdditionalProperties.</summary>
    public static MEAI.AdditionalPropertiesDictionary Properties(GenerationStats stats) => new()
    {
        ["images"] = stats.ImageSizes.Select((s, i) => new QwenVLImageInfo(s.Width, s.Height, s.ResizedWidth, s.ResizedHeight,
            i < stats.ImageTokens.Count ? stats.ImageTokens[i] : 0)).ToArray(),
        ["ttft_ms"] = stats.TimeToFirstTokenMs,
        ["tokens_per_s"] = stats.DecodeTokensPerSecond,
    };
}

/// <summary>One prompt image: original size, size after smart_resize, and its token count.</summary>
public sealed record QwenVLImageInfo(int Width, int Height, int ResizedWidth, int ResizedHeight, int Tokens);
