// A Hugging Face + ModelScope look-alike on 127.0.0.1 (Kestrel, port 0) serving in-memory copies of a
// fixture checkpoint: the HF revision API (?blobs=true), resolve routes with ETag / X-Repo-Commit and a
// 302 to a "CDN" route for LFS files, HTTP Range, and ModelScope's files/repo routes. Knobs make it drop
// a connection mid-file or corrupt a body once; every request is logged. It is not a full hub: one repo.
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace QwenVL.Hub.Tests;

/// <summary>One logged request.</summary>
public sealed record HubRequest(string Path, string Query, string? Range, string? Authorization);

/// <summary>The fake hub.</summary>
public sealed class FakeHub : IAsyncDisposable
{
    /// <summary>Commit id the fake answers for every revision.</summary>
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private readonly WebApplication _app;

    private FakeHub(WebApplication app, string repo, Dictionary<string, byte[]> files)
    {
        _app = app;
        Repo = repo;
        Files = files;
    }

    /// <summary>ORG/NAME served.</summary>
    public string Repo { get; }

    /// <summary>Files by repository path.</summary>
    public Dictionary<string, byte[]> Files { get; }

    /// <summary>Requests in arrival order.</summary>
    public ConcurrentQueue<HubRequest> Log { get; } = new();

    /// <summary>Path → bytes after which the next body of that file is cut (connection aborted), once.</summary>
    public ConcurrentDictionary<string, long> DropOnce { get; } = new();

    /// <summary>Paths whose next full body has one byte flipped, once.</summary>
    public ConcurrentDictionary<string, bool> CorruptOnce { get; } = new();

    /// <summary>http://127.0.0.1:PORT without a trailing slash.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>Files at or above this size are LFS files (listed with sha256, redirected to the CDN route).</summary>
    public static long LfsThreshold => 1 << 20;

    /// <summary>Starts a hub serving every file of <paramref name="folder"/> plus a nested extra file.</summary>
    public static async Task<FakeHub> StartAsync(string folder, string repo = "Test/tiny-vl")
    {
        var files = Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes, StringComparer.Ordinal);
        files["extra/notes.txt"] = Encoding.UTF8.GetBytes("a nested file, to check relative symlinks\n");
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication app = builder.Build();
        var hub = new FakeHub(app, repo, files);
        app.Use(async (ctx, next) =>
        {
            hub.Log.Enqueue(new HubRequest(ctx.Request.Path.Value ?? "", ctx.Request.QueryString.Value ?? "", ctx.Request.Headers.Range.FirstOrDefault(), ctx.Request.Headers.Authorization.FirstOrDefault()));
            await next(ctx);
        });
        app.MapGet("/api/models/{org}/{name}/revision/{rev}", (string org, string name) => hub.Known(org, name) ? Results.Json(hub.HfListing()) : Results.NotFound());
        app.MapGet("/{org}/{name}/resolve/{rev}/{**path}", (HttpContext ctx, string org, string name, string path) => hub.Resolve(ctx, org, name, path));
        app.MapGet("/cdn/{path}", (HttpContext ctx, string path) => hub.Serve(ctx, Uri.UnescapeDataString(path)));
        app.MapGet("/api/v1/models/{org}/{name}/repo/files", (string org, string name) => hub.Known(org, name) ? Results.Json(hub.MsListing()) : Results.Json(new { Code = 404, Message = "not found", Success = false }));
        app.MapGet("/api/v1/models/{org}/{name}/repo", (HttpContext ctx, string org, string name) =>
            hub.Known(org, name) && ctx.Request.Query["FilePath"].FirstOrDefault() is { } p && files.ContainsKey(p)
                ? Results.Redirect("/cdn/" + Uri.EscapeDataString(p)) : Results.NotFound());
        await app.StartAsync();
        hub.Endpoint = app.Urls.First().TrimEnd('/');
        return hub;
    }

    /// <summary>SHA-256 hex of a file.</summary>
    public string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(Files[path]));

    /// <summary>Git blob id of a file.</summary>
    public string GitOid(string path) => Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {Files[path].Length}\0"), .. Files[path]]));

    /// <summary>Whether a path is served as an LFS file.</summary>
    public bool IsLfs(string path) => Files[path].Length >= LfsThreshold;

    /// <summary>Blob name huggingface_hub would use.</summary>
    public string BlobName(string path) => IsLfs(path) ? Sha256(path) : GitOid(path);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private bool Known(string org, string name) => $"{org}/{name}" == Repo;

    private object HfListing() => new Dictionary<string, object>
    {
        ["id"] = Repo,
        ["sha"] = Commit,
        ["siblings"] = Files.Keys.Order(StringComparer.Ordinal).Select(p => IsLfs(p)
            ? new Dictionary<string, object> { ["rfilename"] = p, ["size"] = Files[p].Length, ["blobId"] = GitOid(p), ["lfs"] = new Dictionary<string, object> { ["sha256"] = Sha256(p), ["size"] = Files[p].Length, ["pointerSize"] = 134 } }
            : new Dictionary<string, object> { ["rfilename"] = p, ["size"] = Files[p].Length, ["blobId"] = GitOid(p) }).ToArray(),
    };

    private object MsListing() => new Dictionary<string, object>
    {
        ["Code"] = 200,
        ["Success"] = true,
        ["Data"] = new Dictionary<string, object>
        {
            ["Files"] = Files.Keys.Order(StringComparer.Ordinal).Select(p => new Dictionary<string, object>
            {
                ["Name"] = Path.GetFileName(p), ["Path"] = p, ["Size"] = Files[p].Length, ["Sha256"] = Sha256(p), ["Type"] = "blob", ["IsLFS"] = IsLfs(p),
            }).Prepend(new Dictionary<string, object> { ["Name"] = "extra", ["Path"] = "extra", ["Size"] = 0, ["Type"] = "tree" }).ToArray(),
        },
    };

    private async Task Resolve(HttpContext ctx, string org, string name, string path)
    {
        if (!Known(org, name) || !Files.ContainsKey(path))
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        ctx.Response.Headers["X-Repo-Commit"] = Commit;
        if (IsLfs(path))
        {
            // Like huggingface.co: the LFS object lives on a CDN; the hub answers 302 with the linked ETag and size.
            ctx.Response.Headers["X-Linked-Etag"] = $"\"{Sha256(path)}\"";
            ctx.Response.Headers["X-Linked-Size"] = Files[path].Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            ctx.Response.Redirect("/cdn/" + Uri.EscapeDataString(path));
            return;
        }
        ctx.Response.Headers.ETag = $"\"{GitOid(path)}\"";
        await Serve(ctx, path);
    }

    private async Task Serve(HttpContext ctx, string path)
    {
        if (!Files.TryGetValue(path, out byte[]? data))
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        long start = 0;
        if (ctx.Request.Headers.Range.FirstOrDefault() is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = long.Parse(range[6..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (start >= data.Length)
            {
                ctx.Response.StatusCode = 416;
                return;
            }
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers.ContentRange = $"bytes {start}-{data.Length - 1}/{data.Length}";
        }
        ctx.Response.Headers.AcceptRanges = "bytes";
        byte[] body = data[(int)start..];
        if (start == 0 && CorruptOnce.TryRemove(path, out _))
        {
            body = (byte[])body.Clone();
            body[body.Length / 2] ^= 0xFF;
        }
        ctx.Response.ContentLength = body.Length;
        if (DropOnce.TryRemove(path, out long cut))
        {
            await ctx.Response.Body.WriteAsync(body.AsMemory(0, (int)Math.Min(cut, body.Length)));
            await ctx.Response.Body.FlushAsync();
            ctx.Abort();
            return;
        }
        await ctx.Response.Body.WriteAsync(body);
    }
}
