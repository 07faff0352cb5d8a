// Which request model names reach which loaded checkpoint: `--model DIR` serves under the folder's
// name, `--model ALIAS=DIR` under ALIAS, and the hosted names qwen-vl-plus / qwen-vl-max fall back
// to the first model unless aliased. It does not guess: any other unknown name is an error.
using QwenVL.Engine;
using QwenVL.Models;

namespace QwenVL.Server;

/// <summary>One <c>--model</c> argument: a served name and a checkpoint folder.</summary>
public sealed record ModelSpec(string Name, string Folder)
{
    /// <summary>Parses <c>DIR</c> or <c>ALIAS=DIR</c> (an existing folder whose path holds '=' stays a folder).</summary>
    public static ModelSpec Parse(string text)
    {
        int eq = text.IndexOf('=');
        if (eq > 0 && !Directory.Exists(text))
        {
            string alias = text[..eq].Trim();
            string folder = text[(eq + 1)..];
            if (alias.Length == 0 || folder.Length == 0)
            {
                throw new ArgumentException($"--model '{text}': expected DIR or ALIAS=DIR");
            }
            return new ModelSpec(alias, folder);
        }
        return new ModelSpec(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(text))), text);
    }
}

/// <summary>Served model names and their engines.</summary>
public sealed class ModelCatalog : IDisposable
{
    /// <summary>Hosted DashScope names that map to the default model unless aliased.</summary>
    public static readonly IReadOnlyList<string> HostedNames = ["qwen-vl-plus", "qwen-vl-max"];

    private readonly Dictionary<string, InferenceEngine> _byName = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];
    private readonly bool _ownsEngines;

    /// <summary>Serves already-loaded engines; the first is the default. Disposes them only when <paramref name="ownsEngines"/>.</summary>
    public ModelCatalog(IEnumerable<(string Name, InferenceEngine Engine)> models, bool ownsEngines = false)
    {
        _ownsEngines = ownsEngines;
        foreach ((string name, InferenceEngine engine) in models)
        {
            if (!_byName.TryAdd(name, engine))
            {
                throw new ArgumentException($"model name '{name}' is given twice");
            }
            _names.Add(name);
        }
        if (_names.Count == 0)
        {
            throw new ArgumentException("at least one --model is required");
        }
        foreach (string hosted in HostedNames)
        {
            if (_byName.TryAdd(hosted, _byName[_names[0]]))
            {
                _names.Add(hosted);
            }
        }
    }

    /// <summary>Every name a request may use, configured names first.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>The first configured model's name.</summary>
    public string DefaultName => _names[0];

    /// <summary>Loads each checkpoint once (specs naming the same folder share an engine).</summary>
    public static ModelCatalog Load(IReadOnlyList<ModelSpec> specs, ModelLoadOptions? load = null, EngineOptions? engine = null)
    {
        var byFolder = new Dictionary<string, InferenceEngine>(StringComparer.Ordinal);
        var models = new List<(string, InferenceEngine)>();
        try
        {
            foreach (ModelSpec spec in specs)
            {
                string folder = Path.GetFullPath(spec.Folder);
                if (!byFolder.TryGetValue(folder, out InferenceEngine? e))
                {
                    e = InferenceEngine.Load(folder, load, engine);
                    byFolder[folder] = e;
                }
                models.Add((spec.Name, e));
            }
            return new ModelCatalog(models, ownsEngines: true);
        }
        catch
        {
            foreach (InferenceEngine e in byFolder.Values)
            {
                e.Dispose();
            }
            throw;
        }
    }

    /// <summary>The engine for <paramref name="name"/> (null or empty means the default), or an error listing the names.</summary>
    public (string Name, InferenceEngine Engine) Resolve(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return (DefaultName, _byName[DefaultName]);
        }
        if (_byName.TryGetValue(name, out InferenceEngine? engine))
        {
            return (name, engine);
        }
        throw ApiException.ModelNotFound(name, _names);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsEngines)
        {
            foreach (InferenceEngine e in _byName.Values.Distinct())
            {
                e.Dispose();
            }
        }
    }
}
