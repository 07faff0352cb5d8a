// The one place that maps config.json's model_type to the generation that loads it. Adding a
// generation (Qwen3-VL) means a new folder and one line here; no other code switches on it.
using QwenVL.Models.Common;
using QwenVL.Models.Gguf;
using QwenVL.Models.Qwen25VL;
using QwenVL.Models.Qwen2VL;

namespace QwenVL.Models;

/// <summary>Loads a checkpoint folder with the loader registered for its model_type.</summary>
public static class ModelRegistry
{
    private static readonly Dictionary<string, Func<ModelAssets, ModelLoadOptions, VisionLanguageModel>> Loaders = new(StringComparer.Ordinal)
    {
        ["qwen2_vl"] = Qwen2VLLoader.Load,
        ["qwen2_5_vl"] = Qwen25VLLoader.Load,
    };

    /// <summary>Supported model_type values.</summary>
    public static IReadOnlyCollection<string> ModelTypes => Loaders.Keys;

    /// <summary>Loads the model in <paramref name="folder"/> (a Hugging Face folder, a GGUF folder or a text .gguf file); throws <see cref="ModelException"/> naming the file and key at fault.</summary>
    public static VisionLanguageModel Load(string folder, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        // A GGUF pair as llama.cpp runs it: the text .gguf (mmproj beside it) or a folder holding both.
        ModelAssets? gguf = GgufModelFiles.TryLocate(folder) is { } files ? GgufAssets.Load(files, folder) : null;
        ConfigReader config = gguf?.Config ?? ModelAssets.LoadConfig(folder);
        string type = config.String("model_type") ?? throw config.Error("model_type", "is required");
        if (!Loaders.TryGetValue(type, out var loader))
        {
            throw config.Error("model_type", $"is '{type}', which this engine does not support (supported: {string.Join(", ", Loaders.Keys)})");
        }
        return loader(gguf ?? ModelAssets.Load(folder), options);
    }
}
