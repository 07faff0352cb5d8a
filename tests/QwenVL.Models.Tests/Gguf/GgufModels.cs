// The tiny fixture checkpoints converted to GGUF pairs (text + mmproj) by GgufConverter, once per
// (model, file type) for the whole test run, in one temp folder deleted at the end. Each pair sits in
// its own folder, exactly as a user keeps a llama.cpp download.
using QwenVL.Engine;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Models.Gguf;
using QwenVL.Testing;

namespace QwenVL.Models.Tests.Gguf;

/// <summary>Shared GGUF conversions of the fixture models.</summary>
public sealed class GgufModels : IDisposable
{
    private readonly Dictionary<(string, GgufFileType), GgufModelFiles> _converted = [];
    private readonly Lock _lock = new();

    public GgufModels() => Root = Directory.CreateTempSubdirectory("qwenvl-gguf-").FullName;

    public string Root { get; }

    /// <summary>The pair for <paramref name="model"/> in <paramref name="type"/>, converting on first use.</summary>
    public GgufModelFiles Get(string model, GgufFileType type)
    {
        lock (_lock)
        {
            if (!_converted.TryGetValue((model, type), out GgufModelFiles? files))
            {
                files = GgufConverter.Convert(Fixtures.Model(model), Path.Combine(Root, $"{model}-{type}"), type);
                _converted[(model, type)] = files;
            }
            return files;
        }
    }

    /// <summary>Folder holding the pair.</summary>
    public string Folder(string model, GgufFileType type) => Path.GetDirectoryName(Get(model, type).Text)!;

    /// <summary>Last-position prefill logits of a golden case's prompt, loading the model from <paramref name="path"/>.</summary>
    public static float[] Logits(string path, Golden g, string backend = "cpu")
    {
        using InferenceEngine engine = InferenceEngine.Load(path, new ModelLoadOptions { Backend = backend });
        PreparedPrompt p = engine.Prepare(Messages(g));
        ModelSession s = engine.Model.CreateSession(p.TokenIds.Length);
        return s.Prefill(p.TokenIds, [engine.Model.Vision.Encode(p.Images[0].Pixels!)], p.Positions).ToArray();
    }

    /// <summary>The golden case's messages.</summary>
    public static Conversation Messages(Golden g) =>
        MessageParser.Parse(File.ReadAllText(g.MessagesFile), LocalImageResolver.Create(Path.GetDirectoryName(g.MessagesFile)!));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A still-mapped file on some platforms; the OS temp cleaner gets it.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class GgufCollection : ICollectionFixture<GgufModels>
{
    public const string Name = "gguf";
}
