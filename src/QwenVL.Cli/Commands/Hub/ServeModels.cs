// Model preparation for `qwenvl serve`: folders and cached hub models load before the server starts;
// missing hub models download in the background after it starts, so the page comes up at once and shows
// progress through GET /setup. With no --model at all the default model (Qwen/Qwen2.5-VL-3B-Instruct) is
// used and fetched without a prompt (the README's first command is the consent); offline, the server still
// runs and the page explains how to get a model. It does not retry a failed download by itself.
using QwenVL.Engine;
using QwenVL.Hub;
using QwenVL.Models;
using QwenVL.Server;

namespace QwenVL.Cli.Commands;

/// <summary>Which served models are ready now and which come later.</summary>
public sealed class ServeModels
{
    private ServeModels(List<ModelSpec> ready, List<(string Name, ResolvedModel Model)> pending)
    {
        Ready = ready;
        Pending = pending;
    }

    /// <summary>Specs whose folders exist now (folders or complete snapshots).</summary>
    public IReadOnlyList<ModelSpec> Ready { get; }

    /// <summary>Served names still to download.</summary>
    public IReadOnlyList<(string Name, ResolvedModel Model)> Pending { get; }

    /// <summary>Resolves every --model; with none, the default alias. Asks (terminal) or needs --yes for explicit missing models.</summary>
    public static async Task<ServeModels> PrepareAsync(IReadOnlyList<ModelSpec> specs, bool yes, CancellationToken ct)
    {
        using var resolver = new ModelResolver();
        bool firstRun = specs.Count == 0;
        if (firstRun)
        {
            ResolvedModel d = resolver.Resolve("default");
            specs = [new ModelSpec(d.Repo?.Name ?? "default", "default")];
        }
        var ready = new List<ModelSpec>();
        var pending = new List<(string, ResolvedModel)>();
        foreach (ModelSpec spec in specs)
        {
            ResolvedModel r = resolver.Resolve(spec.Folder);
            if (r.Location != ModelLocation.Missing)
            {
                ready.Add(spec with { Folder = r.Folder! });
                continue;
            }
            if (!yes && !firstRun)
            {
                if (!HubCommands.Interactive)
                {
                    throw ModelResolver.NotDownloaded(r, null);
                }
                RepoListing listing = await resolver.ListAsync(r.Repo!, ct).ConfigureAwait(false);
                if (!HubCommands.Confirm($"qwenvl: {spec.Folder} is not downloaded. Download {r.Repo} ({Downloader.Bytes(listing.TotalBytes)}) in the background while serving? [y/N] "))
                {
                    throw ModelResolver.NotDownloaded(r, listing);
                }
            }
            pending.Add((spec.Name, r));
        }
        return new ServeModels(ready, pending);
    }

    /// <summary>Starts the background downloads; disposing the result cancels them and waits for them to stop.</summary>
    public IAsyncDisposable Start(ModelCatalog catalog, ModelLoadOptions load, EngineOptions engine)
    {
        var stop = new CancellationTokenSource();
        Task work = Pending.Count == 0 ? Task.CompletedTask : Task.Run(() => RunAsync(catalog, load, engine, stop.Token));
        return new Background(stop, work);
    }

    private async Task RunAsync(ModelCatalog catalog, ModelLoadOptions load, EngineOptions engine, CancellationToken ct)
    {
        using var resolver = new ModelResolver();
        foreach ((string name, ResolvedModel model) in Pending)
        {
            RepoId repo = model.Repo!;
            string endpoint = resolver.Settings.Endpoint(repo.Source);
            try
            {
                catalog.Setup = new ModelSetupState("downloading", $"listing {repo} on {endpoint}", name);
                RepoListing listing = await resolver.ListAsync(repo, ct).ConfigureAwait(false);
                string where = resolver.Settings.CacheRoot(repo.Source);
                await Console.Error.WriteLineAsync($"qwenvl: downloading {repo} ({Downloader.Bytes(listing.TotalBytes)}) from {endpoint} into {where}; the page shows progress").ConfigureAwait(false);
                var progress = new PullProgress();
                Task<string> pull = resolver.PullAsync(listing, progress, null, ct);
                while (!pull.IsCompleted)
                {
                    catalog.Setup = new ModelSetupState("downloading", $"downloading {repo} from {endpoint} into {where}", name, progress.DoneBytes, progress.TotalBytes);
                    await Task.WhenAny(pull, Task.Delay(500, ct)).ConfigureAwait(false);
                }
                string folder = await pull.ConfigureAwait(false);
                catalog.Setup = new ModelSetupState("loading", $"loading {folder}", name, listing.TotalBytes, listing.TotalBytes);
                InferenceEngine loaded = InferenceEngine.Load(folder, load, engine);
                catalog.Attach(name, loaded);
                await Console.Error.WriteLineAsync($"qwenvl: {name} is ready").ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A background task's boundary: whatever failed (hub, disk, a bad checkpoint), the server keeps running
                // without this model and the page shows the message and the ways out.
                catalog.Setup = new ModelSetupState("failed", e.Message, name);
                await Console.Error.WriteLineAsync($"qwenvl: error: {name}: {e.Message}").ConfigureAwait(false);
                return;
            }
        }
        catalog.Setup = new ModelSetupState("ready", "ready");
    }

    private sealed class Background(CancellationTokenSource stop, Task work) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await work.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // stopping is the point
            }
            stop.Dispose();
        }
    }
}
