// The singletons every route shares: options, models, the admission queue, the image fetcher,
// metrics, JSON settings and the drain token that cancels generations once the shutdown grace
// period is over. Built once per server by QwenVLServer; nothing here handles HTTP.
using System.Text.Json;
using Microsoft.Extensions.Logging;
using QwenVL.Server.Images;
using QwenVL.Server.Operations;

namespace QwenVL.Server.Hosting;

/// <summary>Shared state of one server.</summary>
internal sealed class ServerState : IDisposable
{
    private readonly CancellationTokenSource _drain = new();

    public ServerState(ServerOptions options, ModelCatalog models, ILogger logger)
    {
        Options = options;
        Models = models;
        Logger = logger;
        Admission = new AdmissionQueue(options.MaxConcurrency, options.MaxQueue);
        Fetcher = new ImageFetcher(options.MaxImageBytes, options.ImageConnectTimeout, options.ImageFetchTimeout, options.MaxRedirects,
            options.AllowPrivateUrls ? _ => true : null);
        Metrics = new ServerMetrics(() => Admission.Waiting, () => Admission.InFlight);
    }

    /// <summary>snake_case, nulls written (OpenAI clients expect e.g. "finish_reason": null).</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public ServerOptions Options { get; }

    public ILogger Logger { get; }

    /// <summary>Unix time the server started (the "created" of /v1/models).</summary>
    public long Started { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public ModelCatalog Models { get; }

    public AdmissionQueue Admission { get; }

    public ImageFetcher Fetcher { get; }

    public ServerMetrics Metrics { get; }

    /// <summary>Cancelled when the shutdown grace period ends.</summary>
    public CancellationToken Drain => _drain.Token;

    /// <summary>Stops admitting requests and cancels the rest after the grace period.</summary>
    public void BeginShutdown()
    {
        Admission.Close();
        _drain.CancelAfter(Options.ShutdownGrace);
    }

    public void Dispose()
    {
        _drain.Dispose();
        Fetcher.Dispose();
        Admission.Dispose();
    }
}

/// <summary>What the request log line and metrics learn about one request (kept in HttpContext.Items).</summary>
internal sealed class RequestRecord
{
    public const string Key = "qwenvl.request";

    public string? Model { get; set; }

    public int? PromptTokens { get; set; }

    public int? ImageTokens { get; set; }

    public int? CompletionTokens { get; set; }

    public double? TimeToFirstTokenMs { get; set; }

    public string? Finish { get; set; }

    public string? Error { get; set; }
}
