// Everything `qwenvl serve` can be told: where to listen, the API key, admission limits, image
// fetching limits and timeouts. Plain data with defaults; parsing command lines is the CLI's job and
// loading checkpoints is ModelCatalog's.
using Microsoft.Extensions.Logging;

namespace QwenVL.Server;

/// <summary>Options of one server instance.</summary>
public sealed record ServerOptions
{
    /// <summary>Address to listen on: an IP literal, "localhost", or "0.0.0.0"/"::" for every interface.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (see <see cref="QwenVLServer.BaseAddress"/>).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>When set, every route but /health and the static page needs <c>Authorization: Bearer KEY</c>.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Requests generating at once; more wait in the queue.</summary>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>Requests waiting for a slot; beyond this a request gets 429.</summary>
    public int MaxQueue { get; init; } = 32;

    /// <summary>Largest decoded image (pixels) accepted before resizing.</summary>
    public long MaxImagePixels { get; init; } = 100_000_000;

    /// <summary>Largest image (bytes) fetched from a URL or decoded from a data: URL.</summary>
    public long MaxImageBytes { get; init; } = 20L << 20;

    /// <summary>Largest request body (bytes).</summary>
    public long MaxRequestBytes { get; init; } = 64L << 20;

    /// <summary>Fetch images from loopback, private, link-local and metadata addresses too.</summary>
    public bool AllowPrivateUrls { get; init; }

    /// <summary>TCP connect timeout for image URLs.</summary>
    public TimeSpan ImageConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whole-download timeout for one image URL (redirects included).</summary>
    public TimeSpan ImageFetchTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Redirects followed per image URL.</summary>
    public int MaxRedirects { get; init; } = 3;

    /// <summary>Longest a request may take, queueing and generation included.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>On shutdown, how long in-flight requests may finish before they are cancelled.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>max_tokens when a request gives none.</summary>
    public int DefaultMaxTokens { get; init; } = 2048;

    /// <summary>Replaces the default console logging (one line per request) when set.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Checks ranges; throws <see cref="ArgumentException"/> naming the option.</summary>
    public void Validate()
    {
        if (Host is not ("0.0.0.0" or "*" or "+" or "::" or "[::]") && !string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase)
            && !System.Net.IPAddress.TryParse(Host.Trim('[', ']'), out _))
        {
            throw new ArgumentException($"--host must be an IP address, localhost or 0.0.0.0, got '{Host}'");
        }
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"--port must be in [0, 65535], got {Port}");
        }
        if (MaxConcurrency < 1)
        {
            throw new ArgumentException($"--max-concurrency must be at least 1, got {MaxConcurrency}");
        }
        if (MaxQueue < 0)
        {
            throw new ArgumentException($"--max-queue must be >= 0, got {MaxQueue}");
        }
        if (MaxImagePixels < 1 || MaxImageBytes < 1)
        {
            throw new ArgumentException("--max-image-pixels and the image byte limit must be positive");
        }
        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"--timeout must be positive, got {RequestTimeout.TotalSeconds} s");
        }
        if (ApiKey is { Length: 0 })
        {
            throw new ArgumentException("--api-key must not be empty");
        }
    }
}
