// `qwenvl bench` from the outside: the JSON report has every field with positive timings on a
// cached synthetic tiny model and on the tiny fixture, bad arguments exit 2 with one line; plus
// the pieces it is built from (test PNG round trip, prompt layout, median). Speed is never asserted.
using System.Text.Json.Nodes;
using QwenVL.Cli.Bench;
using QwenVL.Imaging;
using QwenVL.Models;
using QwenVL.Models.Multimodal;
using QwenVL.Testing;

namespace QwenVL.Cli.Tests;

public sealed class BenchCommandTests : IDisposable
{
    private static readonly string[] Fields =
    [
        "load_ms", "preprocess_ms", "image_encode_ms", "prefill_tokens_per_s", "ttft_ms", "decode_tokens_per_s",
        "peak_rss_bytes", "alloc_bytes_per_token", "process_alloc_bytes_per_token", "threads", "weights", "model", "image_size", "image_tokens",
        "prompt_tokens", "gen_tokens", "repeat", "backend", "machine",
    ];

    private readonly string _cache = Directory.CreateTempSubdirectory("qwenvl-bench-test-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [Fact]
    public async Task BenchJson_SyntheticTiny_PrintsEveryFieldWithPositiveTimings()
    {
        CliResult r = await Qwenvl.Run("bench", "--synthetic", "qwen2.5-vl-tiny", "--image-size", "112x112", "--prompt-tokens", "8",
            "--gen-tokens", "4", "--repeat", "1", "--json", "--cache", _cache);
        Assert.True(r.ExitCode == 0, r.Stderr);
        JsonNode json = JsonNode.Parse(r.Stdout)!;
        foreach (string field in Fields)
        {
            Assert.True(json[field] is not null, $"missing {field} in {r.Stdout}");
        }
        foreach (string positive in new[] { "load_ms", "preprocess_ms", "image_encode_ms", "prefill_tokens_per_s", "ttft_ms", "decode_tokens_per_s" })
        {
            Assert.True(json[positive]!.GetValue<double>() > 0, $"{positive} = {json[positive]}");
        }
        // 112x112 = 8x8 patches of 14 px; 2x2 merge → 16 language-model tokens.
        Assert.Equal(16, json["image_tokens"]!.GetValue<int>());
        Assert.Equal("qwen2.5-vl-tiny", json["model"]!.GetValue<string>());
        Assert.Equal("bf16", json["weights"]!.GetValue<string>());
        Assert.Equal(8, json["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(4, json["gen_tokens"]!.GetValue<int>());
        Assert.Equal(1, json["repeat"]!.GetValue<int>());
        Assert.True(json["peak_rss_bytes"]!.GetValue<long>() > 1_000_000);
        Assert.True(json["alloc_bytes_per_token"]!.GetValue<double>() >= 0);
        // The decode threads' count is part of the whole process's.
        Assert.True(json["process_alloc_bytes_per_token"]!.GetValue<double>() >= json["alloc_bytes_per_token"]!.GetValue<double>(), r.Stdout);
        Assert.True(json["threads"]!.GetValue<int>() >= 1);
        // Weights a decode step reads, and the measured read rate it is held to (any machine: > 100 MB/s).
        Assert.True(json["decode_weight_bytes_per_token"]!.GetValue<long>() > 10_000, $"{json["decode_weight_bytes_per_token"]}");
        Assert.True(json["memory_read_bytes_per_s"]!.GetValue<double>() > 1e8, $"{json["memory_read_bytes_per_s"]}");
        Assert.True(json["decode_bandwidth_use"]!.GetValue<double>() > 0);
        // The tiny preset's cache: every layer's K and V rows in float32, over prefill + (4 + 1)/2
        // cached tokens on average, checked against the model's own config.
        JsonNode config = JsonNode.Parse(File.ReadAllText(Path.Combine(_cache, "synthetic", "qwen2.5-vl-tiny-bf16-seed0", "config.json")))!;
        JsonNode text = config["text_config"] ?? config;
        int layers = text["num_hidden_layers"]!.GetValue<int>(), kvHeads = text["num_key_value_heads"]!.GetValue<int>();
        int headDim = text["hidden_size"]!.GetValue<int>() / text["num_attention_heads"]!.GetValue<int>();
        double cached = json["prefill_tokens"]!.GetValue<int>() + 2.5;
        Assert.Equal(2.0 * layers * kvHeads * headDim * sizeof(float) * cached, json["decode_kv_bytes_per_token"]!.GetValue<double>(), 0);
        Assert.True(json["cpu_use"]!.GetValue<double>() > 0);
        Assert.False(string.IsNullOrEmpty(json["machine"]!["cpu"]!.GetValue<string>()));
        Assert.True(Enum.TryParse(json["machine"]!["int8_kernel"]!.GetValue<string>(), out QwenVL.Tensors.Quant.QuantKernel kernel));
        Assert.Equal(QwenVL.Tensors.Quant.QuantKernels.ForLevel(QwenVL.Tensors.SimdLevel.Best), kernel);
        Assert.True(File.Exists(Path.Combine(_cache, "synthetic", "qwen2.5-vl-tiny-bf16-seed0", "config.json")));
        Assert.Single(r.Stdout.Trim().Split('\n'));
    }

    [Fact]
    public async Task BenchJson_ReadRateProbes_StayOutOfThePeakRss()
    {
        // The 1 GiB read-rate probe runs after every measured pass; the tiny model's process peaks
        // far below 1 GiB, so a peak above it would be the probe's buffer counted as the model's.
        CliResult r = await Qwenvl.Run("bench", "--model", Fixtures.Model("qwen2.5-vl-tiny"), "--image-size", "none", "--prompt-tokens", "4",
            "--gen-tokens", "2", "--repeat", "2", "--warmup", "0", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        JsonNode json = JsonNode.Parse(r.Stdout)!;
        long peak = json["peak_rss_bytes"]!.GetValue<long>();
        Assert.True(peak is > 10_000_000 and < 1L << 30, $"peak RSS {peak} bytes");
        Assert.True(json["memory_read_bytes_per_s"]!.GetValue<double>() > 1e8, $"{json["memory_read_bytes_per_s"]}");
    }

    [Fact]
    public async Task BenchJson_StreamsOverRounds_ReportsTheMedianRoundRatioWithinItsRange()
    {
        CliResult r = await Qwenvl.Run("bench", "--model", Fixtures.Model("qwen2.5-vl-tiny"), "--image-size", "none", "--prompt-tokens", "4",
            "--gen-tokens", "4", "--repeat", "3", "--warmup", "0", "--streams", "2", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        JsonNode json = JsonNode.Parse(r.Stdout)!;
        Assert.Equal(2, json["streams"]!.GetValue<int>());
        Assert.Equal(3, json["batch_rounds"]!.GetValue<int>());
        double speedup = json["batch_speedup"]!.GetValue<double>(), min = json["batch_speedup_min"]!.GetValue<double>();
        double max = json["batch_speedup_max"]!.GetValue<double>();
        Assert.True(min > 0 && min <= speedup && speedup <= max, r.Stdout);
        Assert.True(json["single_stream_decode_tokens_per_s"]!.GetValue<double>() > 0, r.Stdout);
        Assert.True(json["batched_decode_tokens_per_s"]!.GetValue<double>() > 0, r.Stdout);
    }

    [Fact]
    public async Task BenchJson_SecondTurn_ReusesTheFirstTurnsPrefixAndSkipsTheVisionTower()
    {
        CliResult r = await Qwenvl.Run("bench", "--model", Fixtures.Model("qwen2.5-vl-tiny"), "--image-size", "112x112", "--prompt-tokens", "4",
            "--gen-tokens", "3", "--repeat", "1", "--warmup", "0", "--second-turn", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        JsonNode json = JsonNode.Parse(r.Stdout)!;
        int prompt = json["second_turn_prompt_tokens"]!.GetValue<int>();
        int cached = json["second_turn_cached_tokens"]!.GetValue<int>();
        // Turn 1's template, 16 image tokens and question are all in the reused prefix.
        Assert.True(cached > 16, $"cached {cached} of {prompt}");
        Assert.True(cached < prompt);
        Assert.Equal(prompt - cached, json["second_turn_new_tokens"]!.GetValue<int>());
        // No image is encoded (the loop over reused images only skips): well under the 1 ms bound.
        Assert.True(json["second_turn_vision_ms"]!.GetValue<double>() < 1, $"vision {json["second_turn_vision_ms"]} ms");
        Assert.True(json["second_turn_ttft_ms"]!.GetValue<double>() > 0);
    }

    [Fact]
    public async Task Bench_SecondTurnWithoutImage_ExitsTwo()
    {
        CliResult r = await Qwenvl.Run("bench", "--model", Fixtures.Model("qwen2.5-vl-tiny"), "--image-size", "none", "--repeat", "1", "--second-turn");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--second-turn", r.Stderr);
    }

    [Fact]
    public async Task BenchJson_FixtureModel_CountsPrefixImageAndTextTokens()
    {
        CliResult r = await Qwenvl.Run("bench", "--model", Fixtures.Model("qwen2.5-vl-tiny"), "--image-size", "140x84", "--prompt-tokens", "5",
            "--gen-tokens", "3", "--repeat", "2", "--warmup", "0", "--threads", "1", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        JsonNode json = JsonNode.Parse(r.Stdout)!;
        // 140x84 is already a multiple of 28: 10x6 patches → 5x3 merged = 15 tokens.
        Assert.Equal(15, json["image_tokens"]!.GetValue<int>());
        Assert.Equal("140x84", json["resized_image_size"]!.GetValue<string>());
        Assert.Equal("qwen2.5-vl-tiny", json["model"]!.GetValue<string>());
        Assert.Equal(1, json["threads"]!.GetValue<int>());
        Assert.Equal(2, json["repeat"]!.GetValue<int>());
        // Template prefix (system turn + "<|im_start|>user\n") + vision_start + 15 pads + vision_end + 5 text ids.
        Assert.True(json["prefill_tokens"]!.GetValue<int>() > 15 + 2 + 5);
        Assert.True(json["decode_tokens_per_s"]!.GetValue<double>() > 0);
    }

    [Fact]
    public async Task Bench_TextOnlyTable_PrintsStagesWithoutImage()
    {
        CliResult r = await Qwenvl.Run("bench", "--model", Fixtures.Model("qwen2-vl-tiny"), "--image-size", "none", "--prompt-tokens", "6",
            "--gen-tokens", "2", "--repeat", "1", "--warmup", "0");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("no image", r.Stdout);
        Assert.Contains("decode", r.Stdout);
        Assert.Contains("alloc/token", r.Stdout);
    }

    [Theory]
    [InlineData("--image-size", "10x", "--image-size")]
    [InlineData("--image-size", "0x10", "--image-size")]
    [InlineData("--weights", "q3", "--weights")]
    [InlineData("--repeat", "0", "--repeat")]
    [InlineData("--backend", "gpu", "--backend")]
    public async Task Bench_BadArgument_ExitsTwoWithOneLine(string option, string value, string named)
    {
        CliResult r = await Qwenvl.Run("bench", "--synthetic", "qwen2.5-vl-tiny", option, value, "--cache", _cache);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.StartsWith("qwenvl: error: " + named, r.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_cache));
    }

    [Fact]
    public async Task Bench_UnknownPreset_ExitsTwoListingPresets()
    {
        CliResult r = await Qwenvl.Run("bench", "--synthetic", "qwen9-vl-huge", "--cache", _cache);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains("qwen9-vl-huge", r.Stderr);
        Assert.Contains("qwen2.5-vl-3b", r.Stderr);
    }

    [Fact]
    public async Task Bench_ModelAndSynthetic_ExitsTwo()
    {
        CliResult r = await Qwenvl.Run("bench", "--synthetic", "qwen2.5-vl-tiny", "--model", Fixtures.Model("qwen2.5-vl-tiny"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("exactly one of --model", r.Stderr);
    }

    [Fact]
    public async Task Bench_ModelWithOtherFloatWeights_ExitsTwoNamingStoredDType()
    {
        // The tiny fixture stores BF16; bench never widens a --model checkpoint to F32.
        CliResult r = await Qwenvl.Run("bench", "--model", Fixtures.Model("qwen2.5-vl-tiny"), "--weights", "f32", "--image-size", "none",
            "--prompt-tokens", "2", "--gen-tokens", "1", "--repeat", "1", "--warmup", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains("stores bf16", r.Stderr);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(57, 31)]
    [InlineData(448, 448)]
    public void BenchImagePng_Decoded_EqualsGeneratedPixels(int width, int height)
    {
        RgbImage decoded = ImageDecoder.Decode(BenchImage.Png(width, height), "bench.png");
        Assert.Equal(width, decoded.Width);
        Assert.Equal(height, decoded.Height);
        Assert.Equal(BenchImage.Pixels(width, height), decoded.Pixels);
    }

    [Fact]
    public void PromptIds_TinyFixture_PrefixThenVisionBlockThenText()
    {
        using VisionLanguageModel model = ModelRegistry.Load(Fixtures.Model("qwen2.5-vl-tiny"), new ModelLoadOptions { Threads = 1 });
        int[] ids = BenchRunner.PromptIds(model, imageTokens: 16, textTokens: 9);
        int start = Array.IndexOf(ids, model.Tokens.VisionStart);
        Assert.True(start > 0);
        Assert.Equal(start + 1 + 16 + 1 + 9, ids.Length);
        Assert.All(ids.AsSpan(start + 1, 16).ToArray(), t => Assert.Equal(model.Tokens.ImagePad, t));
        Assert.Equal(model.Tokens.VisionEnd, ids[start + 17]);
        Assert.All(ids[(start + 18)..], t => Assert.True(t < 151643, $"special token {t} in the text part"));
        // The 16 pads form a 4x4 merged grid (8x8 patches): M-RoPE text resumes at start + 1 + 4.
        MRopePositionIds pos = MRopePositions.Compute(ids, model.Tokens.ImagePad, [new ImageGrid(1, 8, 8)], 2);
        Assert.Equal(start + 1 + 4, pos.T[start + 17]);
    }

    [Theory]
    [InlineData(new[] { 3.0 }, 3.0)]
    [InlineData(new[] { 5.0, 1.0, 3.0 }, 3.0)]
    [InlineData(new[] { 4.0, 1.0, 2.0, 10.0 }, 3.0)]
    public void MedianOf_Values_ReturnsMiddle(double[] values, double expected) => Assert.Equal(expected, BenchReport.MedianOf(values));

    [Fact]
    public void BenchReport_PerPassProbes_BandwidthUseIsTheMedianOfPairedRatiosWithTheKvCacheCounted()
    {
        // 3 passes of 10 decode steps after 100 prompt tokens: a step reads 1 GB of weights plus
        // 1 MB per cached token, 100 + (10 + 1)/2 = 105.5 of them on average → 1.1055 GB a step.
        BenchSettings settings = BenchSettings.Parse(null, "qwen2.5-vl-tiny", "none", 100, 10, null, 2, 3, 0, "cpu", _cache);
        BenchSample Pass(double decodeMs, double probe) =>
            new(1, 0, 0, 1, 1, decodeMs, 0, 100, 0, 0, 0, "cpu", "qwen2_5_vl", "bf16", 10, 10, 1_000_000_000, 1_000_000)
            {
                MemoryReadBytesPerSecond = probe,
            };
        // Decode rates 11.055, 22.11 and 5.5275 GB/s against probes of 20, 25 and 10 GB/s: uses
        // 0.55275, 0.8844 and 0.55275; the median is 0.55275. A median decode over the median
        // probe would give 11.055 / 20 = 0.55275 too, so the slow pass's probe is set apart:
        // over the best probe (25) it would be 0.4422.
        var report = new BenchReport(settings, "tiny", [Pass(1000, 20e9), Pass(500, 25e9), Pass(2000, 10e9)], 1, "test");
        Dictionary<string, object?> json = report.ToJson();
        Assert.Equal(1_000_000_000L, json["decode_weight_bytes_per_token"]);
        Assert.Equal(105_500_000.0, (double)json["decode_kv_bytes_per_token"]!);
        Assert.Equal(20e9, (double)json["memory_read_bytes_per_s"]!);
        Assert.Equal(0.553, (double)json["decode_bandwidth_use"]!, 3);
        Assert.Contains("pass by pass", report.ToTable());

        // Without per-pass probes, the one probe serves: median decode (11.055 GB/s) over 22.11 GB/s.
        BenchSample Bare(double decodeMs) => Pass(decodeMs, 0) with { MemoryReadBytesPerSecond = null };
        var single = new BenchReport(settings, "tiny", [Bare(1000), Bare(500), Bare(2000)], 1, "test") { MemoryReadBytesPerSecond = 22.11e9 };
        Assert.Equal(0.5, (double)single.ToJson()["decode_bandwidth_use"]!, 3);
    }

    [Fact]
    public void ArgMax_Ties_ReturnsFirst() => Assert.Equal(1, BenchRunner.ArgMax([0f, 2f, -1f, 2f]));

    [Fact]
    public void DescribeStorage_MixedGgufPair_NamesEveryDTypeOverOnePercentMostFirst()
    {
        // The 3B Q4_K_M text GGUF with a BF16 projector: 1265 MiB Q4_K, 568 MiB Q6_K, 1300 MiB BF16,
        // 1 MiB F32 norms (under 1%, dropped).
        var bytes = new Dictionary<string, long> { ["Q4_K"] = 1265L << 20, ["F32"] = 1L << 20, ["BF16"] = 1300L << 20, ["Q6_K"] = 568L << 20 };
        Assert.Equal("bf16+q4_k+q6_k", BenchRunner.DescribeStorage(bytes));
        Assert.Equal("bf16", BenchRunner.DescribeStorage(new Dictionary<string, long> { ["BF16"] = 7000, ["F32"] = 60 }));
    }
}
