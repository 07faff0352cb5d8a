// Turns measured passes into the bench report: medians (and minimums) per stage, throughput from
// the median times, peak RSS and allocation per decoded token; printed as one JSON object or as a
// table for people. Warm-up passes never reach here. It computes nothing about the model itself.
using System.Globalization;
using System.Text;

namespace QwenVL.Cli.Bench;

/// <summary>Summary of the measured passes of one bench invocation.</summary>
public sealed class BenchReport(BenchSettings settings, string modelLabel, IReadOnlyList<BenchSample> samples, long peakRss, string peakRssSource)
{
    private BenchSample First => samples[0];

    private double Median(Func<BenchSample, double> f) => MedianOf([.. samples.Select(f)]);

    private double Min(Func<BenchSample, double> f) => samples.Min(f);

    private double PrefillTokensPerSecond(double ms) => ms > 0 ? First.PromptTotalTokens * 1000.0 / ms : 0;

    private double DecodeTokensPerSecond(double ms) => ms > 0 ? settings.GenTokens * 1000.0 / ms : 0;

    private double AllocPerToken => settings.GenTokens == 0 ? 0 : Median(s => s.DecodeAllocatedBytes) / settings.GenTokens;

    private double ProcessAllocPerToken => settings.GenTokens == 0 ? 0 : Median(s => s.ProcessDecodeAllocatedBytes) / settings.GenTokens;

    // Process CPU time over wall time × threads across the measured passes: near 1 when the
    // compute threads had their cores (spinning workers count as busy), well below 1 when other
    // processes took them, which is what makes a run on a shared machine noisy.
    private double CpuUse => samples.Sum(s => s.PassCpuMs) / Math.Max(1e-9, samples.Sum(s => s.PassWallMs) * Threads);

    private string Weights => settings.Weights ?? First.StoredDType;

    /// <summary>One read-rate probe (bytes/s) for the whole run, used where the passes carry none.</summary>
    public double? MemoryReadBytesPerSecond { get; init; }

    private bool PairedProbes => samples.All(s => s.MemoryReadBytesPerSecond is > 0);

    /// <summary>The read rate reported: the median of the per-pass probes, else the one probe.</summary>
    private double? ReadRate => PairedProbes ? Median(s => s.MemoryReadBytesPerSecond!.Value) : MemoryReadBytesPerSecond;

    /// <summary>
    /// KV-cache bytes an average decode step reads: step g (from 0) attends over prompt + g + 1
    /// cached tokens, so the mean over G steps is prompt + (G + 1)/2 of them.
    /// </summary>
    private double KvBytesPerStep => First.KvBytesPerPosition * (First.PromptTotalTokens + ((settings.GenTokens + 1) / 2.0));

    /// <summary>Bytes a decode step must read from memory: its weights and the KV cache it attends over.</summary>
    private double DecodeStepBytes => First.DecodeBytesPerToken + KvBytesPerStep;

    /// <summary>Those bytes × decode steps per second (median decode time).</summary>
    private double DecodeBytesPerSecond => DecodeStepBytes * DecodeTokensPerSecond(Median(s => s.DecodeMs));

    /// <summary>
    /// Share of the measured read bandwidth the decode reaches (1 = all of it): the median over
    /// passes of each pass's decode read rate over the probe taken right after it, else the
    /// median decode over the one probe.
    /// </summary>
    private double? BandwidthUse => PairedProbes
        ? Median(s => DecodeStepBytes * DecodeTokensPerSecond(s.DecodeMs) / s.MemoryReadBytesPerSecond!.Value)
        : MemoryReadBytesPerSecond is > 0 ? DecodeBytesPerSecond / MemoryReadBytesPerSecond : null;

    private int Threads => settings.Threads > 0 ? settings.Threads : settings.Backend == "reference" ? 1 : Environment.ProcessorCount;

    /// <summary>Middle value (mean of the two middle ones for an even count).</summary>
    public static double MedianOf(double[] values)
    {
        Array.Sort(values);
        int n = values.Length;
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }

    /// <summary>The --json payload; throughputs come from median times, so they are medians too.</summary>
    public Dictionary<string, object?> ToJson()
    {
        double prefill = Median(s => s.PrefillMs), decode = Median(s => s.DecodeMs);
        return new Dictionary<string, object?>
        {
            ["model"] = modelLabel,
            ["model_type"] = First.ModelType,
            ["synthetic"] = settings.Preset is not null,
            ["weights"] = Weights,
            ["backend"] = First.BackendName,
            ["threads"] = Threads,
            ["image_size"] = settings.HasImage ? $"{settings.ImageWidth}x{settings.ImageHeight}" : "none",
            ["resized_image_size"] = settings.HasImage ? $"{First.ResizedWidth}x{First.ResizedHeight}" : "none",
            ["image_tokens"] = First.ImageTokens,
            ["prompt_tokens"] = settings.PromptTokens,
            ["prefill_tokens"] = First.PromptTotalTokens,
            ["gen_tokens"] = settings.GenTokens,
            ["repeat"] = samples.Count,
            ["warmup"] = settings.Warmup,
            ["load_ms"] = R(Median(s => s.LoadMs)),
            ["preprocess_ms"] = R(Median(s => s.PreprocessMs)),
            ["image_encode_ms"] = R(Median(s => s.ImageEncodeMs)),
            ["prefill_ms"] = R(prefill),
            ["prefill_tokens_per_s"] = R(PrefillTokensPerSecond(prefill)),
            ["ttft_ms"] = R(Median(s => s.TtftMs)),
            ["decode_ms"] = R(decode),
            ["decode_tokens_per_s"] = R(DecodeTokensPerSecond(decode)),
            ["peak_rss_bytes"] = peakRss,
            ["peak_rss_source"] = peakRssSource,
            ["alloc_bytes_per_token"] = R(AllocPerToken),
            ["process_alloc_bytes_per_token"] = R(ProcessAllocPerToken),
            ["decode_weight_bytes_per_token"] = First.DecodeBytesPerToken,
            ["decode_kv_bytes_per_token"] = Math.Round(KvBytesPerStep),
            ["memory_read_bytes_per_s"] = ReadRate is double bw ? Math.Round(bw) : null,
            ["decode_bandwidth_use"] = BandwidthUse is double use ? R(use) : null,
            ["cpu_use"] = R(CpuUse),
            ["load_average"] = MachineInfo.LoadAverage(),
            ["min"] = new Dictionary<string, double>
            {
                ["load_ms"] = R(Min(s => s.LoadMs)),
                ["preprocess_ms"] = R(Min(s => s.PreprocessMs)),
                ["image_encode_ms"] = R(Min(s => s.ImageEncodeMs)),
                ["prefill_ms"] = R(Min(s => s.PrefillMs)),
                ["ttft_ms"] = R(Min(s => s.TtftMs)),
                ["decode_ms"] = R(Min(s => s.DecodeMs)),
            },
            ["machine"] = new Dictionary<string, object?>
            {
                ["cpu"] = MachineInfo.CpuModel(),
                ["cores"] = Environment.ProcessorCount,
                ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                ["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
                ["vector_bits"] = MachineInfo.VectorBits(),
                ["isa"] = MachineInfo.IsaClasses(),
                // The int8 kernel set the widest CPU backend (cpu, cpu-bf16) takes here: AvxVnni512 adds
                // generated 512-bit code, which no intrinsics class in "isa" shows.
                ["int8_kernel"] = QwenVL.Tensors.Quant.QuantKernels.ForLevel(QwenVL.Tensors.SimdLevel.Best).ToString(),
            },
        };
    }

    /// <summary>The human-readable table.</summary>
    public string ToTable()
    {
        var o = new StringBuilder();
        string image = settings.HasImage
            ? $"image {settings.ImageWidth}x{settings.ImageHeight} (resized {First.ResizedWidth}x{First.ResizedHeight}, {First.ImageTokens} tokens)"
            : "no image";
        o.AppendLine(C($"model     {modelLabel} ({First.ModelType}{(settings.Preset is null ? "" : ", synthetic: random weights")}), weights {Weights}"));
        o.AppendLine(C($"run       {First.BackendName}, {Threads} thread(s); {image}; prefill {First.PromptTotalTokens} tokens ({settings.PromptTokens} text); {settings.GenTokens} decode steps"));
        o.AppendLine(C($"passes    {settings.Warmup} warm-up + {samples.Count} measured; median (min)"));
        o.AppendLine();
        Row(o, "load", s => s.LoadMs);
        Row(o, "preprocess", s => s.PreprocessMs);
        Row(o, "image encode", s => s.ImageEncodeMs);
        Row(o, "prefill", s => s.PrefillMs, PrefillTokensPerSecond);
        Row(o, "first token", s => s.TtftMs);
        Row(o, "decode", s => s.DecodeMs, DecodeTokensPerSecond);
        o.AppendLine(C($"{"peak RSS",-14}{peakRss / (1024.0 * 1024 * 1024),12:F2} GiB  ({peakRssSource})"));
        o.AppendLine(C($"{"alloc/token",-14}{AllocPerToken,12:F0} B     (decode thread + compute workers; {ProcessAllocPerToken:F0} B on all threads)"));
        if (BandwidthUse is double use)
        {
            o.AppendLine(C($"{"decode memory",-14}{DecodeBytesPerSecond / 1e9,12:F1} GB/s  ({First.DecodeBytesPerToken / 1e9:F2} GB of weights + {KvBytesPerStep / 1e9:F3} GB of KV cache a token; {use * 100:F0}% of the {ReadRate / 1e9:F1} GB/s measured read rate{(PairedProbes ? ", pass by pass" : "")})"));
        }
        o.AppendLine(C($"{"cpu use",-14}{CpuUse,12:F2}       (process CPU / (wall x threads); load average {MachineInfo.LoadAverage()?.ToString(CultureInfo.InvariantCulture) ?? "n/a"})"));
        o.AppendLine();
        o.AppendLine(C($"machine   {MachineInfo.CpuModel()}, {Environment.ProcessorCount} cores, {MachineInfo.VectorBits()}-bit vectors; {string.Join(" ", MachineInfo.IsaClasses())}"));
        return o.ToString();
    }

    private void Row(StringBuilder o, string stage, Func<BenchSample, double> f, Func<double, double>? rate = null)
    {
        double med = Median(f), min = Min(f);
        string extra = rate is null ? "" : $"  {rate(med),9:F2} tok/s ({rate(min):F2})";
        o.AppendLine(C($"{stage,-14}{med,12:F1} ms  ({min:F1}){extra}"));
    }

    private static string C(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static double R(double v) => Math.Round(v, 3);
}
