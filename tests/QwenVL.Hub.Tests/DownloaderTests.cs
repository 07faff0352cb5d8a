// Pulls from the fake hub into a temporary cache: the Hugging Face layout (blobs named like
// huggingface_hub's, relative symlinks, refs), resume after a dropped connection (the retry carries
// Range), corrupt bodies detected by sha256 and fetched again, reuse of blobs already present, and the
// ModelScope routes. Fixture: the tiny qwen2-vl checkpoint (26 MB), read-only.
using QwenVL.Testing;

namespace QwenVL.Hub.Tests;

public sealed class DownloaderTests : IAsyncLifetime
{
    private readonly TempDir _tmp = new();
    private FakeHub _hub = null!;

    public async Task InitializeAsync() => _hub = await FakeHub.StartAsync(Fixtures.Model("qwen2-vl-tiny"));

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        _tmp.Dispose();
    }

    private async Task<(string Folder, HubCache Cache, RepoId Repo)> Pull(HubSource source = HubSource.HuggingFace)
    {
        using var resolver = new ModelResolver(_tmp.Settings(_hub.Endpoint));
        RepoId repo = RepoId.Parse(_hub.Repo) with { Source = source };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string folder = await resolver.PullAsync(repo, ct: cts.Token);
        return (folder, resolver.Cache(source), repo);
    }

    private IEnumerable<HubRequest> BodyRequests(string file) =>
        _hub.Log.Where(r => r.Path == "/cdn/" + Uri.EscapeDataString(file) || r.Path.EndsWith("/resolve/" + FakeHub.Commit + "/" + file, StringComparison.Ordinal));

    [Fact]
    public async Task PullAsync_FreshCache_WritesHuggingFaceLayout()
    {
        (string folder, HubCache cache, RepoId repo) = await Pull();

        string repoDir = Path.Combine(_tmp.Path, "hf", "models--Test--tiny-vl");
        Assert.Equal(Path.Combine(repoDir, "snapshots", FakeHub.Commit), folder);
        Assert.Equal(FakeHub.Commit, File.ReadAllText(Path.Combine(repoDir, "refs", "main")));
        foreach ((string path, byte[] bytes) in _hub.Files)
        {
            string blob = Path.Combine(repoDir, "blobs", _hub.BlobName(path));
            Assert.Equal(bytes, File.ReadAllBytes(blob));
            var link = new FileInfo(Path.Combine(folder, path));
            string expected = string.Concat(Enumerable.Repeat("../", 2 + path.Count(c => c == '/'))) + "blobs/" + _hub.BlobName(path);
            Assert.Equal(expected, link.LinkTarget);
            Assert.Equal(bytes, File.ReadAllBytes(link.FullName));
        }
        Assert.Equal(_hub.Sha256("model.safetensors"), _hub.BlobName("model.safetensors"));
        Assert.Empty(Directory.GetFiles(Path.Combine(repoDir, "blobs"), "*.incomplete"));
        Assert.True(HubCache.IsCompleteCheckpoint(folder));
        Assert.Equal(folder, cache.FindComplete(repo));
    }

    [Fact]
    public async Task PullAsync_ConnectionDroppedMidFile_ResumesWithRange()
    {
        const long cut = 5 << 20;
        _hub.DropOnce["model.safetensors"] = cut;

        (string folder, _, _) = await Pull();

        HubRequest[] bodies = [.. BodyRequests("model.safetensors").Where(r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal))];
        Assert.True(bodies.Length >= 2, $"expected a retry, saw {bodies.Length} body requests");
        Assert.Null(bodies[0].Range);
        Assert.NotNull(bodies[1].Range);
        long from = long.Parse(bodies[1].Range!["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(from, 1, cut);
        Assert.Equal(_hub.Files["model.safetensors"], File.ReadAllBytes(Path.Combine(folder, "model.safetensors")));
    }

    [Fact]
    public async Task PullAsync_CorruptBody_DetectedBySha256AndRefetched()
    {
        _hub.CorruptOnce["model.safetensors"] = true;

        (string folder, _, _) = await Pull();

        HubRequest[] bodies = [.. BodyRequests("model.safetensors").Where(r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal))];
        Assert.Equal(2, bodies.Length);
        Assert.All(bodies, r => Assert.Null(r.Range)); // a failed check restarts from byte 0, never resumes onto bad bytes
        Assert.Equal(_hub.Sha256("model.safetensors"), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, "model.safetensors")))));
    }

    [Fact]
    public async Task PullAsync_CorruptNonLfsFile_DetectedByGitBlobIdAndRefetched()
    {
        _hub.CorruptOnce["tokenizer_config.json"] = true;

        (string folder, _, _) = await Pull();

        Assert.Equal(2, BodyRequests("tokenizer_config.json").Count());
        Assert.Equal(_hub.Files["tokenizer_config.json"], File.ReadAllBytes(Path.Combine(folder, "tokenizer_config.json")));
    }

    [Fact]
    public async Task PullAsync_LeftoverIncompleteFile_ResumesFromItsLength()
    {
        string blobs = Path.Combine(_tmp.Path, "hf", "models--Test--tiny-vl", "blobs");
        Directory.CreateDirectory(blobs);
        File.WriteAllBytes(Path.Combine(blobs, _hub.BlobName("model.safetensors") + ".incomplete"), _hub.Files["model.safetensors"][..1000]);

        (string folder, _, _) = await Pull();

        Assert.Equal("bytes=1000-", Assert.Single(BodyRequests("model.safetensors"), r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal)).Range);
        Assert.Equal(_hub.Files["model.safetensors"], File.ReadAllBytes(Path.Combine(folder, "model.safetensors")));
    }

    [Fact]
    public async Task PullAsync_BlobsAlreadyCached_DownloadsNothing()
    {
        await Pull();
        int before = _hub.Log.Count;

        await Pull();

        HubRequest[] second = [.. _hub.Log.Skip(before)];
        Assert.Single(second); // only the listing
        Assert.StartsWith("/api/models/", second[0].Path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullAsync_TwoPathsSameBytes_FetchesBlobOnceLinksBoth()
    {
        _hub.Files["copy/config.json"] = _hub.Files["config.json"];

        (string folder, _, _) = await Pull();

        Assert.Single(_hub.Log, r => r.Path.EndsWith("/config.json", StringComparison.Ordinal));
        Assert.Equal(_hub.Files["config.json"], File.ReadAllBytes(Path.Combine(folder, "copy", "config.json")));
        Assert.Equal("../../../blobs/" + _hub.GitOid("config.json"), new FileInfo(Path.Combine(folder, "copy", "config.json")).LinkTarget);
    }

    [Fact]
    public async Task PullAsync_ModelScope_UsesItsRoutesAndCache()
    {
        (string folder, HubCache cache, RepoId repo) = await Pull(HubSource.ModelScope);

        Assert.Equal(Path.Combine(_tmp.Path, "ms", "models--Test--tiny-vl", "snapshots", "master"), folder);
        Assert.Contains(_hub.Log, r => r.Path == "/api/v1/models/Test/tiny-vl/repo/files" && r.Query.Contains("Revision=master", StringComparison.Ordinal));
        Assert.Contains(_hub.Log, r => r.Path == "/api/v1/models/Test/tiny-vl/repo" && r.Query.Contains("FilePath=config.json", StringComparison.Ordinal));
        Assert.DoesNotContain(_hub.Log, r => r.Path.Contains("/resolve/", StringComparison.Ordinal));
        foreach ((string path, byte[] bytes) in _hub.Files)
        {
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(folder, path)));
            Assert.True(File.Exists(Path.Combine(_tmp.Path, "ms", "models--Test--tiny-vl", "blobs", _hub.Sha256(path))));
        }
        Assert.Equal(folder, cache.FindComplete(repo));
        Assert.False(Directory.Exists(Path.Combine(_tmp.Path, "hf")));
    }

    [Fact]
    public async Task PullAsync_Include_DownloadsOnlyMatchingFiles()
    {
        using var resolver = new ModelResolver(_tmp.Settings(_hub.Endpoint));

        string folder = await resolver.PullAsync(RepoId.Parse(_hub.Repo), include: ModelResolver.Glob(["*.json"]));

        Assert.True(File.Exists(Path.Combine(folder, "config.json")));
        Assert.False(File.Exists(Path.Combine(folder, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(folder, "extra", "notes.txt")));
        Assert.False(HubCache.IsCompleteCheckpoint(folder));
    }

    [DevFullFact]
    public async Task PullAsync_DiskFull_ReportsPathAndWhatToDo()
    {
        string blobs = Path.Combine(_tmp.Path, "hf", "models--Test--tiny-vl", "blobs");
        Directory.CreateDirectory(blobs);
        string partial = Path.Combine(blobs, _hub.BlobName("model.safetensors") + ".incomplete");
        File.CreateSymbolicLink(partial, "/dev/full"); // every write there fails with ENOSPC, like a full disk

        HubException e = await Assert.ThrowsAsync<HubException>(() => Pull());

        Assert.Equal(HubErrorKind.LocalDisk, e.Kind);
        Assert.Contains("disk full while writing " + partial, e.Message, StringComparison.Ordinal);
        Assert.Contains("HF_HUB_CACHE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullAsync_Progress_CountsEveryByte()
    {
        using var resolver = new ModelResolver(_tmp.Settings(_hub.Endpoint));
        var progress = new PullProgress();

        await resolver.PullAsync(RepoId.Parse(_hub.Repo), progress);

        long total = _hub.Files.Values.Sum(b => (long)b.Length);
        Assert.Equal(total, progress.TotalBytes);
        Assert.Equal(total, progress.DoneBytes);
        Assert.True(progress.Completed);
        Assert.All(progress.Files, f => Assert.True(f.Finished, f.Path));
    }

    [Fact]
    public async Task ListAsync_HfToken_SentAsBearer()
    {
        using var resolver = new ModelResolver(_tmp.Settings(_hub.Endpoint) with { HfToken = "hf_secret" });

        RepoListing listing = await resolver.ListAsync(RepoId.Parse(_hub.Repo));

        Assert.Equal(FakeHub.Commit, listing.Commit);
        Assert.Equal("Bearer hf_secret", Assert.Single(_hub.Log).Authorization);
    }

    [Fact]
    public async Task ListAsync_UnknownRepo_NotFoundNamesRepoAndEndpoint()
    {
        using var resolver = new ModelResolver(_tmp.Settings(_hub.Endpoint));

        HubException e = await Assert.ThrowsAsync<HubException>(() => resolver.ListAsync(RepoId.Parse("Test/nope")));

        Assert.Equal(HubErrorKind.NotFound, e.Kind);
        Assert.Contains("Test/nope", e.Message, StringComparison.Ordinal);
        Assert.Contains(_hub.Endpoint, e.Message, StringComparison.Ordinal);
    }
}

/// <summary>A fact skipped, with the reason shown, where there is no /dev/full (not Linux) to play a full disk.</summary>
public sealed class DevFullFactAttribute : FactAttribute
{
    public DevFullFactAttribute()
    {
        if (!File.Exists("/dev/full"))
        {
            Skip = "needs Linux's /dev/full";
        }
    }
}
