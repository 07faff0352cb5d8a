// A second Kestrel on 127.0.0.1 (free port) that serves what image-fetching tests need: a small PNG,
// corrupt bytes, redirect chains, an oversized body with and without Content-Length, a response
// that never comes (it gives up after 10 s on its own), and a redirect to a private address.
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace QwenVL.Server.Tests;

/// <summary>Local image server for tests.</summary>
public sealed class ImageHost : IAsyncDisposable
{
    public const int BigBytes = 2 << 20;

    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    public int Port => BaseAddress.Port;

    public string Url(string path) => new Uri(BaseAddress, path.TrimStart('/')).ToString();

    public async Task StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        app.MapGet("/small.png", () => Results.Bytes(ServerFixture.SmallPng, "image/png"));
        app.MapGet("/corrupt.png", () => Results.Bytes("this is not an image at all"u8.ToArray(), "image/png"));
        // /redirect/N answers with N redirects in a row before the image.
        app.MapGet("/redirect/{n:int}", (int n) => Results.Redirect(n > 1 ? $"/redirect/{n - 1}" : "/small.png"));
        app.MapGet("/big.png", () => Results.Bytes(new byte[BigBytes], "image/png"));
        app.MapGet("/big-chunked.png", async (HttpContext c) =>
        {
            // No Content-Length: the cap must hold while reading.
            c.Response.ContentType = "image/png";
            byte[] block = new byte[64 << 10];
            for (int sent = 0; sent < BigBytes && !c.RequestAborted.IsCancellationRequested; sent += block.Length)
            {
                await c.Response.Body.WriteAsync(block, c.RequestAborted);
            }
        });
        app.MapGet("/slow.png", async (HttpContext c) =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(10), c.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // the fetcher gave up, as it should
            }
        });
        app.MapGet("/to-private", () => Results.Redirect("http://10.1.2.3/x.png"));
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.TrimEnd('/') + "/");
        _app = app;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
