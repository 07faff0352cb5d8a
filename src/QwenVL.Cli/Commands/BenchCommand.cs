// `qwenvl bench`: times every stage of one image-plus-text request (load, preprocess, image encode,
// prefill, first token, decode) over a warm-up and repeated passes on a checkpoint folder or a
// cached synthetic one; prints medians as a table or one JSON object. No speed is asserted here.
using System.CommandLine;
using System.Text.Json;
using QwenVL.Cli.Bench;

namespace QwenVL.Cli.Commands;

/// <summary>The bench command.</summary>
public static class BenchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "checkpoint folder, hub id ORG/NAME[@REV] or alias (a missing hub model is downloaded after asking, or with --yes)" };
        var synthetic = new Option<string?>("--synthetic") { Description = "synthetic preset, written once to the cache and reused (random weights)" };
        var imageSize = new Option<string>("--image-size") { Description = "test image WIDTHxHEIGHT, or 'none' for a text-only prompt", DefaultValueFactory = _ => "448x448" };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "ordinary text tokens after the image", DefaultValueFactory = _ => 128 };
        var genTokens = new Option<int>("--gen-tokens") { Description = "decode steps after the first token", DefaultValueFactory = _ => 32 };
        var weights = new Option<string?>("--weights") { Description = "bf16 or f32 (synthetic dtype), q8 or q4 (quantize at load); default bf16 / as stored" };
        var repeat = new Option<int>("--repeat") { Description = "measured passes after the warm-up", DefaultValueFactory = _ => 3 };
        var warmup = new Option<int>("--warmup") { Description = "unmeasured warm-up passes", DefaultValueFactory = _ => 1 };
        var streams = new Option<int>("--streams") { Description = "also measure N concurrent streams (continuous batching) against one; --repeat R rounds, the median of their ratios", DefaultValueFactory = _ => 1 };
        var secondTurn = new Option<bool>("--second-turn") { Description = "also time a follow-up question about the same image (image cache and KV-prefix reuse)" };
        var cache = new Option<string?>("--cache") { Description = "cache root for synthetic checkpoints (default $QWENVL_CACHE or ~/.cache/qwenvl)" };
        Option<int> threads = CommonOptions.Threads();
        Option<string> backend = CommonOptions.Backend();
        Option<bool> json = CommonOptions.Json("print one JSON object (load_ms, preprocess_ms, image_encode_ms, prefill_tokens_per_s, ttft_ms, decode_tokens_per_s, ...)");
        var command = new Command("bench", "time load, preprocessing, image encode, prefill, first token and decode (medians over repeats)")
        {
            model, synthetic, imageSize, promptTokens, genTokens, weights, threads, repeat, warmup, backend, cache, streams, secondTurn, json,
        };
        command.SetAction((p, ct) => CliErrors.Guard(async () =>
        {
            BenchSettings s = BenchSettings.Parse(p.GetValue(model), p.GetValue(synthetic), p.GetValue(imageSize)!,
                p.GetValue(promptTokens), p.GetValue(genTokens), p.GetValue(weights), p.GetValue(threads),
                p.GetValue(repeat), p.GetValue(warmup), p.GetValue(backend)!, p.GetValue(cache));
            string folder = s.Preset is null ? await HubCommands.ResolveFolderAsync(p, s.ModelFolder!, ct) : SyntheticCache.Ensure(s.CacheRoot, s.Preset, s.SynthDType, Console.Error);
            string label = s.Preset?.Name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
            byte[]? png = s.HasImage ? BenchImage.Png(s.ImageWidth, s.ImageHeight) : null;
            bool asJson = p.GetValue(json);

            bool peakResets = MachineInfo.ResetPeakRss();
            var samples = new List<BenchSample>();
            // The read-rate ceiling decode is held to, with the same thread count (1 GiB, well under
            // 1 s), probed right after every measured pass's decode and paired with it: neighbours
            // on a shared VM move it 2× from minute to minute, so a probe from another minute (one
            // slow probe once made decode look 1.38× faster than memory; the best of all probes
            // made it look slower) says little about this pass. The probe's own 1 GiB is kept out
            // of the peak RSS: the peak is read before each probe and the high-water mark reset
            // after it (without a resettable mark, one probe runs after the peak is read).
            int probeThreads = s.Threads > 0 ? s.Threads : Environment.ProcessorCount;
            bool probeEachPass = s.GenTokens > 0 && peakResets;
            double? bandwidth = null;
            long passPeak = 0;
            for (int pass = 0; pass < s.Warmup + s.Repeat; pass++)
            {
                ct.ThrowIfCancellationRequested();
                if (pass > 0)
                {
                    // Each pass starts from a collected heap, as a fresh process would: the last
                    // pass's activations and KV cache (managed arrays) otherwise stay resident into
                    // this pass's peak (1288×728, BF16: 8.55 GiB at --repeat 2, 8.17 at --repeat 1).
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    GC.Collect();
                }
                bool warm = pass < s.Warmup;
                BenchSample sample = BenchRunner.RunOnce(folder, s, png);
                if (!warm)
                {
                    if (probeEachPass)
                    {
                        passPeak = Math.Max(passPeak, MachineInfo.PeakRss().Bytes);
                        sample = sample with { MemoryReadBytesPerSecond = MemoryBandwidth.Measure(probeThreads) };
                        MachineInfo.ResetPeakRss();
                    }
                    samples.Add(sample);
                }
                // Progress on stderr even with --json (stdout keeps exactly one object): 3B passes take minutes.
                Console.Error.WriteLine(FormattableString.Invariant(
                    $"{(warm ? "warm-up" : $"pass {pass - s.Warmup + 1}/{s.Repeat}")}: load {sample.LoadMs:F0} ms, encode {sample.ImageEncodeMs:F0} ms, prefill {sample.PrefillMs:F0} ms, decode {sample.DecodeMs:F0} ms"));
            }
            (long rss, string source) = MachineInfo.PeakRss();
            rss = Math.Max(rss, passPeak);
            if (s.GenTokens > 0 && !probeEachPass)
            {
                bandwidth = MemoryBandwidth.Measure(probeThreads);
            }
            var report = new BenchReport(s, label, samples, rss, source) { MemoryReadBytesPerSecond = bandwidth };
            int n = p.GetValue(streams);
            if (n < 1 || n > 64)
            {
                throw new CliUsageException($"--streams must be in 1..64, got {n}");
            }
            var load = new QwenVL.Models.ModelLoadOptions { Backend = s.Backend, Threads = s.Threads, Weights = s.Format };
            StreamBenchResult? batched = n > 1 ? await StreamBench.Run(folder, load, n, s.GenTokens, Math.Max(1, s.Repeat), ct) : null;
            if (p.GetValue(secondTurn) && png is null)
            {
                throw new CliUsageException("--second-turn needs an image (--image-size WxH, not 'none')");
            }
            SecondTurnResult? turn2 = p.GetValue(secondTurn) ? await SecondTurnBench.Run(folder, load, png!, s.GenTokens, ct) : null;
            if (asJson)
            {
                Dictionary<string, object?> json = report.ToJson();
                if (batched is not null)
                {
                    json["streams"] = batched.Streams;
                    json["single_stream_decode_tokens_per_s"] = Math.Round(batched.SingleTokensPerSecond, 3);
                    json["batched_decode_tokens_per_s"] = Math.Round(batched.BatchedTokensPerSecond, 3);
                    json["batch_speedup"] = Math.Round(batched.Speedup, 3);
                    json["batch_rounds"] = batched.Rounds;
                    json["batch_speedup_min"] = Math.Round(batched.RoundSpeedups.Min(), 3);
                    json["batch_speedup_max"] = Math.Round(batched.RoundSpeedups.Max(), 3);
                }
                if (turn2 is not null)
                {
                    json["second_turn_ttft_ms"] = Math.Round(turn2.TtftMs, 1);
                    json["second_turn_vision_ms"] = Math.Round(turn2.VisionMs, 1);
                    json["second_turn_prompt_tokens"] = turn2.PromptTokens;
                    json["second_turn_cached_tokens"] = turn2.CachedTokens;
                    json["second_turn_new_tokens"] = turn2.NewTokens;
                    json["first_turn_ttft_ms"] = Math.Round(turn2.FirstTurnTtftMs, 1);
                }
                Console.Out.Write(JsonSerializer.Serialize(json, CliJson.Options) + "\n");
            }
            else
            {
                Console.Out.Write(report.ToTable());
                if (batched is not null)
                {
                    Console.Out.WriteLine(FormattableString.Invariant(
                        $"decode, {batched.Streams} concurrent streams: {batched.BatchedTokensPerSecond:F2} tok/s aggregate vs {batched.SingleTokensPerSecond:F2} tok/s for one ({batched.Speedup:F2}x{RoundsNote(batched)})"));
                }
                if (turn2 is not null)
                {
                    Console.Out.WriteLine(FormattableString.Invariant(
                        $"second turn, same image: first token {turn2.TtftMs:F0} ms (vision {turn2.VisionMs:F0} ms; prefilled {turn2.NewTokens} new of {turn2.PromptTokens} tokens, {turn2.CachedTokens} reused) vs {turn2.FirstTurnTtftMs:F0} ms for turn 1"));
                }
            }
            return 0;
        }));
        return command;
    }

    /// <summary>", median of R rounds: lo-hi" when more than one round was measured.</summary>
    private static string RoundsNote(StreamBenchResult batched) => batched.Rounds < 2 ? "" : FormattableString.Invariant(
        $", median of {batched.Rounds} paired rounds: {batched.RoundSpeedups.Min():F2}-{batched.RoundSpeedups.Max():F2}x");
}
