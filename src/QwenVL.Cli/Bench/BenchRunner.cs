// One measured pass of `qwenvl bench`: load the model, preprocess the test image (PNG decode +
// smart_resize + patchify), encode it, prefill template prefix + image + N text tokens, then G
// greedy decode steps, each stage on its own Stopwatch. It bypasses the Engine's sampler and
// streaming on purpose (argmax only), so decode numbers are the model's, not the text pipeline's.
using System.Diagnostics;
using System.Text.Json.Nodes;
using QwenVL.Imaging;
using QwenVL.Models;
using QwenVL.Models.Multimodal;
using QwenVL.Tensors;

namespace QwenVL.Cli.Bench;

/// <summary>Timings of one pass, in milliseconds, plus what was run.</summary>
public sealed record BenchSample(
    double LoadMs, double PreprocessMs, double ImageEncodeMs, double PrefillMs, double TtftMs, double DecodeMs,
    long DecodeAllocatedBytes, int PromptTotalTokens, int ImageTokens, int ResizedWidth, int ResizedHeight, string BackendName, string ModelType, string StoredDType,
    double PassWallMs, double PassCpuMs, long DecodeBytesPerToken = 0, long KvBytesPerPosition = 0)
{
    /// <summary>The read-rate probe taken right after this pass (bytes/s), when one was.</summary>
    public double? MemoryReadBytesPerSecond { get; init; }

    /// <summary>Bytes every thread of the process allocated during the decode loop (runtime background threads included).</summary>
    public long ProcessDecodeAllocatedBytes { get; init; }
}

/// <summary>Runs benchmark passes.</summary>
public static class BenchRunner
{
    // Ordinary English text tokenized once per pass and repeated to the requested length, so the
    // prompt is made of common BPE ids (never special tokens).
    private const string Filler = "The chart shows quarterly revenue for three regions; the northern region grows fastest, "
        + "while costs stay flat and the margin widens from twelve to eighteen percent over the year. ";

    /// <summary>One full pass over <paramref name="folder"/>; the model is loaded and disposed inside.</summary>
    public static BenchSample RunOnce(string folder, BenchSettings s, byte[]? png)
    {
        TimeSpan cpuStart = CpuTime();
        var pass = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        using VisionLanguageModel model = ModelRegistry.Load(folder,
            new ModelLoadOptions { Backend = s.Backend, Threads = s.Threads, Weights = s.Format });
        double loadMs = clock.Elapsed.TotalMilliseconds;
        // The dtype holding most bytes names the checkpoint's precision (norms may differ).
        string dominant = model.Info.BytesByDType.MaxBy(kv => kv.Value).Key.ToLowerInvariant();
        string stored = DescribeStorage(model.Info.BytesByDType);
        if (s.Preset is null && s.Weights is "bf16" or "f32" && s.Weights != dominant)
        {
            throw new CliUsageException($"--weights {s.Weights}, but {folder} stores {dominant}; bench runs a --model as stored (or quantized with q8/q4)");
        }

        double preprocessMs = 0, encodeMs = 0;
        float[]? embedding = null;
        ProcessedImage? image = null;
        if (png is not null)
        {
            clock.Restart();
            RgbImage rgb = ImageDecoder.Decode(png, "bench image");
            image = ImageProcessor.Process(rgb, model.Preprocessor);
            preprocessMs = clock.Elapsed.TotalMilliseconds;

            clock.Restart();
            embedding = model.Vision.Encode(image);
            encodeMs = clock.Elapsed.TotalMilliseconds;
        }

        int merge = model.Vision.MergeSize;
        int imageTokens = image?.TokenCount(merge) ?? 0;
        int[] ids = PromptIds(model, imageTokens, s.PromptTokens);
        ImageGrid[] grids = image is null ? [] : [new ImageGrid(image.GridT, image.GridH, image.GridW)];
        MRopePositionIds positions = MRopePositions.Compute(ids, model.Tokens.ImagePad, grids, merge);
        if (ids.Length + s.GenTokens + 1 > model.ContextLength)
        {
            throw new CliUsageException($"{ids.Length} prompt tokens + {s.GenTokens} generated exceed the model's context of {model.ContextLength}");
        }

        // Prefill includes creating the session (its KV cache), as the Engine's timing does.
        clock.Restart();
        ModelSession session = model.CreateSession(ids.Length + s.GenTokens + 1);
        int token = ArgMax(session.Prefill(ids, embedding is null ? [] : [embedding], positions));
        double prefillMs = clock.Elapsed.TotalMilliseconds;

        // The decode loop's allocation: this thread plus the compute-pool workers. The whole-process
        // counter is kept beside it: it also sees the runtime's own threads (tiered compilation, the
        // thread pool), which once showed 32 bytes in a pass whose decode threads allocated nothing.
        long before = GC.GetAllocatedBytesForCurrentThread() + ComputeThreadPool.WorkerAllocatedBytes;
        long processBefore = GC.GetTotalAllocatedBytes(precise: true);
        clock.Restart();
        for (int g = 0; g < s.GenTokens; g++)
        {
            token = ArgMax(session.Decode(token));
        }
        double decodeMs = clock.Elapsed.TotalMilliseconds;
        long allocated = GC.GetAllocatedBytesForCurrentThread() + ComputeThreadPool.WorkerAllocatedBytes - before;
        long processAllocated = GC.GetTotalAllocatedBytes(precise: true) - processBefore;
        double cpuMs = (CpuTime() - cpuStart).TotalMilliseconds;

        return new BenchSample(loadMs, preprocessMs, encodeMs, prefillMs, preprocessMs + encodeMs + prefillMs, decodeMs,
            allocated, ids.Length, imageTokens, image?.ResizedWidth ?? 0, image?.ResizedHeight ?? 0, model.BackendName, model.Info.ModelType, stored,
            pass.Elapsed.TotalMilliseconds, cpuMs, model.Text.DecodeBytesPerToken, model.Text.KvBytesPerPosition)
        {
            ProcessDecodeAllocatedBytes = processAllocated,
        };
    }

    /// <summary>
    /// The chat template's prefix up to the user turn's first image, then &lt;|vision_start|&gt;,
    /// <paramref name="imageTokens"/> image pads, &lt;|vision_end|&gt; (all three only with an image),
    /// then <paramref name="textTokens"/> ordinary text ids.
    /// </summary>
    public static int[] PromptIds(VisionLanguageModel model, int imageTokens, int textTokens)
    {
        var messages = new JsonArray
        {
            new JsonObject { ["role"] = "user", ["content"] = new JsonArray { new JsonObject { ["type"] = "image" } } },
        };
        int[] rendered = model.Tokenizer.Encode(model.Template.Render(messages, addGenerationPrompt: true));
        int start = Array.IndexOf(rendered, model.Tokens.VisionStart);
        if (start < 0)
        {
            throw new ModelException("the chat template renders no <|vision_start|> for an image part", model.Info.Folder);
        }
        var ids = new List<int>(start + imageTokens + textTokens + 2);
        ids.AddRange(rendered.AsSpan(0, start));
        if (imageTokens > 0)
        {
            ids.Add(model.Tokens.VisionStart);
            ids.AddRange(Enumerable.Repeat(model.Tokens.ImagePad, imageTokens));
            ids.Add(model.Tokens.VisionEnd);
        }
        int[] filler = model.Tokenizer.Encode(Filler);
        for (int i = 0; i < textTokens; i++)
        {
            ids.Add(filler[i % filler.Length]);
        }
        return [.. ids];
    }

    private static TimeSpan CpuTime()
    {
        using Process self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>Index of the largest logit (first on ties), as greedy decoding picks.</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }
        return best;
    }

    /// <summary>
    /// Every dtype with at least 1% of the checkpoint's bytes, most bytes first, joined by '+': a GGUF
    /// Q4_K_M pair with a BF16 projector reads "bf16+q4_k+q6_k", not just "bf16" (F32 norms drop out).
    /// </summary>
    public static string DescribeStorage(IReadOnlyDictionary<string, long> bytesByDType)
    {
        long total = bytesByDType.Values.Sum();
        return string.Join('+', bytesByDType.Where(kv => kv.Value * 100 >= total)
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key.ToLowerInvariant()));
    }
}
