// The serve-side half of "start with no model yet": an empty ModelCatalog answers 503 with the setup
// message, and a model attached later (what the background download does) becomes the default and
// takes the hosted names. Uses the tiny fixture checkpoint; no network.
using QwenVL.Engine;
using QwenVL.Server;
using QwenVL.Testing;

namespace QwenVL.Cli.Tests;

public sealed class HubServeCatalogTests
{
    [Fact]
    public void Resolve_EmptyCatalogWhileDownloading_Is503WithSetupMessage()
    {
        using ModelCatalog catalog = ModelCatalog.Empty();
        catalog.Setup = new ModelSetupState("downloading", "downloading Org/tiny from http://hub", "tiny", 10, 100);

        ApiException e = Assert.Throws<ApiException>(() => catalog.Resolve(null));

        Assert.Equal(503, e.Status);
        Assert.Contains("downloading Org/tiny from http://hub", e.Message, StringComparison.Ordinal);
        Assert.Empty(catalog.Names);
    }

    [Fact]
    public void Attach_AfterEmptyStart_BecomesDefaultAndHostedNames()
    {
        using ModelCatalog catalog = ModelCatalog.Empty();
        InferenceEngine engine = InferenceEngine.Load(Fixtures.Model("qwen2-vl-tiny"));

        catalog.Attach("tiny", engine);

        Assert.Equal(["tiny", "qwen-vl-plus", "qwen-vl-max"], catalog.Names);
        Assert.Same(engine, catalog.Resolve(null).Engine);
        Assert.Same(engine, catalog.Resolve("qwen-vl-max").Engine);
        Assert.Equal(404, Assert.Throws<ApiException>(() => catalog.Resolve("other")).Status);
    }
}
