// `qwenvl serve`: loads one or more checkpoints and serves the OpenAI and DashScope APIs, the web
// page, /health and /metrics until Ctrl+C or SIGTERM (then shuts down gracefully). Only argument
// handling lives here; the server itself is QwenVL.Server.
using System.CommandLine;
using QwenVL.Engine;
using QwenVL.Models;
using QwenVL.Server;

namespace QwenVL.Cli.Commands;

/// <summary>The serve command.</summary>
public static class ServeCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var defaults = new ServerOptions();
        var models = new Option<string[]>("--model", "-m")
        {
            Description = "checkpoint folder, hub id ORG/NAME[@REV] or alias, served under its last name part, or ALIAS=MODEL (repeatable; the first is the default and answers qwen-vl-plus/qwen-vl-max unless aliased). " +
                "None: Qwen/Qwen2.5-VL-3B-Instruct, downloaded in the background on first use while the page shows progress",
        };
        var host = new Option<string>("--host") { Description = "address to listen on (0.0.0.0 for every interface)", DefaultValueFactory = _ => defaults.Host };
        var port = new Option<int>("--port") { Description = "TCP port (0 = any free port)", DefaultValueFactory = _ => defaults.Port };
        var apiKey = new Option<string?>("--api-key") { Description = "require 'Authorization: Bearer KEY' on every API route (not /health or the page)" };
        var concurrency = new Option<int>("--max-concurrency") { Description = "requests generating at once", DefaultValueFactory = _ => defaults.MaxConcurrency };
        var queue = new Option<int>("--max-queue") { Description = "requests waiting for a slot before 429", DefaultValueFactory = _ => defaults.MaxQueue };
        var maxPixels = new Option<long>("--max-image-pixels") { Description = "largest decoded image accepted (pixels, before resizing)", DefaultValueFactory = _ => defaults.MaxImagePixels };
        var allowPrivate = new Option<bool>("--allow-private-urls") { Description = "let image URLs reach loopback, private and link-local addresses" };
        var timeout = new Option<double>("--timeout") { Description = "per-request time limit in seconds", DefaultValueFactory = _ => defaults.RequestTimeout.TotalSeconds };
        Option<int> threads = CommonOptions.Threads();
        Option<string> backend = CommonOptions.Backend();
        var command = new Command("serve", "serve OpenAI- and DashScope-compatible HTTP APIs and a web chat page")
        {
            models, host, port, apiKey, concurrency, queue, maxPixels, allowPrivate, timeout, threads, backend,
        };
        command.SetAction((p, ct) => CliErrors.Guard(async () =>
        {
            ServerOptions options;
            ModelSpec[] specs;
            try
            {
                specs = [.. (p.GetValue(models) ?? []).Select(ModelSpec.Parse)];
                if (specs.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
                {
                    throw new ArgumentException($"model name '{twice.Key}' is given twice; use ALIAS=DIR to tell them apart");
                }
                double seconds = p.GetValue(timeout);
                options = defaults with
                {
                    Host = p.GetValue(host)!,
                    Port = p.GetValue(port),
                    ApiKey = p.GetValue(apiKey),
                    MaxConcurrency = p.GetValue(concurrency),
                    MaxQueue = p.GetValue(queue),
                    MaxImagePixels = p.GetValue(maxPixels),
                    AllowPrivateUrls = p.GetValue(allowPrivate),
                    RequestTimeout = seconds is > 0 and < 1e7 ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero,
                };
                options.Validate();
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException(e.Message);
            }
            var engine = new EngineOptions { MaxBatch = Math.Clamp(options.MaxConcurrency, 1, 16) };
            var load = new ModelLoadOptions { Threads = p.GetValue(threads), Backend = p.GetValue(backend)! };
            ServeModels plan = await ServeModels.PrepareAsync(specs, p.GetValue(HubCommands.Yes), ct);
            ModelCatalog catalog = plan.Ready.Count > 0 ? ModelCatalog.Load(plan.Ready, load, engine) : ModelCatalog.Empty();
            QwenVLServer server;
            try
            {
                server = QwenVLServer.Create(options, catalog, ownsModels: true);
            }
            catch (ArgumentException e)
            {
                catalog.Dispose();
                throw new CliUsageException(e.Message);
            }
            await using (server)
            {
                await server.StartAsync(ct);
                await using IAsyncDisposable downloads = plan.Start(catalog, load, engine);
                await Console.Error.WriteLineAsync($"qwenvl: serving {string.Join(", ", [.. catalog.Names, .. plan.Pending.Select(m => m.Name + " (downloading)")])} at {server.BaseAddress} (Ctrl+C to stop)");
                await server.WaitForShutdownAsync(ct);
            }
            return 0;
        }));
        return command;
    }
}
