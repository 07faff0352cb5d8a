// The hub commands and hub names as a user meets them, through the real `qwenvl` process with its own
// HF_HUB_CACHE / QWENVL_CONFIG_DIR in a temp folder and HF_ENDPOINT on a refused 127.0.0.1 port, so no
// test reaches the internet. Downloads themselves are covered against a fake hub in QwenVL.Hub.Tests.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using QwenVL.Hub;
using QwenVL.Testing;

namespace QwenVL.Cli.Tests;

public sealed class HubCliTests : IDisposable
{
    private readonly string _tmp = Path.Combine(Path.GetTempPath(), "qwenvl-hubcli-" + Guid.NewGuid().ToString("N"));
    private readonly string _refused = $"http://127.0.0.1:{RefusedPort()}";

    public HubCliTests() => Directory.CreateDirectory(_tmp);

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    [Fact]
    public async Task List_EmptyCache_PrintsEmptyJsonArray()
    {
        CliResult r = await Run("list", "--json");

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("[]", r.Stdout.Trim());
    }

    [Fact]
    public async Task List_CachedModel_ShowsRepoRevisionSizeAndPath()
    {
        string snapshot = CacheFixture("Org/tiny");

        CliResult r = await Run("list", "--json");

        JsonElement item = Assert.Single(JsonDocument.Parse(r.Stdout).RootElement.EnumerateArray());
        Assert.Equal("Org/tiny", item.GetProperty("repo").GetString());
        Assert.Equal("main", item.GetProperty("revision").GetString());
        Assert.Equal(snapshot, item.GetProperty("path").GetString());
        Assert.True(item.GetProperty("complete").GetBoolean());
        Assert.Equal(Directory.GetFiles(Fixtures.Model("qwen2-vl-tiny")).Sum(f => new FileInfo(f).Length), item.GetProperty("size_bytes").GetInt64());
    }

    [Fact]
    public async Task Run_CachedHubId_LoadsSnapshot()
    {
        CacheFixture("Org/tiny");

        CliResult r = await Run("run", "--model", "Org/tiny", "--prompt", "hi", "--max-tokens", "2", "--temperature", "0", "--json");

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(2, JsonDocument.Parse(r.Stdout).RootElement.GetProperty("token_ids").GetArrayLength());
    }

    [Fact]
    public async Task Run_MissingHubModelWithoutYes_ExitsWithPullCommand()
    {
        CliResult r = await Run("run", "--model", "Org/absent", "--prompt", "hi");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("qwenvl pull Org/absent", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--yes", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingHubModelWithYesOffline_NamesEndpoint()
    {
        CliResult r = await Run("run", "--model", "qwen-vl-plus", "--prompt", "hi", "--yes");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"cannot reach {_refused}", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("HF_ENDPOINT", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_RefusedPort_OneLineNamingEndpoint()
    {
        CliResult r = await Run("pull", "Qwen/Qwen2.5-VL-3B-Instruct");

        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains($"cannot reach {_refused}", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rm_WithoutYesNonInteractive_RefusesThenYesDeletes()
    {
        string snapshot = CacheFixture("Org/tiny");

        CliResult refused = await Run("rm", "Org/tiny");
        bool keptAfterRefusal = Directory.Exists(snapshot);
        CliResult deleted = await Run("rm", "Org/tiny", "--yes");

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--yes", refused.Stderr, StringComparison.Ordinal);
        Assert.True(keptAfterRefusal);
        Assert.Equal(0, deleted.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(_tmp, "hf", "models--Org--tiny")));
    }

    [Fact]
    public async Task Serve_NoModelOffline_StartsAndSetupExplains()
    {
        await using var serve = await Serve();

        JsonElement setup = await serve.WaitForSetup(s => s.GetProperty("phase").GetString() == "failed");

        Assert.Contains($"cannot reach {_refused}", setup.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("Qwen2.5-VL-3B-Instruct", setup.GetProperty("model").GetString());
        using var http = new HttpClient();
        HttpResponseMessage chat = await http.PostAsync(serve.Url + "v1/chat/completions", new StringContent("""{"messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, chat.StatusCode);
        Assert.Contains("setup.js", await http.GetStringAsync(serve.Url), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_NoModelDefaultAliasCached_ServesIt()
    {
        CacheFixture("Org/tiny");
        Directory.CreateDirectory(Path.Combine(_tmp, "config"));
        File.WriteAllText(Path.Combine(_tmp, "config", "aliases.json"), """{"default": "Org/tiny"}""");
        await using var serve = await Serve();

        using var http = new HttpClient();
        string models = await http.GetStringAsync(serve.Url + "v1/models");
        JsonElement setup = await serve.WaitForSetup(_ => true);

        Assert.Contains("\"tiny\"", models, StringComparison.Ordinal);
        Assert.Equal("ready", setup.GetProperty("phase").GetString());
    }

    private string CacheFixture(string repoId)
    {
        var cache = new HubCache(Path.Combine(_tmp, "hf"));
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

    private ProcessStartInfo Start(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "qwenvl.dll"));
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["HF_HUB_CACHE"] = Path.Combine(_tmp, "hf");
        psi.Environment["QWENVL_MODELSCOPE_CACHE"] = Path.Combine(_tmp, "ms");
        psi.Environment["QWENVL_CONFIG_DIR"] = Path.Combine(_tmp, "config");
        psi.Environment["HF_ENDPOINT"] = _refused;
        psi.Environment["MODELSCOPE_DOMAIN"] = _refused;
        psi.Environment.Remove("HF_TOKEN");
        psi.Environment.Remove("HF_HUB_OFFLINE");
        return psi;
    }

    private async Task<CliResult> Run(params string[] args)
    {
        using Process p = Process.Start(Start(args))!;
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(timeout.Token);
        return new CliResult(p.ExitCode, await stdout, await stderr);
    }

    private async Task<ServeProcess> Serve()
    {
        Process p = Process.Start(Start(["serve", "--port", "0"]))!;
        p.StandardInput.Close();
        _ = p.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await p.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            int at = line.IndexOf(" at http://", StringComparison.Ordinal);
            if (line.StartsWith("qwenvl: serving", StringComparison.Ordinal) && at > 0)
            {
                _ = p.StandardError.ReadToEndAsync();
                return new ServeProcess(p, line[(at + 4)..line.IndexOf(' ', at + 4)]);
            }
        }
        p.Kill(entireProcessTree: true);
        throw new InvalidOperationException("serve exited before listening");
    }

    private static int RefusedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private sealed class ServeProcess(Process process, string url) : IAsyncDisposable
    {
        public string Url { get; } = url;

        /// <summary>Polls GET /setup (every 200 ms, at most 30 s) until <paramref name="done"/> holds.</summary>
        public async Task<JsonElement> WaitForSetup(Func<JsonElement, bool> done)
        {
            using var http = new HttpClient();
            JsonElement last = default;
            for (int i = 0; i < 150; i++)
            {
                last = JsonDocument.Parse(await http.GetStringAsync(Url + "setup")).RootElement;
                if (done(last))
                {
                    return last;
                }
                await Task.Delay(200);
            }
            throw new Xunit.Sdk.XunitException($"setup never reached the expected state; last: {last}");
        }

        public async ValueTask DisposeAsync()
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }
}
