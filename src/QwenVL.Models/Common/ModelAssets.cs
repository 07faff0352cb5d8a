// Everything in a checkpoint folder besides the tensors: config.json, tokenizer.json (+ its
// config), the chat template, preprocessor_config.json and generation_config.json. Each missing or
// malformed file fails with its path; optional files fall back to documented defaults.
using QwenVL.ChatTemplates;
using QwenVL.Imaging;
using QwenVL.Tokenizer;

namespace QwenVL.Models.Common;

/// <summary>The non-tensor files of a checkpoint folder, parsed.</summary>
public sealed class ModelAssets
{
    private ModelAssets(string folder, ConfigReader config, Qwen2Tokenizer tokenizer, ChatTemplate? template,
        ImagePreprocessorConfig preprocessor, GenerationDefaults generation, string? tokenizerPath = null)
    {
        Folder = folder;
        TokenizerPath = tokenizerPath ?? Path.Combine(folder, "tokenizer.json");
        Config = config;
        Tokenizer = tokenizer;
        Template = template;
        Preprocessor = preprocessor;
        Generation = generation;
    }

    /// <summary>The checkpoint folder.</summary>
    public string Folder { get; }

    /// <summary>config.json.</summary>
    public ConfigReader Config { get; }

    /// <summary>The model_type of config.json.</summary>
    public string ModelType => Config.String("model_type") ?? throw Config.Error("model_type", "is required");

    /// <summary>tokenizer.json.</summary>
    public Qwen2Tokenizer Tokenizer { get; }

    /// <summary>The checkpoint's own chat template, or null when it ships none.</summary>
    public ChatTemplate? Template { get; }

    /// <summary>preprocessor_config.json, or the Qwen2-VL hub values when absent.</summary>
    public ImagePreprocessorConfig Preprocessor { get; }

    /// <summary>generation_config.json, or transformers defaults when absent.</summary>
    public GenerationDefaults Generation { get; }

    /// <summary>Path of tokenizer.json (or of the file that holds the tokenizer, for messages).</summary>
    public string TokenizerPath { get; }

    /// <summary>Assets assembled in memory (e.g. from GGUF metadata) rather than read from a folder's files.</summary>
    public static ModelAssets FromParts(string folder, ConfigReader config, Qwen2Tokenizer tokenizer, ChatTemplate? template,
        ImagePreprocessorConfig preprocessor, GenerationDefaults generation, string tokenizerPath) =>
        new(folder, config, tokenizer, template, preprocessor, generation, tokenizerPath);

    /// <summary>Reads config.json only (enough to pick a loader).</summary>
    public static ConfigReader LoadConfig(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new ModelException($"model folder not found: {folder}", folder);
        }
        return ConfigReader.Load(Path.Combine(folder, "config.json"));
    }

    /// <summary>Reads every file; throws <see cref="ModelException"/> naming the first bad one.</summary>
    public static ModelAssets Load(string folder)
    {
        ConfigReader config = LoadConfig(folder);
        string tokenizerPath = Path.Combine(folder, "tokenizer.json");
        if (!File.Exists(tokenizerPath))
        {
            throw new ModelException($"missing file {tokenizerPath} (the byte-level BPE tokenizer; vocab.json + merges.txt alone are not supported)", tokenizerPath);
        }
        Qwen2Tokenizer tokenizer;
        ChatTemplate? template;
        try
        {
            tokenizer = Qwen2Tokenizer.Load(tokenizerPath);
        }
        catch (TokenizerException e)
        {
            throw new ModelException(e.Message, tokenizerPath, null, e);
        }
        try
        {
            template = ChatTemplateLoader.LoadFromFolder(folder);
        }
        catch (TemplateException e)
        {
            throw new ModelException(e.Message, folder, "chat_template", e);
        }
        string preprocessorPath = Path.Combine(folder, "preprocessor_config.json");
        ImagePreprocessorConfig preprocessor;
        try
        {
            preprocessor = File.Exists(preprocessorPath) ? ImagePreprocessorConfig.Load(preprocessorPath) : ImagePreprocessorConfig.Default;
        }
        catch (ImageException e)
        {
            throw new ModelException(e.Message, preprocessorPath, null, e);
        }
        return new ModelAssets(folder, config, tokenizer, template, preprocessor,
            GenerationDefaults.Load(Path.Combine(folder, "generation_config.json")));
    }
}
