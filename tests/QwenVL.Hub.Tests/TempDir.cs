// A temporary folder per test, deleted afterwards, so cache tests never touch ~/.cache or each other.
// It only makes paths and settings; it starts no server (FakeHub does).
namespace QwenVL.Hub.Tests;

/// <summary>Disposable temporary folder.</summary>
public sealed class TempDir : IDisposable
{
    /// <summary>Creates an empty folder under the system temp folder.</summary>
    public TempDir() => Directory.CreateDirectory(Path);

    /// <summary>The folder.</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "qwenvl-hub-" + Guid.NewGuid().ToString("N"));

    /// <summary>Settings pointing every cache and the config folder inside this folder, and both hubs at <paramref name="endpoint"/>.</summary>
    public HubSettings Settings(string endpoint) => new()
    {
        HfEndpoint = endpoint,
        ModelScopeEndpoint = endpoint,
        HfCache = System.IO.Path.Combine(Path, "hf"),
        ModelScopeCache = System.IO.Path.Combine(Path, "ms"),
        ConfigDir = System.IO.Path.Combine(Path, "config"),
    };

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover temp folder is harmless
        }
    }
}
