// Short model names: built-in ones (qwen-vl-plus, qwen-vl-max, default) plus the user's
// <config dir>/aliases.json, a flat JSON object {"name": "ORG/NAME[@REV]" or "/path/to/folder"}
// whose entries override the built-ins. It maps names only; it does not check that targets exist.
using System.Text.Json;

namespace QwenVL.Hub;

/// <summary>Alias table.</summary>
public sealed class ModelAliases
{
    /// <summary>Built-in aliases: DashScope's hosted names mapped to the open checkpoints nearest to them.</summary>
    public static readonly IReadOnlyDictionary<string, string> BuiltIn = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["default"] = "Qwen/Qwen2.5-VL-3B-Instruct",
        ["qwen-vl-plus"] = "Qwen/Qwen2.5-VL-7B-Instruct",
        ["qwen-vl-max"] = "Qwen/Qwen2.5-VL-72B-Instruct",
    };

    private readonly Dictionary<string, string> _map;

    private ModelAliases(Dictionary<string, string> map, string file)
    {
        _map = map;
        File = file;
    }

    /// <summary>The user's alias file (it may not exist).</summary>
    public string File { get; }

    /// <summary>Every alias and its target, user entries included.</summary>
    public IReadOnlyDictionary<string, string> All => _map;

    /// <summary>Loads the built-ins and <c>aliases.json</c> in <paramref name="configDir"/>; a malformed file is an error naming its line.</summary>
    public static ModelAliases Load(string configDir)
    {
        var map = new Dictionary<string, string>(BuiltIn, StringComparer.OrdinalIgnoreCase);
        string file = Path.Combine(configDir, "aliases.json");
        if (System.IO.File.Exists(file))
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(System.IO.File.ReadAllText(file), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new HubException($"{file}: expected a JSON object {{\"alias\": \"ORG/NAME or folder\"}}");
                }
                foreach (JsonProperty p in doc.RootElement.EnumerateObject())
                {
                    map[p.Name] = p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is { Length: > 0 } v
                        ? v
                        : throw new HubException($"{file}: alias '{p.Name}' must map to a non-empty string (ORG/NAME[@REV] or a folder)");
                }
            }
            catch (JsonException e)
            {
                throw new HubException($"{file}, line {e.LineNumber + 1}: not valid JSON ({e.Message})", e);
            }
        }
        return new ModelAliases(map, file);
    }

    /// <summary>The target of <paramref name="name"/>, or null.</summary>
    public string? Lookup(string name) => _map.GetValueOrDefault(name);
}
