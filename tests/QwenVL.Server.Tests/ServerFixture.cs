// One tiny checkpoint loaded once for every server test, served by several real Kestrel servers on
// 127.0.0.1 free ports that differ only in options (private URLs allowed or not, one slot and no
// queue, an API key, a 1 s timeout), plus an image host on 127.0.0.1. Nothing listens elsewhere.
using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using QwenVL.Engine;
using QwenVL.Testing;
using SkiaSharp;

namespace QwenVL.Server.Tests;

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}

/// <summary>Shared servers over one engine.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string ModelName = "qwen2-vl-tiny";
    public const string ApiKey = "test-key-123";

    private readonly List<QwenVLServer> _servers = [];
    private InferenceEngine _engine = null!;

    /// <summary>A 56x56 PNG: 4 image tokens (2x2 after merging) plus vision start and end.</summary>
    public static byte[] SmallPng { get; } = MakePng(56, 56);

    public static string SmallPngDataUrl { get; } = "data:image/png;base64," + Convert.ToBase64String(SmallPng);

    /// <summary>Private URLs allowed (the image host is on 127.0.0.1), 1 MiB image cap.</summary>
    public QwenVLServer Main { get; private set; } = null!;

    /// <summary>Private URLs refused.</summary>
    public QwenVLServer Strict { get; private set; } = null!;

    /// <summary>One slot, no queue.</summary>
    public QwenVLServer Tight { get; private set; } = null!;

    /// <summary>Needs the API key.</summary>
    public QwenVLServer Keyed { get; private set; } = null!;

    /// <summary>Requests time out after one second.</summary>
    public QwenVLServer Short { get; private set; } = null!;

    public ImageHost Images { get; } = new();

    /// <summary>Log lines written by <see cref="Main"/>.</summary>
    public ConcurrentQueue<string> MainLog { get; } = new();

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public async Task InitializeAsync()
    {
        _engine = InferenceEngine.Load(Fixtures.Model(ModelName));
        await Images.StartAsync();
        var quiet = new ServerOptions { Port = 0, ConfigureLogging = b => { } };
        Main = await StartAsync(quiet with
        {
            AllowPrivateUrls = true,
            MaxImageBytes = 1 << 20,
            ImageFetchTimeout = TimeSpan.FromSeconds(2),
            ConfigureLogging = b => b.AddProvider(new ListLoggerProvider(MainLog)),
        });
        Strict = await StartAsync(quiet);
        Tight = await StartAsync(quiet with { MaxConcurrency = 1, MaxQueue = 0 });
        Keyed = await StartAsync(quiet with { ApiKey = ApiKey });
        Short = await StartAsync(quiet with { RequestTimeout = TimeSpan.FromSeconds(1) });
    }

    /// <summary>Starts one more server on the shared engine (stopped with the fixture).</summary>
    public async Task<QwenVLServer> StartAsync(ServerOptions options)
    {
        var catalog = new ModelCatalog([(ModelName, _engine)]);
        QwenVLServer server = QwenVLServer.Create(options, catalog);
        await server.StartAsync();
        _servers.Add(server);
        return server;
    }

    public async Task DisposeAsync()
    {
        foreach (QwenVLServer s in _servers)
        {
            await s.DisposeAsync();
        }
        await Images.DisposeAsync();
        Http.Dispose();
        _engine.Dispose();
    }

    /// <summary>POSTs JSON to a server path.</summary>
    public Task<HttpResponseMessage> PostAsync(QwenVLServer server, string path, string json, string? bearer = null, CancellationToken ct = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseAddress, path.TrimStart('/')))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    /// <summary>A plain chat request body.</summary>
    public static string Chat(string content = "\"Hello\"", int maxTokens = 4, string extra = "") =>
        $$"""{"model":"{{ModelName}}","messages":[{"role":"user","content":{{content}}}],"max_tokens":{{maxTokens}},"temperature":0{{extra}}}""";

    private static byte[] MakePng(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 4), (byte)(y * 4), 128));
            }
        }
        using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private sealed class ListLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }
    }

    private sealed class ListLogger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lines.Enqueue(formatter(state, exception));
            }
        }
    }
}
