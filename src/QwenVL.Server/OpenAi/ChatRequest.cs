// Reads an OpenAI chat-completions request body into engine options, checking each field's type and
// range and refusing, with a 400 naming it, every parameter that would change the answer's meaning
// but is not implemented (n > 1, tools, functions, penalties, logit_bias). response_format json_object /
// json_schema turns on JSON-constrained decoding.
// Parameters that do not change the answer (user, metadata, store, ...) are ignored.
using System.Text.Json;
using System.Text.Json.Nodes;
using QwenVL.Engine.Generation;
using QwenVL.Server.Hosting;
using QwenVL.Server.Images;

namespace QwenVL.Server.OpenAi;

/// <summary>A validated chat-completions request.</summary>
internal sealed record ChatRequest(string? Model, PendingConversation Messages, GenerationOptions Options, bool Stream, bool IncludeUsage, bool Logprobs)
{
    public static ChatRequest Parse(JsonObject body, ServerOptions server)
    {
        RefuseUnsupported(body);
        string? model = JsonArgs.String(body, "model", "model");
        JsonNode messages = JsonArgs.Get(body, "messages") ?? throw ApiException.BadRequest("messages is required", "messages");
        if (messages is not JsonArray array)
        {
            throw ApiException.BadRequest("messages must be an array", "messages");
        }
        PendingConversation conversation = PendingConversation.Parse(NormalizeRoles(array), server.MaxImageBytes);

        bool stream = JsonArgs.Bool(body, "stream", "stream") ?? false;
        bool includeUsage = false;
        if (JsonArgs.Get(body, "stream_options") is JsonNode so)
        {
            includeUsage = so is JsonObject o
                ? JsonArgs.Bool(o, "include_usage", "stream_options.include_usage") ?? false
                : throw ApiException.BadRequest("stream_options must be an object", "stream_options");
        }
        bool logprobs = JsonArgs.Bool(body, "logprobs", "logprobs") ?? false;
        long? top = JsonArgs.Integer(body, "top_logprobs", "top_logprobs", 0, TokenLogprobs.MaxTop);
        if (top is not null && !logprobs)
        {
            throw ApiException.BadRequest("top_logprobs requires logprobs to be true", "top_logprobs");
        }
        long? maxTokens = JsonArgs.Integer(body, "max_completion_tokens", "max_completion_tokens", 1, int.MaxValue)
            ?? JsonArgs.Integer(body, "max_tokens", "max_tokens", 1, int.MaxValue);
        long? minPixels = JsonArgs.Integer(body, "min_pixels", "min_pixels", 1, long.MaxValue);
        long? maxPixels = JsonArgs.Integer(body, "max_pixels", "max_pixels", 1, long.MaxValue);
        long? topK = JsonArgs.Integer(body, "top_k", "top_k", -1, int.MaxValue);
        var options = new GenerationOptions
        {
            MaxTokens = (int)(maxTokens ?? server.DefaultMaxTokens),
            Temperature = (float?)JsonArgs.Number(body, "temperature", "temperature", 0, 2),
            TopP = (float?)JsonArgs.Number(body, "top_p", "top_p", 0, 1, minExclusive: true),
            TopK = topK is long k ? (int)Math.Max(0, k) : null, // vLLM's -1 means off, like 0 here
            RepetitionPenalty = (float?)JsonArgs.Number(body, "repetition_penalty", "repetition_penalty", 0, 10, minExclusive: true),
            Seed = JsonArgs.Seed(JsonArgs.Integer(body, "seed", "seed", long.MinValue, long.MaxValue)),
            Stop = JsonArgs.Stop(body, "stop", "stop"),
            MinPixels = minPixels,
            MaxPixels = maxPixels,
            MaxImagePixels = server.MaxImagePixels,
            Logprobs = logprobs ? (int)(top ?? 0) : null,
            ResponseFormat = ResponseFormat(body),
        };
        try
        {
            options.Validate();
        }
        catch (QwenVL.Engine.EngineException e)
        {
            throw ApiException.BadRequest(e.Message, e.Field);
        }
        return new ChatRequest(model, conversation, options, stream, includeUsage, logprobs);
    }

    private static void RefuseUnsupported(JsonObject body)
    {
        if (JsonArgs.Integer(body, "n", "n", 1, int.MaxValue) is > 1)
        {
            throw ApiException.Unsupported("n", "more than one choice (n > 1)");
        }
        foreach (string name in (string[])["tools", "functions"])
        {
            if (JsonArgs.Get(body, name) is JsonNode n && !(n is JsonArray { Count: 0 }))
            {
                throw ApiException.Unsupported(name, "tool and function calling");
            }
        }
        foreach (string name in (string[])["tool_choice", "function_call"])
        {
            if (JsonArgs.Get(body, name) is JsonNode n && !(n.GetValueKind() == JsonValueKind.String && n.GetValue<string>() is "none" or "auto"))
            {
                throw ApiException.Unsupported(name, "tool and function calling");
            }
        }
        foreach (string name in (string[])["presence_penalty", "frequency_penalty"])
        {
            if (JsonArgs.Number(body, name, name, -2, 2) is double d && d != 0)
            {
                throw ApiException.Unsupported(name, $"a non-zero {name} (use repetition_penalty)");
            }
        }
        if (JsonArgs.Get(body, "logit_bias") is JsonNode bias && !(bias is JsonObject { Count: 0 }))
        {
            throw ApiException.Unsupported("logit_bias", "logit_bias");
        }
        foreach (string name in (string[])["audio", "prediction", "web_search_options"])
        {
            if (JsonArgs.Has(body, name))
            {
                throw ApiException.Unsupported(name, name);
            }
        }
        if (JsonArgs.Get(body, "modalities") is JsonArray modalities && modalities.Any(m => m?.GetValueKind() != JsonValueKind.String || m.GetValue<string>() != "text"))
        {
            throw ApiException.Unsupported("modalities", "output other than text");
        }
    }

    /// <summary>
    /// OpenAI's response_format: text (null), json_object, or json_schema {name, schema, strict}; decoding is
    /// always strict, so "strict" is only type-checked. Unsupported schema keywords fail later in Validate().
    /// <paramref name="path"/> names the field in errors (DashScope's native route passes "parameters.response_format").
    /// </summary>
    internal static Engine.Constraints.JsonResponseFormat? ResponseFormat(JsonObject body, string path = "response_format")
    {
        if (JsonArgs.Get(body, "response_format") is not JsonNode rf)
        {
            return null;
        }
        if (rf is not JsonObject o)
        {
            throw ApiException.BadRequest($"{path} must be an object", path);
        }
        string? type = JsonArgs.String(o, "type", $"{path}.type");
        switch (type)
        {
            case "text":
                return null;
            case "json_object":
                return Engine.Constraints.JsonResponseFormat.JsonObject;
            case "json_schema":
                if (JsonArgs.Get(o, "json_schema") is not JsonObject js || JsonArgs.Get(js, "schema") is not JsonNode schema)
                {
                    throw ApiException.BadRequest($"{path}.json_schema must be an object with a \"schema\"", $"{path}.json_schema");
                }
                string? name = JsonArgs.String(js, "name", $"{path}.json_schema.name");
                JsonArgs.Bool(js, "strict", $"{path}.json_schema.strict");
                using (JsonDocument doc = JsonDocument.Parse(schema.ToJsonString()))
                {
                    return Engine.Constraints.JsonResponseFormat.FromSchema(doc.RootElement, name);
                }
            default:
                throw ApiException.BadRequest($"{path}.type must be \"text\", \"json_object\" or \"json_schema\", got \"{type}\"", $"{path}.type");
        }
    }

    /// <summary>OpenAI's "developer" role is the system role; tool turns cannot be answered without tools.</summary>
    private static JsonArray NormalizeRoles(JsonArray messages)
    {
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not JsonObject m)
            {
                continue; // MessageParser names the field
            }
            if (m["role"] is JsonValue r && r.GetValueKind() == JsonValueKind.String)
            {
                string role = r.GetValue<string>();
                if (role == "developer")
                {
                    m["role"] = "system";
                }
                else if (role is "tool" or "function")
                {
                    throw ApiException.Unsupported($"messages[{i}].role", $"the '{role}' role (tool calling)");
                }
            }
            if (JsonArgs.Has(m, "tool_calls") || JsonArgs.Has(m, "function_call"))
            {
                throw ApiException.Unsupported($"messages[{i}].tool_calls", "tool calls in messages");
            }
        }
        return messages;
    }
}
