// Headless Debian Chromium driven by Playwright for .NET, launched once for all page tests.
// Playwright's own browser downloads are never used: the executable is /usr/bin/chromium, which
// .ci/run installs; locally the tests skip with a message when it is absent (never in CI).
using Microsoft.Playwright;

namespace QwenVL.Web.Tests;

public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>Whether Chromium is installed (the tests are skipped, or fail in CI, when it is not).</summary>
    public static bool Available => File.Exists(ChromiumPath);

    public IBrowser Browser => _browser
        ?? throw new InvalidOperationException($"{ChromiumPath} is not installed; .ci/run installs it with apt-get install -y chromium");

    public async Task InitializeAsync()
    {
        if (!Available)
        {
            return;
        }
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

/// <summary>A fact that is skipped, with the reason, where Chromium is not installed (outside CI).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        // In CI a missing browser must fail loudly, not skip: .ci/run is supposed to install it.
        if (!BrowserFixture.Available && Environment.GetEnvironmentVariable("CI") is not "true")
        {
            Skip = $"{BrowserFixture.ChromiumPath} not found: install Debian's chromium (apt-get install -y chromium) to run the page tests";
        }
    }
}
