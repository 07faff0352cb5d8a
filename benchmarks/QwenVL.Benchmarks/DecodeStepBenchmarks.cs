// One decode step (embed, every layer, final norm, lm_head) of a whole model, with the
// MemoryDiagnoser's per-step allocation, which must be 0 B. The tiny fixture always runs; the
// Qwen2.5-VL-3B synthetic (7.5 GB written once to the bench cache) only with QWENVL_BENCH_3B=1.
using BenchmarkDotNet.Attributes;
using QwenVL.Cli.Bench;
using QwenVL.Models;
using QwenVL.Models.Synthetic;
using QwenVL.Tensors;
using QwenVL.Testing;

namespace QwenVL.Benchmarks;

/// <summary>Single-token decode of a loaded model.</summary>
[MemoryDiagnoser]
public class DecodeStepBenchmarks
{
    // The cache holds a 128-token text prompt; steps then run at cache lengths 128..383 and wrap, so
    // a run of any length never overflows and attention length stays representative of a short chat.
    private const int PromptTokens = 128, Window = 256;

    private VisionLanguageModel _model = null!;
    private ModelSession _session = null!;
    private int _token;

    /// <summary>Models to step: the tiny fixture, plus the 3B synthetic when QWENVL_BENCH_3B=1.</summary>
    public static IEnumerable<string> Models() =>
        Environment.GetEnvironmentVariable("QWENVL_BENCH_3B") == "1" ? ["qwen2.5-vl-tiny", "qwen2.5-vl-3b"] : ["qwen2.5-vl-tiny"];

    /// <summary>Which model.</summary>
    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = "qwen2.5-vl-tiny";

    /// <summary>Loads the model and prefills the prompt.</summary>
    [GlobalSetup]
    public void Setup()
    {
        string folder = Model == "qwen2.5-vl-3b"
            ? SyntheticCache.Ensure(BenchSettings.DefaultCacheRoot(), SyntheticPreset.Get(Model), DType.BF16, Console.Out)
            : Fixtures.Model(Model);
        _model = ModelRegistry.Load(folder, new ModelLoadOptions());
        int[] ids = BenchRunner.PromptIds(_model, imageTokens: 0, textTokens: PromptTokens);
        _session = _model.CreateSession(ids.Length + Window);
        var positions = QwenVL.Models.Multimodal.MRopePositions.Compute(ids, _model.Tokens.ImagePad, [], _model.Vision.MergeSize);
        _token = BenchRunner.ArgMax(_session.Prefill(ids, [], positions));
    }

    /// <summary>Releases the model.</summary>
    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    /// <summary>One greedy decode step.</summary>
    [Benchmark]
    public int DecodeStep()
    {
        if (_session.Length >= _session.Cache.Capacity)
        {
            _session.Cache.Truncate(_session.Cache.Capacity - Window);
        }
        _token = BenchRunner.ArgMax(_session.Decode(_token));
        return _token;
    }
}
