// The page served by the real QwenVLServer (embedded wwwroot) on 127.0.0.1 with the tiny Qwen2.5-VL
// checkpoint: the model list, two uploaded images, a streamed answer (noise: random weights) and the
// per-image size and token count taken from the server's x_qwenvl usage extension, not estimated.
using Microsoft.Playwright;
using QwenVL.Engine;
using QwenVL.Server;
using QwenVL.Testing;
using static Microsoft.Playwright.Assertions;

namespace QwenVL.Web.Tests;

[Collection(BrowserCollection.Name)]
public sealed class RealServerPageTests(BrowserFixture browser) : IAsyncLifetime
{
    private ModelCatalog _models = null!;
    private QwenVLServer _server = null!;

    public async Task InitializeAsync()
    {
        _models = new ModelCatalog([("qwen2.5-vl-tiny", InferenceEngine.Load(Fixtures.Model("qwen2.5-vl-tiny")))], ownsEngines: true);
        _server = QwenVLServer.Create(new ServerOptions { Port = 0, ConfigureLogging = _ => { } }, _models, ownsModels: true);
        await _server.StartAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [ChromiumFact]
    public async Task Upload_RealServer_StreamsAnswerWithReportedImageStats()
    {
        await using IBrowserContext context = await browser.Browser.NewContextAsync();
        IPage page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(_server.BaseAddress.ToString());
        await Expect(page.Locator("#model option")).ToHaveTextAsync(["qwen2.5-vl-tiny", "qwen-vl-plus", "qwen-vl-max"]);

        await page.SetInputFilesAsync("#file", [Fixtures.Path("images", "shapes_448x448.png"), Fixtures.Path("images", "chart_812x420.png")]);
        await Expect(page.Locator("#previews img")).ToHaveCountAsync(2);
        await page.ClickAsync("summary");
        await page.FillAsync("#max-tokens", "8");
        await page.FillAsync("#temperature", "0");
        await page.FillAsync("#prompt", "Describe this image.");
        await page.PressAsync("#prompt", "Enter");

        ILocator stats = page.Locator(".msg.assistant .stats");
        await Expect(stats).ToContainTextAsync("completion tokens", new() { Timeout = 60_000 });
        Assert.Matches(@"^TTFT \d+ ms · [\d.]+ tok/s · \d+ prompt \(\d+ image\) \+ \d+ completion tokens$", await stats.TextContentAsync());
        Assert.False(string.IsNullOrEmpty(await page.Locator(".msg.assistant .text").TextContentAsync()));
        // With two images only the server's x_qwenvl extension gives exact per-image counts (no "≈").
        Assert.Equal(["448×448 → 448×448 · 256 tokens", "812×420 → 812×420 · 435 tokens"], await page.Locator(".img-info").AllTextContentsAsync());
        Assert.Contains("(691 image)", await stats.TextContentAsync());
        await Expect(page.Locator(".msg.assistant [role=alert]")).ToHaveCountAsync(0);
    }
}
