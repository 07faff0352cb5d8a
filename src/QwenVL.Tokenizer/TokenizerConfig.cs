// The parts of tokenizer_config.json an inference engine uses: special-token names, the length limit and
// the chat template (a string, or a list of {name, template} of which "default" is used).
// It deliberately ignores everything else (added_tokens_decoder duplicates tokenizer.json's added_tokens).
using System.Text.Json;

namespace QwenVL.Tokenizer;

/// <summary>Settings from tokenizer_config.json.</summary>
/// <param name="BosToken">bos_token content, or null (Qwen2 has none).</param>
/// <param name="EosToken">eos_token content, e.g. "&lt;|im_end|&gt;".</param>
/// <param name="PadToken">pad_token content, e.g. "&lt;|endoftext|&gt;".</param>
/// <param name="UnkToken">unk_token content, or null.</param>
/// <param name="ModelMaxLength">model_max_length; values beyond long (HF writes 1e30 for "unlimited") clamp to long.MaxValue.</param>
/// <param name="ChatTemplate">The template string, or the list entry named "default"; null when absent.</param>
/// <param name="NamedChatTemplates">Every template by name; a plain string template is named "default".</param>
public sealed record TokenizerConfig(
    string? BosToken,
    string? EosToken,
    string? PadToken,
    string? UnkToken,
    long? ModelMaxLength,
    string? ChatTemplate,
    IReadOnlyDictionary<string, string> NamedChatTemplates)
{
    /// <exception cref="TokenizerException">The file cannot be read or a field has the wrong shape.</exception>
    public static TokenizerConfig Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TokenizerException($"cannot read tokenizer config: {e.Message}", path, null, e);
        }
        return Parse(json, path);
    }

    /// <summary>Parses tokenizer_config.json text; <paramref name="sourceName"/> names it in errors.</summary>
    public static TokenizerConfig Parse(string json, string sourceName)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new TokenizerException("expected a JSON object", sourceName, "$");
            }
            var templates = ReadTemplates(root, sourceName);
            return new TokenizerConfig(
                TokenName(root, "bos_token", sourceName),
                TokenName(root, "eos_token", sourceName),
                TokenName(root, "pad_token", sourceName),
                TokenName(root, "unk_token", sourceName),
                MaxLength(root, sourceName),
                templates.GetValueOrDefault("default"),
                templates);
        }
        catch (JsonException e)
        {
            throw new TokenizerException($"invalid JSON (line {e.LineNumber + 1}): {e.Message}", sourceName, e.Path, e);
        }
    }

    /// <summary>A special token given as "text" or as {"content": "text", ...}.</summary>
    private static string? TokenName(JsonElement root, string key, string source)
    {
        if (!root.TryGetProperty(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (v.ValueKind == JsonValueKind.String)
        {
            return v.GetString();
        }
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out JsonElement c) && c.ValueKind == JsonValueKind.String)
        {
            return c.GetString();
        }
        throw new TokenizerException($"expected a string or an object with \"content\", got {v.GetRawText()}", source, "$." + key);
    }

    private static long? MaxLength(JsonElement root, string source)
    {
        if (!root.TryGetProperty("model_max_length", out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (v.ValueKind != JsonValueKind.Number)
        {
            throw new TokenizerException($"expected a number, got {v.GetRawText()}", source, "$.model_max_length");
        }
        if (v.TryGetInt64(out long exact))
        {
            return exact;
        }
        double d = v.GetDouble();
        return d >= long.MaxValue ? long.MaxValue : (long)d;
    }

    private static Dictionary<string, string> ReadTemplates(JsonElement root, string source)
    {
        var templates = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!root.TryGetProperty("chat_template", out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return templates;
        }
        if (v.ValueKind == JsonValueKind.String)
        {
            templates["default"] = v.GetString()!;
            return templates;
        }
        if (v.ValueKind != JsonValueKind.Array)
        {
            throw new TokenizerException($"expected a string or a list of {{name, template}}, got {v.ValueKind}", source, "$.chat_template");
        }
        int i = 0;
        foreach (JsonElement item in v.EnumerateArray())
        {
            string path = $"$.chat_template[{i++}]";
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String
                || !item.TryGetProperty("template", out JsonElement template) || template.ValueKind != JsonValueKind.String)
            {
                throw new TokenizerException($"expected {{\"name\": string, \"template\": string}}, got {item.GetRawText()}", source, path);
            }
            templates[name.GetString()!] = template.GetString()!;
        }
        return templates;
    }
}
