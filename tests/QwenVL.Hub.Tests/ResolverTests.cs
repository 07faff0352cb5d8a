// What --model means: an existing folder, a cached hub id, an alias (built-in or aliases.json), a
// missing id (with the pull command to fix it), and the unreachable-hub message (a refused port on
// 127.0.0.1, so no test leaves the machine). Also the environment variables HubSettings reads.
using System.Net;
using System.Net.Sockets;
using QwenVL.Testing;

namespace QwenVL.Hub.Tests;

public sealed class ResolverTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private ModelResolver Resolver(string endpoint = "http://127.0.0.1:9") => new(_tmp.Settings(endpoint));

    /// <summary>Lays out a snapshot of the fixture checkpoint the way huggingface_hub does, without a hub.</summary>
    private string CacheFixture(string repoId)
    {
        var cache = new HubCache(Path.Combine(_tmp.Path, "hf"));
        RepoId repo = RepoId.Parse(repoId);
        foreach (string file in Directory.GetFiles(Fixtures.Model("qwen2-vl-tiny")))
        {
            string blob = "blob-" + Path.GetFileName(file);
            Directory.CreateDirectory(Path.GetDirectoryName(cache.BlobPath(repo, blob))!);
            File.Copy(file, cache.BlobPath(repo, blob));
            cache.Link(repo, "c0ffee", Path.GetFileName(file), blob);
        }
        cache.WriteRef(repo, "main", "c0ffee");
        return cache.SnapshotFolder(repo, "c0ffee");
    }

    [Fact]
    public void Resolve_ExistingFolder_IsFolder()
    {
        using ModelResolver r = Resolver();

        ResolvedModel m = r.Resolve(Fixtures.Model("qwen2-vl-tiny"));

        Assert.Equal(ModelLocation.Folder, m.Location);
        Assert.Equal(Fixtures.Model("qwen2-vl-tiny"), m.Folder);
        Assert.Null(m.Repo);
    }

    [Fact]
    public void Resolve_CachedHubId_IsSnapshotFolder()
    {
        string snapshot = CacheFixture("Org/tiny");
        using ModelResolver r = Resolver();

        ResolvedModel m = r.Resolve("Org/tiny");

        Assert.Equal(ModelLocation.Cached, m.Location);
        Assert.Equal(snapshot, m.Folder);
    }

    [Fact]
    public void Resolve_AliasFromConfigFile_FollowsTarget()
    {
        string snapshot = CacheFixture("Org/tiny");
        Directory.CreateDirectory(Path.Combine(_tmp.Path, "config"));
        File.WriteAllText(Path.Combine(_tmp.Path, "config", "aliases.json"), """{ "mine": "Org/tiny", "qwen-vl-plus": "Org/other@v2" }""");
        using ModelResolver r = Resolver();

        ResolvedModel mine = r.Resolve("mine");
        ResolvedModel plus = r.Resolve("qwen-vl-plus");

        Assert.Equal((ModelLocation.Cached, snapshot), (mine.Location, mine.Folder));
        Assert.Equal(ModelLocation.Missing, plus.Location);
        Assert.Equal(new RepoId("Org", "other", "v2"), plus.Repo);
        Assert.Equal("qwenvl pull Org/other --revision v2", plus.PullCommand);
    }

    [Theory]
    [InlineData("default", "Qwen/Qwen2.5-VL-3B-Instruct")]
    [InlineData("qwen-vl-plus", "Qwen/Qwen2.5-VL-7B-Instruct")]
    [InlineData("qwen-vl-max", "Qwen/Qwen2.5-VL-72B-Instruct")]
    public void Resolve_BuiltInAlias_MapsToQwenRepo(string alias, string repo)
    {
        using ModelResolver r = Resolver();

        ResolvedModel m = r.Resolve(alias);

        Assert.Equal(ModelLocation.Missing, m.Location);
        Assert.Equal(repo, m.Repo!.Id);
    }

    [Fact]
    public void Resolve_MissingIdWithModelScopePrefix_PullCommandNamesSource()
    {
        using ModelResolver r = Resolver();

        ResolvedModel m = r.Resolve("ms:Org/absent");

        Assert.Equal(ModelLocation.Missing, m.Location);
        Assert.Equal("qwenvl pull Org/absent --source modelscope", m.PullCommand);
        Assert.Contains("qwenvl pull Org/absent", ModelResolver.NotDownloaded(m, null).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_SnapshotMissingWeights_IsMissingNotCached()
    {
        string snapshot = CacheFixture("Org/tiny");
        File.Delete(new FileInfo(Path.Combine(snapshot, "model.safetensors")).ResolveLinkTarget(true)!.FullName); // dangling link now
        using ModelResolver r = Resolver();

        Assert.Equal(ModelLocation.Missing, r.Resolve("Org/tiny").Location);
    }

    [Fact]
    public void Load_MalformedAliasFile_NamesFileAndLine()
    {
        Directory.CreateDirectory(Path.Combine(_tmp.Path, "config"));
        string file = Path.Combine(_tmp.Path, "config", "aliases.json");
        File.WriteAllText(file, "{\n  \"a\": \"Org/x\",\n  \"b\": oops\n}");

        HubException e = Assert.Throws<HubException>(() => ModelAliases.Load(Path.Combine(_tmp.Path, "config")));

        Assert.Contains(file + ", line 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_RefusedPort_SaysEndpointAndWhatToDo()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now: connection refused
        using ModelResolver r = Resolver($"http://127.0.0.1:{port}");

        HubException e = await Assert.ThrowsAsync<HubException>(() => r.ListAsync(RepoId.Parse("Qwen/Qwen2.5-VL-3B-Instruct")));

        Assert.Equal(HubErrorKind.Unreachable, e.Kind);
        Assert.Contains($"cannot reach http://127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        Assert.Contains("HF_ENDPOINT", e.Message, StringComparison.Ordinal);
        Assert.Contains("--source modelscope", e.Message, StringComparison.Ordinal);
        Assert.Contains("--model DIR", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_OfflineMode_FailsWithoutNetwork()
    {
        using var r = new ModelResolver(_tmp.Settings("http://127.0.0.1:9") with { Offline = true });

        HubException e = await Assert.ThrowsAsync<HubException>(() => r.ListAsync(RepoId.Parse("Org/x")));

        Assert.Contains("HF_HUB_OFFLINE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_HfHome_PlacesCacheTokenAndEndpoint()
    {
        string hfHome = Path.Combine(_tmp.Path, "hfhome");
        Directory.CreateDirectory(hfHome);
        File.WriteAllText(Path.Combine(hfHome, "token"), "hf_fromfile\n");
        var env = new Dictionary<string, string> { ["HF_HOME"] = hfHome, ["HF_ENDPOINT"] = "https://mirror.example/", ["HOME"] = _tmp.Path, ["MODELSCOPE_DOMAIN"] = "modelscope.example" };

        HubSettings s = HubSettings.FromEnvironment(env.GetValueOrDefault);

        Assert.Equal(Path.Combine(hfHome, "hub"), s.HfCache);
        Assert.Equal("hf_fromfile", s.HfToken);
        Assert.Equal("https://mirror.example", s.HfEndpoint);
        Assert.Equal("https://modelscope.example", s.ModelScopeEndpoint);
        Assert.Equal(Path.Combine(_tmp.Path, ".config", "qwenvl"), s.ConfigDir);
        Assert.False(s.Offline);
    }

    [Fact]
    public void FromEnvironment_HubCacheAndToken_OverrideHome()
    {
        var env = new Dictionary<string, string> { ["HF_HOME"] = "/x/hf", ["HF_HUB_CACHE"] = "/y/cache", ["HF_TOKEN"] = "hf_env", ["HOME"] = "/home/u", ["HF_HUB_OFFLINE"] = "1" };

        HubSettings s = HubSettings.FromEnvironment(env.GetValueOrDefault);

        Assert.Equal("/y/cache", s.HfCache);
        Assert.Equal("hf_env", s.HfToken);
        Assert.Equal("https://huggingface.co", s.HfEndpoint);
        Assert.True(s.Offline);
    }

    [Theory]
    [InlineData("Qwen/Qwen2.5-VL-3B-Instruct", "Qwen", "Qwen2.5-VL-3B-Instruct", null)]
    [InlineData("Qwen/Qwen2-VL-2B-Instruct@refs/pr/1", "Qwen", "Qwen2-VL-2B-Instruct", "refs/pr/1")]
    public void TryParse_RepoIds_SplitsParts(string text, string org, string name, string? rev)
    {
        RepoId id = RepoId.TryParse(text)!;

        Assert.Equal((org, name, rev), (id.Org, id.Name, id.Revision));
        Assert.Equal($"models--{org}--{name}", id.CacheFolderName);
    }

    [Theory]
    [InlineData("justaname")]
    [InlineData("a/b/c")]
    [InlineData("../x")]
    [InlineData("Org/na me")]
    public void TryParse_NotRepoIds_Null(string text) => Assert.Null(RepoId.TryParse(text));

    [Theory]
    [InlineData("*.json", "config.json", true)]
    [InlineData("*.json", "extra/a.json", false)]
    [InlineData("**.json", "extra/a.json", true)]
    [InlineData("model-?????-of-*.safetensors", "model-00001-of-00002.safetensors", true)]
    [InlineData("*.safetensors", "model.safetensors.index.json", false)]
    public void Glob_Patterns_MatchLikeShell(string pattern, string path, bool expected) =>
        Assert.Equal(expected, ModelResolver.Glob([pattern])(path));

    [Fact]
    public void CacheListAndRemove_ClonedSnapshot_ReportsThenDeletes()
    {
        CacheFixture("Org/tiny");
        var cache = new HubCache(Path.Combine(_tmp.Path, "hf"));

        CachedModel m = Assert.Single(cache.List());
        long expected = Directory.GetFiles(Fixtures.Model("qwen2-vl-tiny")).Sum(f => new FileInfo(f).Length);

        Assert.Equal(("Org/tiny", "main", "c0ffee", true), (m.Repo, m.Revision, m.Commit, m.Complete));
        Assert.Equal(expected, m.SizeBytes);
        Assert.Equal(expected, cache.Remove(RepoId.Parse("Org/tiny")));
        Assert.Empty(cache.List());
    }
}
