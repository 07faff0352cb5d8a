// Finds the chat template of a Hugging Face checkpoint folder: chat_template.jinja, then
// chat_template.json {"chat_template": "..."}, then tokenizer_config.json "chat_template" (a string or a
// list of {name, template}, where "default" wins). It deliberately ignores additional_chat_templates/.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenVL.ChatTemplates;

/// <summary>Loads the chat template shipped with a checkpoint.</summary>
public static class ChatTemplateLoader
{
    /// <summary>The folder's chat template, or null when none of the three files holds one.</summary>
    public static ChatTemplate? LoadFromFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"checkpoint folder not found: {folder}");
        }
        string jinja = Path.Combine(folder, "chat_template.jinja");
        if (File.Exists(jinja))
        {
            return ChatTemplate.Parse(File.ReadAllText(jinja), jinja);
        }
        foreach (string file in new[] { "chat_template.json", "tokenizer_config.json" })
        {
            string path = Path.Combine(folder, file);
            if (File.Exists(path) && FromJson(path) is { } template)
            {
                return template;
            }
        }
        return null;
    }

    private static ChatTemplate? FromJson(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new TemplateException(path, $"malformed JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }
        if (root is not JsonObject obj || !obj.TryGetPropertyValue("chat_template", out JsonNode? node) || node is null)
        {
            return null;
        }
        switch (node)
        {
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return ChatTemplate.Parse(v.GetValue<string>(), path);
            case JsonArray list:
                return FromNamedList(path, list);
            default:
                throw new TemplateException(path, $"key \"chat_template\" must be a string or a list of {{name, template}}, got {node.GetValueKind()}");
        }
    }

    // HF: a list of named templates; "default" is used unless the caller names another.
    private static ChatTemplate FromNamedList(string path, JsonArray list)
    {
        var named = new List<(string Name, string Template)>();
        foreach (JsonNode? item in list)
        {
            if (item is not JsonObject o || o["name"] is not JsonValue n || o["template"] is not JsonValue t
                || n.GetValueKind() != JsonValueKind.String || t.GetValueKind() != JsonValueKind.String)
            {
                throw new TemplateException(path, $"key \"chat_template\": entry {named.Count} must be {{\"name\": string, \"template\": string}}");
            }
            named.Add((n.GetValue<string>(), t.GetValue<string>()));
        }
        var chosen = named.Find(x => x.Name == "default");
        if (chosen.Template is null && named.Count == 1)
        {
            chosen = named[0];
        }
        if (chosen.Template is null)
        {
            throw new TemplateException(path, "key \"chat_template\" lists several templates ("
                + string.Join(", ", named.Select(x => x.Name)) + ") but none is named \"default\"");
        }
        return ChatTemplate.Parse(chosen.Template, $"{path} (template '{chosen.Name}')");
    }
}
