// Which request model names reach which loaded checkpoint: `--model DIR` serves under the folder's
// name, `--model ALIAS=DIR` under ALIAS, and the hosted names qwen-vl-plus / qwen-vl-max fall back
// to the first model unless aliased. It does not guess: any other unknown name is an error.
// A catalog may start empty (`qwenvl serve` while its model downloads) and gain models later through Attach.
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

    // Copy-on-write: Attach swaps in new collections, so request threads never see one mid-change.
    private volatile Dictionary<string, InferenceEngine> _byName;
    private volatile List<string> _names;
    private readonly Lock _attachLock = new();
    private List<(string Name, InferenceEngine Engine)> _configured;
    private volatile ModelSetupState? _setup;
    private readonly bool _ownsEngines;

    /// <summary>Serves already-loaded engines; the first is the default. Disposes them only when <paramref name="ownsEngines"/>.</summary>
    public ModelCatalog(IEnumerable<(string Name, InferenceEngine Engine)> models, bool ownsEngines = false)
        : this(models, ownsEngines, allowEmpty: false)
    {
    }

    private ModelCatalog(IEnumerable<(string Name, InferenceEngine Engine)> models, bool ownsEngines, bool allowEmpty)
    {
        _ownsEngines = ownsEngines;
        _configured = [.. models];
        if (_configured.Count == 0 && !allowEmpty)
        {
            throw new ArgumentException("at least one --model is required");
        }
        (_byName, _names) = Build(_configured);
    }

    /// <summary>A catalog with no model yet (owning what is attached later); requests get 503 with <see cref="Setup"/>'s message.</summary>
    public static ModelCatalog Empty() => new([], ownsEngines: true, allowEmpty: true);

    /// <summary>What the server is doing to get a model (download, load, failure); null when models were given up front.</summary>
    public ModelSetupState? Setup { get => _setup; set => _setup = value; }

    /// <summary>Adds a model after start (a background download finished); the first model stays the default.</summary>
    public void Attach(string name, InferenceEngine engine)
    {
        lock (_attachLock)
        {
            List<(string, InferenceEngine)> configured = [.. _configured, (name, engine)];
            (Dictionary<string, InferenceEngine> byName, List<string> names) = Build(configured);
            _configured = configured;
            _byName = byName;
            _names = names;
        }
    }

    private static (Dictionary<string, InferenceEngine>, List<string>) Build(List<(string Name, InferenceEngine Engine)> configured)
    {
        var byName = new Dictionary<string, InferenceEngine>(StringComparer.Ordinal);
        var names = new List<string>();
        foreach ((string name, InferenceEngine engine) in configured)
        {
            if (!byName.TryAdd(name, engine))
            {
                throw new ArgumentException($"model name '{name}' is given twice");
            }
            names.Add(name);
        }
        foreach (string hosted in names.Count == 0 ? [] : HostedNames)
        {
            if (byName.TryAdd(hosted, byName[names[0]]))
            {
                names.Add(hosted);
            }
        }
        return (byName, names);
    }

    /// <summary>Every name a request may use, configured names first.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>The first configured model's name.</summary>
    public string DefaultName => _names.Count > 0 ? _names[0] : "";

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
        Dictionary<string, InferenceEngine> byName = _byName;
        List<string> names = _names;
        if (names.Count > 0 && string.IsNullOrEmpty(name))
        {
            return (names[0], byName[names[0]]);
        }
        if (name is not null && byName.TryGetValue(name, out InferenceEngine? engine))
        {
            return (name, engine);
        }
        if (_setup is { Phase: not "ready" } setup && (names.Count == 0 || name == setup.Model))
        {
            throw new ApiException(503, $"No model is ready yet: {setup.Message}", "model", "server_error", "model_not_ready", "ServiceUnavailable") { RetryAfterSeconds = 10 };
        }
        throw ApiException.ModelNotFound(name ?? "", names);
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

/// <summary>What a server that started without its model is doing about it (shown by the web page through GET /setup).</summary>
/// <param name="Phase">"downloading", "loading", "ready" or "failed".</param>
/// <param name="Message">One sentence for a person: what happens, or what went wrong and what to do.</param>
/// <param name="Model">The served name being prepared.</param>
/// <param name="BytesDone">Bytes downloaded so far.</param>
/// <param name="BytesTotal">Bytes to download (0 when unknown).</param>
public sealed record ModelSetupState(string Phase, string Message, string? Model = null, long BytesDone = 0, long BytesTotal = 0);
