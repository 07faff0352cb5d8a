// The chat page in headless Chromium against the fake server: upload / paste / drop images,
// streamed text shown before the answer ends, Qwen2.5-VL JSON and Qwen2-VL token boxes drawn at the
// scaled positions with their labels, the stats line, multi-turn history, Stop, and API errors.
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using QwenVL.Testing;
using static Microsoft.Playwright.Assertions;

namespace QwenVL.Web.Tests;

[Collection(BrowserCollection.Name)]
public sealed class PageTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly string Chart = Fixtures.Path("images", "chart_812x420.png");
    private static readonly string Shapes = Fixtures.Path("images", "shapes_448x448.png");
    private FakeChatServer _server = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeChatServer.StartAsync();
        if (!BrowserFixture.Available && Environment.GetEnvironmentVariable("CI") is not "true")
        {
            return;   // every test here is skipped
        }
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1100, Height = 900 } });
        _page = await _context.NewPageAsync();
        _page.SetDefaultTimeout(15_000);
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    public async Task DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }
        await _server.DisposeAsync();
    }

    private async Task OpenAsync()
    {
        await _page.GotoAsync(_server.BaseUri.ToString());
        await Expect(_page.Locator("#model option")).ToHaveCountAsync(2);
    }

    [ChromiumFact]
    public async Task Upload_CannedQwen25Grounding_StreamsThenDrawsScaledBoxesAndStats()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Respond = async (ctx, _) =>
        {
            FakeChatServer.BeginStream(ctx);
            await FakeChatServer.SendAsync(ctx, FakeChatServer.Chunk(null, role: true));
            await FakeChatServer.SendAsync(ctx, FakeChatServer.Chunk("I found"));
            await FakeChatServer.SendAsync(ctx, FakeChatServer.Chunk(" two shapes:\n"));
            // Hold the rest until the test has seen the first part on the page.
            await gate.Task.WaitAsync(TimeSpan.FromSeconds(20), ctx.RequestAborted);
            foreach (string piece in new[] { "```json\n[\n  {\"bbox_2d\": [98, 49, 196, 147], ", "\"label\": \"red square\"},\n",
                         "  {\"bbox_2d\": [210, 20, 380, 180], \"label\": \"blue circle\"}\n]\n```" })
            {
                await FakeChatServer.SendAsync(ctx, FakeChatServer.Chunk(piece));
            }
            await FakeChatServer.SendAsync(ctx, FakeChatServer.Chunk("", "stop"));
            await FakeChatServer.SendAsync(ctx, FakeChatServer.UsageChunk(
                new { prompt_tokens = 120, completion_tokens = 40, total_tokens = 160, prompt_tokens_details = new { image_tokens = 98 } },
                new { images = new[] { new { width = 812, height = 420, resized_width = 392, resized_height = 196, tokens = 98 } }, ttft_ms = 12.5, tokens_per_s = 42.0 }));
            await FakeChatServer.SendAsync(ctx, "[DONE]");
        };
        var urls = new List<string>();
        _page.Request += (_, r) => { lock (urls) { urls.Add(r.Url); } };
        await OpenAsync();

        await _page.SetInputFilesAsync("#file", Chart);
        await Expect(_page.Locator("#previews img")).ToHaveCountAsync(1);
        await Expect(_page.Locator("#previews")).ToContainTextAsync("812×420");
        await _page.FillAsync("#prompt", "Find the shapes.");
        await _page.PressAsync("#prompt", "Enter");

        ILocator answer = _page.Locator(".msg.assistant .text");
        await Expect(answer).ToHaveTextAsync("I found two shapes:\n");
        await Expect(_page.Locator("#stop")).ToBeVisibleAsync();
        await Expect(_page.Locator(".msg.user .images img")).ToHaveCountAsync(1);
        Assert.Equal(0, await _page.Locator(".box").CountAsync());
        gate.SetResult();

        await Expect(_page.Locator(".grounding .box")).ToHaveCountAsync(2);
        await Expect(answer).ToContainTextAsync("blue circle");
        await Expect(_page.Locator("#stop")).ToBeHiddenAsync();
        Assert.Equal(["red square", "blue circle"], await _page.Locator(".grounding .box .tag").AllTextContentsAsync());
        // Resized 392x196 -> the original 812x420 is displayed: positions scale by the resized size.
        await AssertBoxAsync(0, 98 / 392.0, 49 / 196.0, 196 / 392.0, 147 / 196.0);
        await AssertBoxAsync(1, 210 / 392.0, 20 / 196.0, 380 / 392.0, 180 / 196.0);
        await Expect(_page.Locator(".msg.assistant .stats")).ToHaveTextAsync("TTFT 13 ms · 42.0 tok/s · 120 prompt (98 image) + 40 completion tokens");
        await Expect(_page.Locator(".img-info")).ToHaveTextAsync("812×420 → 392×196 · 98 tokens");

        JsonObject sent = Assert.Single(_server.Requests);
        Assert.True((bool)sent["stream"]!);
        Assert.True((bool)sent["stream_options"]!["include_usage"]!);
        Assert.Equal("qwen2.5-vl-tiny", (string?)sent["model"]);
        JsonArray content = sent["messages"]![0]!["content"]!.AsArray();
        Assert.StartsWith("data:image/png;base64,", (string?)content[0]!["image_url"]!["url"]);
        Assert.Equal("Find the shapes.", (string?)content[1]!["text"]);

        // Offline: every request the page made went to its own server (or was an inline data: URL).
        lock (urls)
        {
            Assert.All(urls, u => Assert.True(u.StartsWith(_server.BaseUri.ToString(), StringComparison.Ordinal) || u.StartsWith("data:", StringComparison.Ordinal), u));
            Assert.Contains(urls, u => u.EndsWith("/grounding.js", StringComparison.Ordinal));
        }
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "qwenvl-page.png"), FullPage = true });
    }

    [ChromiumFact]
    public async Task Paste_Qwen2VLTokensThenSecondTurnPoint_DrawsBoxAndPointAndResendsHistory()
    {
        string[] answers =
        [
            "<|object_ref_start|>the circle<|object_ref_end|><|box_start|>(100,200),(400,600)<|box_end|>",
            "```json\n[{\"point_2d\": [224, 112], \"label\": \"dot\"}]\n```",
        ];
        int turn = 0;
        _server.Respond = async (ctx, _) =>
        {
            string text = answers[Interlocked.Increment(ref turn) - 1];
            FakeChatServer.BeginStream(ctx);
            for (int i = 0; i < text.Length; i += 16)
            {
                await FakeChatServer.SendAsync(ctx, FakeChatServer.Chunk(text.Substring(i, Math.Min(16, text.Length - i))));
            }
            await FakeChatServer.SendAsync(ctx, FakeChatServer.Chunk("", "stop"));
            // No extension fields: the page falls back to smart_resize and the usage total.
            await FakeChatServer.SendAsync(ctx, FakeChatServer.UsageChunk(
                new { prompt_tokens = 300, completion_tokens = 20, total_tokens = 320, prompt_tokens_details = new { image_tokens = 256 } }, null));
            await FakeChatServer.SendAsync(ctx, "[DONE]");
        };
        await OpenAsync();

        await _page.Locator("#prompt").EvaluateAsync(@"(el, b64) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], 'clip.png', { type: 'image/png' }));
            el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
        }", Convert.ToBase64String(File.ReadAllBytes(Shapes)));
        await Expect(_page.Locator("#previews img")).ToHaveCountAsync(1);
        await _page.FillAsync("#prompt", "Where is the circle?");
        await _page.ClickAsync("#send");

        await Expect(_page.Locator(".grounding .box")).ToHaveCountAsync(1);
        Assert.Equal("the circle", await _page.Locator(".grounding .box").GetAttributeAsync("data-label"));
        await AssertBoxAsync(0, 0.1, 0.2, 0.4, 0.6);
        await Expect(_page.Locator(".img-info")).ToHaveTextAsync("448×448 → 448×448 · 256 tokens");

        await _page.FillAsync("#prompt", "And the dot?");
        await _page.PressAsync("#prompt", "Enter");
        await Expect(_page.Locator(".grounding")).ToHaveCountAsync(2);
        ILocator point = _page.Locator(".grounding").Nth(1).Locator(".point");
        await Expect(point).ToHaveCountAsync(1);
        await Expect(point.Locator(".tag")).ToHaveTextAsync("dot");
        LocatorBoundingBoxResult img = (await _page.Locator(".grounding").Nth(1).Locator("img").BoundingBoxAsync())!;
        LocatorBoundingBoxResult dot = (await point.BoundingBoxAsync())!;
        Assert.InRange(dot.X + (dot.Width / 2) - (img.X + (img.Width * 0.5)), -1.5, 1.5);
        Assert.InRange(dot.Y + (dot.Height / 2) - (img.Y + (img.Height * 0.25)), -1.5, 1.5);

        JsonObject second = _server.Requests.ToArray()[1];
        JsonArray messages = second["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "user"], messages.Select(m => (string)m!["role"]!));
        Assert.Equal(answers[0], (string?)messages[1]!["content"]);
        Assert.Equal("image_url", (string?)messages[0]!["content"]![0]!["type"]);
    }

    [ChromiumFact]
    public async Task Drop_StopWhileStreaming_AbortsRequestAndKeepsPartialAnswer()
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Respond = async (ctx, _) =>
        {
            ctx.RequestAborted.Register(() => aborted.TrySetResult());
            FakeChatServer.BeginStream(ctx);
            try
            {
                // Bounded: at most 200 pieces (~10 s) if the page never stops it.
                for (int i = 0; i < 200; i++)
                {
                    await FakeChatServer.SendAsync(ctx, FakeChatServer.Chunk($"word{i} "));
                    await Task.Delay(50, ctx.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
            }
        };
        await OpenAsync();

        await _page.Locator("#log").EvaluateAsync(@"(el, b64) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
            el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
        }", Convert.ToBase64String(File.ReadAllBytes(Shapes)));
        await Expect(_page.Locator("#previews img")).ToHaveCountAsync(1);

        // Shift+Enter adds a line and sends nothing; Enter sends.
        await _page.FillAsync("#prompt", "line one");
        await _page.PressAsync("#prompt", "Shift+Enter");
        await _page.Keyboard.TypeAsync("line two");
        Assert.Equal("line one\nline two", await _page.InputValueAsync("#prompt"));
        Assert.Empty(_server.Requests);
        await _page.PressAsync("#prompt", "Enter");

        await Expect(_page.Locator(".msg.assistant .text")).ToContainTextAsync("word2 ");
        await _page.ClickAsync("#stop");
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Expect(_page.Locator("#stop")).ToBeHiddenAsync();
        await Expect(_page.Locator(".msg.assistant.stopped")).ToHaveCountAsync(1);
        await Expect(_page.Locator("#status")).ToHaveTextAsync("Stopped.");
        await Expect(_page.Locator("#send")).ToBeEnabledAsync();
        Assert.Equal("line one\nline two", (string?)Assert.Single(_server.Requests)["messages"]![0]!["content"]![1]!["text"]);
    }

    [ChromiumFact]
    public async Task Send_ServerRejects_ShowsErrorMessage()
    {
        _server.Respond = async (ctx, _) =>
        {
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsJsonAsync(new { error = new { message = "max_tokens must be at least 1", type = "invalid_request_error", param = "max_tokens", code = (string?)null } });
        };
        await OpenAsync();
        await _page.FillAsync("#prompt", "hello");
        await _page.PressAsync("#prompt", "Enter");
        await Expect(_page.Locator(".msg.assistant [role=alert]")).ToHaveTextAsync("max_tokens must be at least 1");
        await Expect(_page.Locator("#send")).ToBeEnabledAsync();
    }

    [ChromiumFact]
    public async Task GroundingModule_EdgeCases_ParsedAsTheModelMeantThem()
    {
        await OpenAsync();
        string result = await _page.EvaluateAsync<string>(@"async () => {
            const g = await import('./grounding.js');
            const out = [];
            // Special tokens stripped by a server: label(x1,y1),(x2,y2) still gives a box.
            out.push(g.parseGrounding('the cat(100,200),(300,400) and more').map(i => `${i.label}:${i.x1},${i.y1},${i.x2},${i.y2}:${i.space}`).join('|'));
            // Two boxes in one Qwen2-VL box span, corners given in either order.
            out.push(g.parseGrounding('<|object_ref_start|>cars<|object_ref_end|><|box_start|>(10,20),(5,8),(1,2),(3,4)<|box_end|>').map(i => `${i.label}:${i.x1},${i.y1},${i.x2},${i.y2}`).join('|'));
            // A stopped answer: the last JSON object is cut off mid-array and is ignored.
            out.push(g.parseGrounding('```json\n[{""bbox_2d"": [1, 2, 3, 4], ""label"": ""a \\""b\\""""}, {""bbox_2d"": [5, 6').map(i => `${i.label}:${i.x2}`).join('|'));
            out.push(JSON.stringify([g.smartResize(812, 420), g.smartResize(10, 10), g.smartResize(8000, 6000), g.smartResize(70, 70)]));
            out.push(g.parseGrounding('no boxes (1, 2) here').length);
            return out.join('\n');
        }");
        Assert.Equal(string.Join('\n',
            "the cat:100,200,300,400:rel1000",
            "cars:5,8,10,20|cars:1,2,3,4",
            "a \"b\":3",
            // 70/28 = 2.5 rounds to even (2), as Python does; 8000x6000 over 12845056 px: beta = sqrt(48e6/12845056) -> floor(6000/1.933/28)*28 = 3080, 4116.
            "[{\"width\":812,\"height\":420},{\"width\":56,\"height\":56},{\"width\":4116,\"height\":3080},{\"width\":56,\"height\":56}]",
            "0"), result);
    }

    // Compares a drawn box with the expected fractions of the displayed image, within 1.5 px.
    [ChromiumFact]
    public async Task Upload_ServerAnnotations_DrawnInOriginalPixelsOverTextParsing()
    {
        _server.Respond = async (ctx, _) =>
        {
            FakeChatServer.BeginStream(ctx);
            await FakeChatServer.SendAsync(ctx, FakeChatServer.Chunk(null, role: true));
            // The text names no box: only the server's parsed annotations can place one.
            await FakeChatServer.SendAsync(ctx, FakeChatServer.Chunk("The square and the dot."));
            await FakeChatServer.SendAsync(ctx, new
            {
                id = "chatcmpl-fake",
                @object = "chat.completion.chunk",
                created = 1700000000,
                model = "qwen2.5-vl-tiny",
                choices = new[]
                {
                    new
                    {
                        index = 0,
                        delta = new
                        {
                            content = "",
                            x_qwenvl_annotations = new
                            {
                                image_index = 0, width = 812, height = 420, resized_width = 392, resized_height = 196,
                                boxes = new[] { new { label = "square", bbox = new[] { 203.0, 105.0, 406.0, 315.0 } } },
                                points = new[] { new { label = "dot", point = new[] { 609.0, 105.0 } } },
                                quads = Array.Empty<object>(),
                                skipped = 0,
                            },
                        },
                        finish_reason = "stop",
                    },
                },
            });
            await FakeChatServer.SendAsync(ctx, "[DONE]");
        };
        await OpenAsync();
        await _page.SetInputFilesAsync("#file", Chart);
        await Expect(_page.Locator("#previews img")).ToHaveCountAsync(1);
        await _page.FillAsync("#prompt", "Where are they?");
        await _page.PressAsync("#prompt", "Enter");

        await Expect(_page.Locator(".grounding .box")).ToHaveCountAsync(1);
        await Expect(_page.Locator(".grounding .box .tag")).ToHaveTextAsync("square");
        // Original 812x420 pixels: the box spans a quarter to a half of the width, a quarter to three quarters of the height.
        await AssertBoxAsync(0, 0.25, 0.25, 0.5, 0.75);
        ILocator point = _page.Locator(".grounding").Last.Locator(".point");
        await Expect(point).ToHaveCountAsync(1);
        LocatorBoundingBoxResult img = (await _page.Locator(".grounding").Last.Locator("img").BoundingBoxAsync())!;
        LocatorBoundingBoxResult dot = (await point.BoundingBoxAsync())!;
        Assert.InRange(dot.X + (dot.Width / 2) - (img.X + (img.Width * 0.75)), -1.5, 1.5);
        Assert.InRange(dot.Y + (dot.Height / 2) - (img.Y + (img.Height * 0.25)), -1.5, 1.5);
    }

    private async Task AssertBoxAsync(int index, double x1, double y1, double x2, double y2)
    {
        ILocator figure = _page.Locator(".grounding").Last;
        await _page.WaitForFunctionAsync("() => [...document.querySelectorAll('.grounding img')].every(i => i.complete && i.naturalWidth > 0)");
        LocatorBoundingBoxResult img = (await figure.Locator("img").BoundingBoxAsync())!;
        LocatorBoundingBoxResult box = (await figure.Locator(".box").Nth(index).BoundingBoxAsync())!;
        double[] errors =
        [
            box.X - (img.X + (x1 * img.Width)), box.Y - (img.Y + (y1 * img.Height)),
            box.X + box.Width - (img.X + (x2 * img.Width)), box.Y + box.Height - (img.Y + (y2 * img.Height)),
        ];
        Assert.True(errors.All(e => Math.Abs(e) <= 1.5),
            $"box {index} is off by [{string.Join(", ", errors.Select(e => e.ToString("F1")))}] px; image at ({img.X}, {img.Y}) {img.Width}x{img.Height}, " +
            $"box at ({box.X}, {box.Y}) {box.Width}x{box.Height}");
    }
}
