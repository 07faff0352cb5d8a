// Small helpers shared by the chat-template tests: JSON message parsing and rendering one-liners.
// It deliberately holds no expected outputs; those stay next to the tests that assert them.
using System.Text.Json.Nodes;

namespace QwenVL.ChatTemplates.Tests;

internal static class TestData
{
    public static JsonArray Messages(string json) => JsonNode.Parse(json)!.AsArray();

    /// <summary>Renders a template with optional variables given as a JSON object.</summary>
    public static string Render(string template, string messagesJson = "[]", bool addGenerationPrompt = false, string? variablesJson = null)
    {
        var extra = new Dictionary<string, JsonNode?>();
        if (variablesJson is not null)
        {
            foreach (var kv in JsonNode.Parse(variablesJson)!.AsObject())
            {
                extra[kv.Key] = kv.Value?.DeepClone();
            }
        }
        return ChatTemplate.Parse(template).Render(Messages(messagesJson), addGenerationPrompt, extra);
    }

    public static string TemplateFile(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Templates", name));
}
