// Reads DashScope's native request ({model, input: {messages}, parameters: {...}}) into engine options.
// Content items are single-key objects ({"text"}, {"image"}); video input, token-id stop sequences
// and penalties other than repetition_penalty are refused by name. Streaming is asked for by the
// X-DashScope-SSE header, an Accept of text/event-stream, or parameters.stream.
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using QwenVL.Engine.Generation;
using QwenVL.Server.Hosting;
using QwenVL.Server.Images;

namespace QwenVL.Server.DashScope;

/// <summary>A validated native request.</summary>
internal sealed record DashScopeRequest(string? Model, PendingConversation Messages, GenerationOptions Options, bool Stream, bool Incremental, bool TextFormat)
{
    /// <summary>vl_high_resolution_images raises the image budget to 16384 tokens of 28x28 pixels.</summary>
    private const long HighResolutionPixels = 16384L * 28 * 28;

    public static DashScopeRequest Parse(JsonObject body, HttpRequest http, ServerOptions server)
    {
        string? model = JsonArgs.String(body, "model", "model");
        if (JsonArgs.Get(body, "input") is not JsonObject input)
        {
            throw ApiException.BadRequest("input must be an object with a messages array", "input");
        }
        if (JsonArgs.Get(input, "messages") is not JsonArray messages)
        {
            throw ApiException.BadRequest("input.messages must be an array", "input.messages");
        }
        RefuseVideo(messages);
        PendingConversation conversation = PendingConversation.Parse(messages, server.MaxImageBytes);

        JsonObject p = JsonArgs.Get(body, "parameters") switch
        {
            null => [],
            JsonObject o => o,
            _ => throw ApiException.BadRequest("parameters must be an object", "parameters"),
        };
        if (JsonArgs.Integer(p, "n", "parameters.n", 1, int.MaxValue) is > 1)
        {
            throw ApiException.Unsupported("parameters.n", "more than one choice (n > 1)");
        }
        if (JsonArgs.Get(p, "tools") is JsonArray { Count: > 0 })
        {
            throw ApiException.Unsupported("parameters.tools", "tool calling");
        }
        if (JsonArgs.Number(p, "presence_penalty", "parameters.presence_penalty", -2, 2) is double pp && pp != 0)
        {
            throw ApiException.Unsupported("parameters.presence_penalty", "a non-zero presence_penalty (use repetition_penalty)");
        }
        string format = JsonArgs.String(p, "result_format", "parameters.result_format") ?? "message";
        if (format is not ("message" or "text"))
        {
            throw ApiException.BadRequest($"parameters.result_format must be \"message\" or \"text\", got \"{format}\"", "parameters.result_format");
        }
        long? maxTokens = JsonArgs.Integer(p, "max_tokens", "parameters.max_tokens", 1, int.MaxValue)
            ?? JsonArgs.Integer(p, "max_length", "parameters.max_length", 1, int.MaxValue);
        long? topK = JsonArgs.Integer(p, "top_k", "parameters.top_k", 0, int.MaxValue);
        bool highResolution = JsonArgs.Bool(p, "vl_high_resolution_images", "parameters.vl_high_resolution_images") ?? false;
        var options = new GenerationOptions
        {
            MaxTokens = (int)(maxTokens ?? server.DefaultMaxTokens),
            Temperature = (float?)JsonArgs.Number(p, "temperature", "parameters.temperature", 0, 2),
            TopP = (float?)JsonArgs.Number(p, "top_p", "parameters.top_p", 0, 1, minExclusive: true),
            TopK = (int?)topK,
            RepetitionPenalty = (float?)JsonArgs.Number(p, "repetition_penalty", "parameters.repetition_penalty", 0, 10, minExclusive: true),
            Seed = JsonArgs.Seed(JsonArgs.Integer(p, "seed", "parameters.seed", long.MinValue, long.MaxValue)),
            Stop = JsonArgs.Stop(p, "stop", "parameters.stop"),
            MaxPixels = highResolution ? HighResolutionPixels : null,
            MaxImagePixels = server.MaxImagePixels,
            ResponseFormat = OpenAi.ChatRequest.ResponseFormat(p, "parameters.response_format"),
        };
        try
        {
            options.Validate();
        }
        catch (QwenVL.Engine.EngineException e)
        {
            throw ApiException.BadRequest(e.Message, "parameters." + e.Field);
        }
        bool stream = (JsonArgs.Bool(p, "stream", "parameters.stream") ?? false)
            || string.Equals(http.Headers["X-DashScope-SSE"], "enable", StringComparison.OrdinalIgnoreCase)
            || http.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);
        bool incremental = JsonArgs.Bool(p, "incremental_output", "parameters.incremental_output") ?? false;
        return new DashScopeRequest(model, conversation, options, stream, incremental, format == "text");
    }

    private static void RefuseVideo(JsonArray messages)
    {
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i] is JsonObject m && m["content"] is JsonArray parts)
            {
                for (int j = 0; j < parts.Count; j++)
                {
                    if (parts[j] is JsonObject part && (part.ContainsKey("video") || part.ContainsKey("audio")))
                    {
                        throw ApiException.Unsupported($"input.messages[{i}].content[{j}]", "video and audio input");
                    }
                }
            }
        }
    }
}
