// What one `qwenvl bench` invocation measures, validated from the raw option values: which model
// (a folder or a synthetic preset), image size, prompt/generation lengths, weight format, threads,
// repeats. Every bad value becomes a CliUsageException (exit 2) naming the option; nothing is loaded here.
using System.Globalization;
using QwenVL.Models;
using QwenVL.Models.Synthetic;
using QwenVL.Tensors;

namespace QwenVL.Cli.Bench;

/// <summary>Validated benchmark settings.</summary>
public sealed record BenchSettings
{
    /// <summary>Checkpoint folder given with --model, or null with --synthetic.</summary>
    public string? ModelFolder { get; init; }

    /// <summary>Synthetic preset given with --synthetic, or null with --model.</summary>
    public SyntheticPreset? Preset { get; init; }

    /// <summary>Image width in pixels; 0 means a text-only prompt (--image-size none).</summary>
    public int ImageWidth { get; init; }

    /// <summary>Image height in pixels; 0 means a text-only prompt.</summary>
    public int ImageHeight { get; init; }

    /// <summary>Ordinary text tokens after the image.</summary>
    public int PromptTokens { get; init; }

    /// <summary>Decode steps timed after the first token.</summary>
    public int GenTokens { get; init; }

    /// <summary>"bf16", "f32", "q8", "q4", or null for "as the checkpoint stores it" (--model only).</summary>
    public string? Weights { get; init; }

    /// <summary>Compute threads requested (0 = one per core).</summary>
    public int Threads { get; init; }

    /// <summary>Measured runs after the warm-up.</summary>
    public int Repeat { get; init; }

    /// <summary>Unmeasured warm-up runs.</summary>
    public int Warmup { get; init; }

    /// <summary>Backend name for ComputeBackends.</summary>
    public string Backend { get; init; } = "cpu";

    /// <summary>Root of the synthetic-checkpoint cache.</summary>
    public string CacheRoot { get; init; } = "";

    /// <summary>True when an image is part of the prompt.</summary>
    public bool HasImage => ImageWidth > 0;

    /// <summary>Weight format the loader is asked for.</summary>
    public WeightFormat Format => Weights switch
    {
        "q8" => WeightFormat.Q8,
        "q4" => WeightFormat.Q4,
        _ => WeightFormat.AsStored,
    };

    /// <summary>Dtype a synthetic checkpoint is written in: f32 only when asked, else bf16 (q8/q4 quantize a bf16 file at load).</summary>
    public DType SynthDType => Weights == "f32" ? DType.F32 : DType.BF16;

    /// <summary>Validates raw option values.</summary>
    public static BenchSettings Parse(string? model, string? synthetic, string imageSize, int promptTokens, int genTokens,
        string? weights, int threads, int repeat, int warmup, string backend, string? cache)
    {
        if ((model is null) == (synthetic is null))
        {
            throw new CliUsageException("give exactly one of --model DIR or --synthetic PRESET");
        }
        SyntheticPreset? preset = null;
        if (synthetic is not null)
        {
            preset = SyntheticPreset.All.FirstOrDefault(p => string.Equals(p.Name, synthetic, StringComparison.OrdinalIgnoreCase))
                ?? throw new CliUsageException($"--synthetic: unknown preset '{synthetic}'; choose one of: {string.Join(", ", SyntheticPreset.All.Select(p => p.Name))}");
        }
        (int w, int h) = ParseImageSize(imageSize);
        string? format = weights?.Trim().ToLowerInvariant();
        if (format is not (null or "bf16" or "f32" or "q8" or "q4"))
        {
            throw new CliUsageException($"--weights must be bf16, f32, q8 or q4, not '{weights}'");
        }
        Positive(promptTokens, "--prompt-tokens", allowZero: true);
        Positive(genTokens, "--gen-tokens", allowZero: true);
        Positive(threads, "--threads", allowZero: true);
        Positive(repeat, "--repeat", allowZero: false);
        Positive(warmup, "--warmup", allowZero: true);
        if (w == 0 && promptTokens == 0)
        {
            throw new CliUsageException("--prompt-tokens must be positive when --image-size is none (the prompt would be empty)");
        }
        if (!ComputeBackends.Names.Contains(backend.Trim().ToLowerInvariant()))
        {
            throw new CliUsageException($"--backend: unknown backend '{backend}'; valid names: {string.Join(", ", ComputeBackends.Names)}");
        }
        return new BenchSettings
        {
            ModelFolder = model,
            Preset = preset,
            ImageWidth = w,
            ImageHeight = h,
            PromptTokens = promptTokens,
            GenTokens = genTokens,
            Weights = format ?? (preset is null ? null : "bf16"),
            Threads = threads,
            Repeat = repeat,
            Warmup = warmup,
            Backend = backend.Trim().ToLowerInvariant(),
            CacheRoot = cache ?? DefaultCacheRoot(),
        };
    }

    /// <summary>"WxH" → (W, H); "none" or "0" → (0, 0). Sides between 1 and 16384.</summary>
    public static (int Width, int Height) ParseImageSize(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t is "none" or "0")
        {
            return (0, 0);
        }
        string[] parts = t.Split('x');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            && w is > 0 and <= 16384 && h is > 0 and <= 16384)
        {
            return (w, h);
        }
        throw new CliUsageException($"--image-size must be WIDTHxHEIGHT with sides 1..16384 (e.g. 448x448) or 'none', not '{text}'");
    }

    /// <summary>$QWENVL_CACHE, else ~/.cache/qwenvl.</summary>
    public static string DefaultCacheRoot()
    {
        string? env = Environment.GetEnvironmentVariable("QWENVL_CACHE");
        return !string.IsNullOrEmpty(env) ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "qwenvl");
    }

    private static void Positive(int value, string option, bool allowZero)
    {
        if (value < 0 || (value == 0 && !allowZero))
        {
            throw new CliUsageException($"{option} must be {(allowZero ? "zero or more" : "at least 1")}, not {value}");
        }
    }
}
