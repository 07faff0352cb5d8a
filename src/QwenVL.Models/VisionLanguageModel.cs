// A loaded Qwen-VL model: the generation's vision tower, the Qwen2 decoder, and the checkpoint's
// tokenizer, template and preprocessing settings. Generation folders build it (see ModelRegistry);
// it owns the mapped weights and the compute backend. Sequences run in ModelSessions.
using QwenVL.ChatTemplates;
using QwenVL.Imaging;
using QwenVL.Models.Common;
using QwenVL.Models.Text;
using QwenVL.Models.Vision;
using QwenVL.Tensors;
using QwenVL.Tokenizer;

namespace QwenVL.Models;

/// <summary>A vision-language model ready to run.</summary>
public sealed class VisionLanguageModel : IDisposable
{
    private readonly IWeightSource _weights;
    private readonly IComputeBackend _backend;
    private readonly int _prefillChunk;

    /// <summary>Assembles a model from its parts (called by generation loaders).</summary>
    public VisionLanguageModel(ModelInfo info, ModelAssets assets, ChatTemplate template, SpecialTokens tokens,
        IVisionEncoder vision, Qwen2TextDecoder text, IWeightSource weights, IComputeBackend backend, int prefillChunk)
    {
        Info = info;
        Tokenizer = assets.Tokenizer;
        Template = template;
        Preprocessor = assets.Preprocessor;
        Generation = assets.Generation;
        Tokens = tokens;
        Vision = vision;
        Text = text;
        _weights = weights;
        _backend = backend;
        _prefillChunk = prefillChunk;
    }

    /// <summary>What was loaded.</summary>
    public ModelInfo Info { get; }

    /// <summary>The checkpoint's tokenizer.</summary>
    public Qwen2Tokenizer Tokenizer { get; }

    /// <summary>The chat template in use.</summary>
    public ChatTemplate Template { get; }

    /// <summary>Image preprocessing settings.</summary>
    public ImagePreprocessorConfig Preprocessor { get; }

    /// <summary>Sampling defaults.</summary>
    public GenerationDefaults Generation { get; }

    /// <summary>Special token ids.</summary>
    public SpecialTokens Tokens { get; }

    /// <summary>The vision tower.</summary>
    public IVisionEncoder Vision { get; }

    /// <summary>The language model.</summary>
    public Qwen2TextDecoder Text { get; }

    /// <summary>Name of the compute backend.</summary>
    public string BackendName => _backend.Name;

    /// <summary>Longest sequence the model supports.</summary>
    public int ContextLength => Info.ContextLength;

    /// <summary>Ids that end a reply: generation_config's eos ids plus the template's &lt;|im_end|&gt;.</summary>
    public int[] StopTokenIds => [.. Generation.EosTokenIds.Append(Tokens.ImEnd).Distinct()];

    /// <summary>Starts a sequence whose KV cache holds <paramref name="capacity"/> tokens.</summary>
    public ModelSession CreateSession(int capacity)
    {
        if (capacity > ContextLength)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"exceeds the model's context length {ContextLength}");
        }
        return new ModelSession(this, capacity, Math.Min(_prefillChunk, capacity));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        (_backend as IDisposable)?.Dispose();
        _weights.Dispose();
    }
}
