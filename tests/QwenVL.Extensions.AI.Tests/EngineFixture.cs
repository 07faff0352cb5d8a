// One tiny-checkpoint engine shared by the chat-client tests (loading per test would dominate the
// run time). The engine batches concurrent requests, so sharing it across test classes is safe.
using QwenVL.Engine;
using QwenVL.Testing;

namespace QwenVL.Extensions.AI.Tests;

public sealed class EngineFixture : IDisposable
{
    public InferenceEngine Engine { get; } = InferenceEngine.Load(Fixtures.Model("qwen2-vl-tiny"));

    public static byte[] ImageBytes(string name) => File.ReadAllBytes(Fixtures.Path("images", name));

    public static string ImagePath(string name) => Fixtures.Path("images", name);

    public void Dispose() => Engine.Dispose();
}

[CollectionDefinition(Name)]
public sealed class EngineCollection : ICollectionFixture<EngineFixture>
{
    public const string Name = "engine";
}
