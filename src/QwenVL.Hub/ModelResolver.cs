// Turns what a user typed after --model into a checkpoint folder: a local folder, a hub id
// (ORG/NAME[@REV], optional hf:/ms: prefix) or an alias (qwen-vl-plus, default, aliases.json). Resolve()
// only looks at the disk; PullAsync() downloads. It never loads weights and never asks the user
// anything: confirming a download is the caller's job (CLI prompt, --yes, the server's first run).
namespace QwenVL.Hub;

/// <summary>How a model argument was understood.</summary>
public enum ModelLocation
{
    /// <summary>A local folder path (it may not exist; the loader reports that).</summary>
    Folder,

    /// <summary>A hub repository with a complete snapshot in the cache.</summary>
    Cached,

    /// <summary>A hub repository not (completely) downloaded yet.</summary>
    Missing,
}

/// <summary>Result of <see cref="ModelResolver.Resolve"/>.</summary>
/// <param name="Input">What the user typed.</param>
/// <param name="Location">Folder, cached or missing.</param>
/// <param name="Folder">The folder to load, null when missing.</param>
/// <param name="Repo">The hub repository, null for a plain folder.</param>
public sealed record ResolvedModel(string Input, ModelLocation Location, string? Folder, RepoId? Repo)
{
    /// <summary>The command that downloads this model.</summary>
    public string PullCommand => Repo is null ? "" : $"qwenvl pull {Repo.Id}" +
        (Repo.Revision is null ? "" : $" --revision {Repo.Revision}") + (Repo.Source == HubSource.ModelScope ? " --source modelscope" : "");
}

/// <summary>The one public entry for "which checkpoint does this name mean" (used by run, serve, bench, eval).</summary>
public sealed class ModelResolver : IDisposable
{
    private readonly HubClient _client;

    /// <summary>Creates a resolver; <paramref name="handler"/> replaces the HTTP handler (tests).</summary>
    public ModelResolver(HubSettings? settings = null, HttpMessageHandler? handler = null)
    {
        Settings = settings ?? HubSettings.FromEnvironment();
        _client = new HubClient(Settings, handler);
        Aliases = ModelAliases.Load(Settings.ConfigDir);
    }

    /// <summary>Endpoints and folders in use.</summary>
    public HubSettings Settings { get; }

    /// <summary>Alias table (built-ins plus aliases.json).</summary>
    public ModelAliases Aliases { get; }

    /// <summary>The cache a source downloads into.</summary>
    public HubCache Cache(HubSource source) => new(Settings.CacheRoot(source));

    /// <summary>
    /// Understands <paramref name="input"/>: an existing folder wins; then an alias; then ORG/NAME[@REV]; anything else
    /// is taken as a folder path (so the loader's "no such folder" message names it).
    /// </summary>
    public ResolvedModel Resolve(string input)
    {
        string text = input.Trim();
        if (LooksLikePath(text) || Directory.Exists(ExpandHome(text)))
        {
            return new ResolvedModel(input, ModelLocation.Folder, ExpandHome(text), null);
        }
        if (Aliases.Lookup(text) is { } target)
        {
            ResolvedModel inner = Resolve(target);
            return inner with { Input = input };
        }
        if (RepoId.TryParse(text) is not { } repo)
        {
            return new ResolvedModel(input, ModelLocation.Folder, text, null);
        }
        string? cached = Cache(repo.Source).FindComplete(repo);
        return new ResolvedModel(input, cached is null ? ModelLocation.Missing : ModelLocation.Cached, cached, repo);
    }

    /// <summary>Lists a repository on its hub (size before asking to download).</summary>
    public Task<RepoListing> ListAsync(RepoId repo, CancellationToken ct = default) => _client.ListAsync(repo, ct);

    /// <summary>Downloads <paramref name="listing"/> into the cache of its source; returns the snapshot folder.</summary>
    public Task<string> PullAsync(RepoListing listing, PullProgress? progress = null, Func<string, bool>? include = null, CancellationToken ct = default) =>
        new Downloader(_client, Cache(listing.Repo.Source)).PullAsync(listing, progress, include, ct);

    /// <summary>Lists then downloads <paramref name="repo"/>; returns the snapshot folder.</summary>
    public async Task<string> PullAsync(RepoId repo, PullProgress? progress = null, Func<string, bool>? include = null, CancellationToken ct = default) =>
        await PullAsync(await ListAsync(repo, ct).ConfigureAwait(false), progress, include, ct).ConfigureAwait(false);

    /// <summary>The message for a missing model when downloading was not allowed.</summary>
    public static HubException NotDownloaded(ResolvedModel model, RepoListing? listing) => new(
        $"model '{model.Input}'{(model.Input == model.Repo?.ToString() ? "" : $" ({model.Repo})")} is not downloaded" +
        $"{(listing is null ? "" : $" ({Downloader.Bytes(listing.TotalBytes)}, {listing.Files.Count} files)")} and no such folder exists; " +
        $"run `{model.PullCommand}` first, or add --yes to download it now")
    { Kind = HubErrorKind.NotDownloaded };

    /// <summary>Glob match for --include: '*' within a path segment, '**' across segments, '?' one character.</summary>
    public static Func<string, bool> Glob(IReadOnlyList<string> patterns)
    {
        var regexes = patterns.Select(p => new System.Text.RegularExpressions.Regex(
            "^" + System.Text.RegularExpressions.Regex.Escape(p).Replace(@"\*\*", "\u0001", StringComparison.Ordinal).Replace(@"\*", "[^/]*", StringComparison.Ordinal)
                .Replace(@"\?", "[^/]", StringComparison.Ordinal).Replace("\u0001", ".*", StringComparison.Ordinal) + "$")).ToArray();
        return path => regexes.Any(r => r.IsMatch(path));
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();

    private static bool LooksLikePath(string text) =>
        text.StartsWith('.') || text.StartsWith('/') || text.StartsWith('~') || text.Contains('\\', StringComparison.Ordinal) || Path.IsPathRooted(text);

    private static string ExpandHome(string text) =>
        text == "~" || text.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), text.Length > 2 ? text[2..] : "")
            : text;
}
