// A tiny OpenAI-compatible stand-in on 127.0.0.1 (Kestrel): serves the page's wwwroot, lists two
// models and answers /v1/chat/completions with whatever SSE script a test sets. It records every
// request body so tests can check what the page sent. It does no inference and no validation.
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;

namespace QwenVL.Web.Tests;

public sealed class FakeChatServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeChatServer(WebApplication app) => _app = app;

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>Bodies of the chat requests received, in order.</summary>
    public ConcurrentQueue<JsonObject> Requests { get; } = new();

    /// <summary>Writes the response of a chat request (the body is already recorded).</summary>
    public Func<HttpContext, JsonObject, Task> Respond { get; set; } = (ctx, _) => ctx.Response.WriteAsync("");

    public static async Task<FakeChatServer> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication app = builder.Build();
        var server = new FakeChatServer(app);
        var files = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "wwwroot"));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        app.MapGet("/v1/models", () => Results.Json(new
        {
            @object = "list",
            data = new[] { new { id = "qwen2.5-vl-tiny", @object = "model", owned_by = "qwenvl" }, new { id = "qwen-vl-plus", @object = "model", owned_by = "qwenvl" } },
        }));
        app.MapPost("/v1/chat/completions", async (HttpContext ctx) =>
        {
            JsonObject body = (await JsonNode.ParseAsync(ctx.Request.Body))!.AsObject();
            server.Requests.Enqueue(body);
            await server.Respond(ctx, body);
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri(address + "/");
        return server;
    }

    /// <summary>Starts an SSE response.</summary>
    public static void BeginStream(HttpContext ctx)
    {
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
    }

    /// <summary>Writes one <c>data:</c> event and flushes it to the client.</summary>
    public static async Task SendAsync(HttpContext ctx, object payload)
    {
        string data = payload as string ?? JsonSerializer.Serialize(payload);
        await ctx.Response.WriteAsync($"data: {data}\n\n", ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
    }

    /// <summary>An OpenAI chat.completion.chunk with one choice.</summary>
    public static object Chunk(string? content, string? finish = null, bool role = false) => new
    {
        id = "chatcmpl-fake",
        @object = "chat.completion.chunk",
        created = 1700000000,
        model = "qwen2.5-vl-tiny",
        choices = new[] { new { index = 0, delta = role ? (object)new { role = "assistant", content = "" } : new { content }, finish_reason = finish } },
    };

    /// <summary>The include_usage chunk: no choices, usage, and optional extension fields.</summary>
    public static object UsageChunk(object usage, object? ext) => ext is null
        ? new { id = "chatcmpl-fake", @object = "chat.completion.chunk", created = 1700000000, model = "qwen2.5-vl-tiny", choices = Array.Empty<object>(), usage }
        : new { id = "chatcmpl-fake", @object = "chat.completion.chunk", created = 1700000000, model = "qwen2.5-vl-tiny", choices = Array.Empty<object>(), usage, x_qwenvl = ext };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
