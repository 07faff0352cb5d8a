// Talks to the hub APIs: lists a repository's files (size, LFS sha256, blob id, commit) on Hugging
// Face (GET /api/models/{repo}/revision/{rev}?blobs=true) or ModelScope (GET /api/v1/models/{id}/repo/files),
// and builds each file's download URL. Network failures become one HubException naming the endpoint and
// what to try. It does not download bodies (Downloader does) and does not touch the disk.
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace QwenVL.Hub;

/// <summary>One file of a repository listing.</summary>
/// <param name="Path">Path inside the repository, '/'-separated.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 when the hub lists it (LFS files on HF, every file on ModelScope).</param>
/// <param name="GitOid">Git blob id (SHA-1 of "blob SIZE\0" + bytes) for non-LFS files on HF.</param>
public sealed record RemoteFile(string Path, long Size, string? Sha256, string? GitOid)
{
    /// <summary>Blob file name in the cache: the sha256 for LFS files, the git blob id otherwise (what huggingface_hub uses, its ETag).</summary>
    public string BlobName => Sha256 ?? GitOid ?? throw new HubException($"{Path}: the hub listed neither a sha256 nor a blob id");
}

/// <summary>A repository's files at one commit.</summary>
public sealed record RepoListing(RepoId Repo, string Commit, IReadOnlyList<RemoteFile> Files)
{
    /// <summary>Bytes of every listed file.</summary>
    public long TotalBytes => Files.Sum(f => f.Size);
}

/// <summary>Client of the Hugging Face and ModelScope HTTP APIs.</summary>
public sealed class HubClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly HubSettings _settings;

    /// <summary>Creates a client; <paramref name="handler"/> replaces the default socket handler (tests).</summary>
    public HubClient(HubSettings settings, HttpMessageHandler? handler = null)
    {
        _settings = settings;
        // Redirects are followed automatically (LFS files 302 to a CDN; the Authorization header is dropped on the
        // cross-host hop by .NET, as it should be). 30 s to connect and list; bodies stream without a total timeout.
        handler ??= new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30), AllowAutoRedirect = true, AutomaticDecompression = DecompressionMethods.None };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("qwenvl/1.0");
    }

    /// <summary>The settings this client uses.</summary>
    public HubSettings Settings => _settings;

    /// <summary>Lists <paramref name="repo"/>'s files at its revision.</summary>
    public async Task<RepoListing> ListAsync(RepoId repo, CancellationToken ct = default)
    {
        if (_settings.Offline)
        {
            throw new HubException($"HF_HUB_OFFLINE is set, so {repo} cannot be listed or downloaded; unset it, or pass a checkpoint folder", null) { Kind = HubErrorKind.Unreachable };
        }
        string endpoint = _settings.Endpoint(repo.Source);
        string rev = Uri.EscapeDataString(repo.EffectiveRevision);
        string url = repo.Source == HubSource.ModelScope
            ? $"{endpoint}/api/v1/models/{repo.Id}/repo/files?Revision={rev}&Recursive=true"
            : $"{endpoint}/api/models/{repo.Id}/revision/{rev}?blobs=true";
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        using HttpResponseMessage response = await SendAsync(Request(HttpMethod.Get, url, repo.Source), repo, cts.Token, ct).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(cts.Token).ConfigureAwait(false);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            return repo.Source == HubSource.ModelScope ? ParseModelScope(repo, doc.RootElement, url) : ParseHuggingFace(repo, doc.RootElement, url);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new HubException($"{url}: unexpected answer from the hub ({e.Message}); is {endpoint} a Hugging Face/ModelScope endpoint?", e);
        }
    }

    /// <summary>Download URL of <paramref name="file"/> at <paramref name="commit"/>.</summary>
    public string FileUrl(RepoId repo, string commit, string file)
    {
        string endpoint = _settings.Endpoint(repo.Source);
        if (repo.Source == HubSource.ModelScope)
        {
            return $"{endpoint}/api/v1/models/{repo.Id}/repo?Revision={Uri.EscapeDataString(commit)}&FilePath={Uri.EscapeDataString(file)}";
        }
        string path = string.Join('/', file.Split('/').Select(Uri.EscapeDataString));
        return $"{endpoint}/{repo.Id}/resolve/{Uri.EscapeDataString(commit)}/{path}";
    }

    /// <summary>Builds a request carrying the source's token.</summary>
    public HttpRequestMessage Request(HttpMethod method, string url, HubSource source)
    {
        var request = new HttpRequestMessage(method, url);
        string? token = source == HubSource.ModelScope ? _settings.ModelScopeToken : _settings.HfToken;
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    /// <summary>Sends <paramref name="request"/> (headers only read), mapping failures to <see cref="HubException"/>.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, RepoId repo, CancellationToken timeout, CancellationToken user)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(repo.Source, e.Message, e);
        }
        catch (OperationCanceledException e) when (!user.IsCancellationRequested)
        {
            throw Unreachable(repo.Source, "no answer in time", e);
        }
        finally
        {
            request.Dispose();
        }
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        int status = (int)response.StatusCode;
        string url = request.RequestUri?.ToString() ?? "";
        response.Dispose();
        string tokenVar = repo.Source == HubSource.ModelScope ? "MODELSCOPE_API_TOKEN" : "HF_TOKEN";
        throw status switch
        {
            401 or 403 => new HubException($"{url}: {status} {(HttpStatusCode)status}; {repo.Id} is gated or private: accept its license on the hub and set {tokenVar}") { Kind = HubErrorKind.Unauthorized },
            404 => new HubException($"{url}: 404, no repository {repo.Id} (revision {repo.EffectiveRevision}) on {_settings.Endpoint(repo.Source)}; check the spelling (ids are ORG/NAME, case-sensitive)") { Kind = HubErrorKind.NotFound },
            _ => new HubException($"{url}: the hub answered {status} {(HttpStatusCode)status}; retry later") { Kind = status >= 500 ? HubErrorKind.Unreachable : HubErrorKind.Other },
        };
    }

    /// <summary>The offline message: which endpoint failed and the three ways out.</summary>
    public HubException Unreachable(HubSource source, string reason, Exception? inner)
    {
        string endpoint = _settings.Endpoint(source);
        string other = source == HubSource.ModelScope ? "--source hf" : "--source modelscope (or an ms: prefix)";
        return new HubException(
            $"cannot reach {endpoint} ({reason}). If you are offline or the hub is blocked: set HF_ENDPOINT to a mirror you can reach, " +
            $"try {other}, or copy a checkpoint folder onto this machine and pass its path (--model DIR)", inner) { Kind = HubErrorKind.Unreachable };
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    private static RepoListing ParseHuggingFace(RepoId repo, JsonElement root, string url)
    {
        string commit = root.GetProperty("sha").GetString() ?? throw new HubException($"{url}: no 'sha' in the answer");
        var files = new List<RemoteFile>();
        foreach (JsonElement s in root.GetProperty("siblings").EnumerateArray())
        {
            string path = s.GetProperty("rfilename").GetString()!;
            string? sha = null;
            long size = s.TryGetProperty("size", out JsonElement z) && z.ValueKind == JsonValueKind.Number ? z.GetInt64() : -1;
            if (s.TryGetProperty("lfs", out JsonElement lfs) && lfs.ValueKind == JsonValueKind.Object)
            {
                sha = (lfs.TryGetProperty("sha256", out JsonElement h) ? h : lfs.GetProperty("oid")).GetString()!.ToLowerInvariant();
                size = lfs.GetProperty("size").GetInt64();
            }
            string? oid = s.TryGetProperty("blobId", out JsonElement b) ? b.GetString() : null;
            if (size < 0)
            {
                throw new HubException($"{url}: no size for '{path}' (the hub must answer ?blobs=true)");
            }
            files.Add(new RemoteFile(path, size, sha, oid));
        }
        return new RepoListing(repo, commit, files);
    }

    private static RepoListing ParseModelScope(RepoId repo, JsonElement root, string url)
    {
        if (root.TryGetProperty("Code", out JsonElement code) && code.ValueKind == JsonValueKind.Number && code.GetInt32() != 200)
        {
            string message = root.TryGetProperty("Message", out JsonElement m) ? m.GetString() ?? "" : "";
            throw new HubException($"{url}: ModelScope answered code {code.GetInt32()}: {message}") { Kind = HubErrorKind.NotFound };
        }
        var files = new List<RemoteFile>();
        foreach (JsonElement f in root.GetProperty("Data").GetProperty("Files").EnumerateArray())
        {
            if (f.TryGetProperty("Type", out JsonElement t) && t.GetString() == "tree")
            {
                continue;
            }
            string path = f.GetProperty("Path").GetString()!;
            string? sha = f.TryGetProperty("Sha256", out JsonElement h) && h.GetString() is { Length: 64 } hex ? hex.ToLowerInvariant() : null;
            files.Add(new RemoteFile(path, f.GetProperty("Size").GetInt64(), sha, sha is null ? "ms-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(path))) : null));
        }
        // ModelScope lists no repository commit; the snapshot is named after the revision asked for.
        return new RepoListing(repo, repo.EffectiveRevision, files);
    }
}
