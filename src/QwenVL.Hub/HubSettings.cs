// Where the hubs are and where files go, read from the same environment variables the Python
// tools use (HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE) so both share one cache.
// It only reads the environment and the token file; it creates no folders and opens no sockets.
namespace QwenVL.Hub;

/// <summary>Endpoints, credentials and cache folders of the hub layer.</summary>
public sealed record HubSettings
{
    /// <summary>Hugging Face endpoint without a trailing slash (HF_ENDPOINT; default https://huggingface.co).</summary>
    public string HfEndpoint { get; init; } = "https://huggingface.co";

    /// <summary>Bearer token for Hugging Face (HF_TOKEN, else the file HF_TOKEN_PATH or $HF_HOME/token).</summary>
    public string? HfToken { get; init; }

    /// <summary>The Hugging Face hub cache (HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub).</summary>
    public string HfCache { get; init; } = "";

    /// <summary>ModelScope endpoint (https:// + MODELSCOPE_DOMAIN; default https://www.modelscope.cn).</summary>
    public string ModelScopeEndpoint { get; init; } = "https://www.modelscope.cn";

    /// <summary>ModelScope token (MODELSCOPE_API_TOKEN), sent as a bearer token when set.</summary>
    public string? ModelScopeToken { get; init; }

    /// <summary>
    /// Cache for ModelScope downloads (QWENVL_MODELSCOPE_CACHE, else ~/.cache/qwenvl/modelscope). Same layout as the
    /// HF cache but a separate root: ModelScope has its own commit ids, and Python's huggingface_hub must never mistake
    /// a ModelScope snapshot for a Hugging Face commit.
    /// </summary>
    public string ModelScopeCache { get; init; } = "";

    /// <summary>Folder of qwenvl's own settings, where aliases.json lives (QWENVL_CONFIG_DIR, else $XDG_CONFIG_HOME/qwenvl, else ~/.config/qwenvl).</summary>
    public string ConfigDir { get; init; } = "";

    /// <summary>HF_HUB_OFFLINE=1: never contact a hub, use only what is cached.</summary>
    public bool Offline { get; init; }

    /// <summary>Files downloaded at once (4, like huggingface_hub's default max_workers 8 halved for home links).</summary>
    public int MaxParallel { get; init; } = 4;

    /// <summary>Attempts per file before giving up; each retry resumes with a Range request.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Reads the settings from <paramref name="env"/> (default: the process environment).</summary>
    public static HubSettings FromEnvironment(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        string? Get(string name) => env(name) is { Length: > 0 } v ? v : null;
        string home = Get("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string cacheHome = Get("XDG_CACHE_HOME") ?? Path.Combine(home, ".cache");
        string hfHome = Get("HF_HOME") ?? Path.Combine(cacheHome, "huggingface");
        string? token = Get("HF_TOKEN") ?? Get("HUGGING_FACE_HUB_TOKEN");
        string tokenFile = Get("HF_TOKEN_PATH") ?? Path.Combine(hfHome, "token");
        if (token is null && File.Exists(tokenFile))
        {
            token = File.ReadAllText(tokenFile).Trim() is { Length: > 0 } t ? t : null;
        }
        string ms = Get("MODELSCOPE_DOMAIN") ?? "www.modelscope.cn";
        return new HubSettings
        {
            HfEndpoint = (Get("HF_ENDPOINT") ?? "https://huggingface.co").TrimEnd('/'),
            HfToken = token,
            HfCache = Get("HF_HUB_CACHE") ?? Get("HUGGINGFACE_HUB_CACHE") ?? Path.Combine(hfHome, "hub"),
            ModelScopeEndpoint = (ms.Contains("://", StringComparison.Ordinal) ? ms : "https://" + ms).TrimEnd('/'),
            ModelScopeToken = Get("MODELSCOPE_API_TOKEN"),
            ModelScopeCache = Get("QWENVL_MODELSCOPE_CACHE") ?? Path.Combine(cacheHome, "qwenvl", "modelscope"),
            ConfigDir = Get("QWENVL_CONFIG_DIR") ?? Path.Combine(Get("XDG_CONFIG_HOME") ?? Path.Combine(home, ".config"), "qwenvl"),
            Offline = Get("HF_HUB_OFFLINE") is "1" or "true" or "TRUE" or "yes" or "ON" or "on",
        };
    }

    /// <summary>Endpoint of <paramref name="source"/>.</summary>
    public string Endpoint(HubSource source) => source == HubSource.ModelScope ? ModelScopeEndpoint : HfEndpoint;

    /// <summary>Cache root of <paramref name="source"/>.</summary>
    public string CacheRoot(HubSource source) => source == HubSource.ModelScope ? ModelScopeCache : HfCache;
}
