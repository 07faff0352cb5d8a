// preprocessor_config.json loading: the fixture files, the HF class defaults for absent keys, the
// `size` dict of newer configs, and errors that name the file and the key.
using QwenVL.Testing;

namespace QwenVL.Imaging.Tests;

public sealed class ConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qwenvl-imaging-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        string path = Path.Combine(_dir, Guid.NewGuid() + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    [Theory]
    [InlineData("qwen2.5-vl-tiny")]
    [InlineData("qwen2-vl-tiny")]
    public void Load_FixtureConfig_ReadsHubValues(string model)
    {
        var c = ImagePreprocessorConfig.Load(Path.Combine(Fixtures.Model(model), "preprocessor_config.json"));

        Assert.Equal((14, 2, 2, 28), (c.PatchSize, c.TemporalPatchSize, c.MergeSize, c.Factor));
        Assert.Equal((3136L, 12845056L), (c.MinPixels, c.MaxPixels));
        Assert.Equal([0.48145466f, 0.4578275f, 0.40821073f], c.Mean);
        Assert.Equal([0.26862954f, 0.26130258f, 0.27577711f], c.Std);
        Assert.Equal(1.0 / 255.0, c.RescaleFactor);
    }

    [Fact]
    public void Load_EmptyObject_UsesHfClassDefaults()
    {
        var c = ImagePreprocessorConfig.Load(Write("{}"));

        Assert.Equal((14, 2, 2), (c.PatchSize, c.TemporalPatchSize, c.MergeSize));
        Assert.Equal((3136L, 1003520L), (c.MinPixels, c.MaxPixels));
        Assert.Equal(ImagePreprocessorConfig.Default.Mean, c.Mean);
        Assert.Equal(1.0 / 255.0, c.RescaleFactor);
    }

    [Fact]
    public void Load_SizeDict_GivesPixelBounds()
    {
        var c = ImagePreprocessorConfig.Load(Write("""
            {"size": {"shortest_edge": 65536, "longest_edge": 16777216}, "patch_size": 16,
             "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}
            """));

        Assert.Equal((65536L, 16777216L, 32), (c.MinPixels, c.MaxPixels, c.Factor));
        Assert.Equal([0.5f, 0.5f, 0.5f], c.Std);
    }

    [Fact]
    public void Load_MinMaxPixels_OverrideSizeDict()
    {
        var c = ImagePreprocessorConfig.Load(Write("""
            {"size": {"shortest_edge": 100, "longest_edge": 200000}, "min_pixels": 3136, "max_pixels": 50176.0}
            """));

        Assert.Equal((3136L, 50176L), (c.MinPixels, c.MaxPixels));
    }

    [Fact]
    public void Load_NormalizeAndRescaleDisabled_GivesIdentityArithmetic()
    {
        var c = ImagePreprocessorConfig.Load(Write("""{"do_rescale": false, "do_normalize": false}"""));

        Assert.Equal(1.0, c.RescaleFactor);
        Assert.Equal([0f, 0f, 0f], c.Mean);
        Assert.Equal([1f, 1f, 1f], c.Std);
    }

    [Theory]
    [InlineData("""{"patch_size": "14"}""", "'patch_size'")]
    [InlineData("""{"merge_size": 0}""", "'merge_size'")]
    [InlineData("""{"image_mean": [0.5, 0.5]}""", "'image_mean'")]
    [InlineData("""{"image_std": [0.5, 0, 0.5]}""", "'image_std'")]
    [InlineData("""{"size": {"shortest_edge": 3136}}""", "'size.longest_edge'")]
    [InlineData("""{"min_pixels": 5000, "max_pixels": 4000}""", "min_pixels 5000")]
    public void Load_BadValue_ThrowsNamingFileAndKey(string json, string expectedFragment)
    {
        string path = Write(json);

        var e = Assert.Throws<ImageException>(() => ImagePreprocessorConfig.Load(path));

        Assert.Equal(path, e.Source);
        Assert.Contains(expectedFragment, e.Message);
    }

    [Fact]
    public void Load_InvalidJson_ThrowsWithLine()
    {
        string path = Write("{\n  \"patch_size\": 14,\n  oops\n}");

        var e = Assert.Throws<ImageException>(() => ImagePreprocessorConfig.Load(path));

        Assert.Contains("line 3", e.Message);
        Assert.StartsWith(path, e.Message);
    }
}
