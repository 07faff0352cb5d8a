// The `qwenvl serve` web application: Kestrel on one address, the request pipeline (logging,
// metrics, API key, error containment), the embedded web page at /, and the OpenAI, DashScope and
// operations route groups. Shutdown stops accepting, lets in-flight requests finish for the grace
// period, then cancels them. Loading checkpoints is ModelCatalog's job, not this class's.
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QwenVL.Server.DashScope;
using QwenVL.Server.Hosting;
using QwenVL.Server.OpenAi;
using QwenVL.Server.Operations;

namespace QwenVL.Server;

/// <summary>An HTTP server over loaded models.</summary>
public sealed class QwenVLServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServerState _state;
    private readonly ModelCatalog _models;
    private readonly bool _ownsModels;
    private bool _started;

    private QwenVLServer(WebApplication app, ServerState state, ModelCatalog models, bool ownsModels)
    {
        _app = app;
        _state = state;
        _models = models;
        _ownsModels = ownsModels;
    }

    /// <summary>Metrics of this server.</summary>
    public ServerMetrics Metrics => _state.Metrics;

    /// <summary>The address clients use, e.g. http://127.0.0.1:8080/ (after <see cref="StartAsync"/>).</summary>
    public Uri BaseAddress
    {
        get
        {
            string address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var uri = new Uri(address.Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal).Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal));
            return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
        }
    }

    /// <summary>Builds a server; disposes <paramref name="models"/> with itself only when <paramref name="ownsModels"/>.</summary>
    public static QwenVLServer Create(ServerOptions options, ModelCatalog models, bool ownsModels = false)
    {
        options.Validate();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(QwenVLServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Logging.ClearProviders();
        if (options.ConfigureLogging is { } configure)
        {
            configure(builder.Logging);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        }
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            Listen(k, options.Host, options.Port);
        });
        // Kestrel waits this long for in-flight requests; the drain token cancels them a little earlier.
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownGrace + TimeSpan.FromSeconds(5));
        builder.Services.Configure<JsonOptions>(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
        builder.Services.AddSingleton(sp => new ServerState(options, models, sp.GetRequiredService<ILoggerFactory>().CreateLogger("QwenVL.Server")));

        WebApplication app = builder.Build();
        ServerState state = app.Services.GetRequiredService<ServerState>();
        app.Lifetime.ApplicationStopping.Register(state.BeginShutdown);
        app.UseMiddleware<RequestPipeline>();
        var files = new ManifestEmbeddedFileProvider(typeof(QwenVLServer).Assembly, "wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        OperationsRoutes.Map(app);
        OpenAiRoutes.Map(app);
        DashScopeRoutes.Map(app);
        // Unprotected like the page itself: it says whether a model is ready and, if not, how to get one.
        app.MapGet("/setup", () => TypedResults.Ok(models.Setup ?? new ModelSetupState(models.Names.Count > 0 ? "ready" : "none",
            models.Names.Count > 0 ? "ready" : "no model is loaded; restart with --model DIR (or a hub id after `qwenvl pull ID`)")));
        return new QwenVLServer(app, state, models, ownsModels);
    }

    /// <summary>Starts listening.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        _started = true;
    }

    /// <summary>After <see cref="StartAsync"/>: waits until <paramref name="cancellationToken"/> is cancelled or the host is told to stop (Ctrl+C, SIGTERM), then stops gracefully.</summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken = default)
    {
        await _app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        _started = false;
    }

    /// <summary>Graceful stop: refuse new requests, finish or cancel in-flight ones within the grace period.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_started)
        {
            _started = false;
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _state.Dispose();
        if (_ownsModels)
        {
            _models.Dispose();
        }
    }

    private static void Listen(KestrelServerOptions k, string host, int port)
    {
        if (host is "0.0.0.0" or "*" or "+" or "::" or "[::]")
        {
            k.ListenAnyIP(port);
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            // Kestrel cannot bind "localhost" to a dynamic port; port 0 means IPv4 loopback.
            if (port == 0)
            {
                k.Listen(IPAddress.Loopback, 0);
            }
            else
            {
                k.ListenLocalhost(port);
            }
        }
        else if (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? ip))
        {
            k.Listen(ip, port);
        }
        else
        {
            throw new ArgumentException($"--host must be an IP address, localhost or 0.0.0.0, got '{host}'");
        }
    }
}
