// `qwenvl bench --streams N`: decode throughput of one stream versus N concurrent streams through
// the engine's continuous-batching scheduler (short text prompts, greedy). Every token's arrival is
// time-stamped; the aggregate rate counts the tokens that arrive while all N streams are decoding
// (from the last stream's first token to the first stream's last token), so the streams' prefills,
// which the scheduler runs one after another, are not billed as decode time. With --repeat R the
// pair is measured R times, alternating, and the speed-up is the median of the rounds' own ratios.
using System.Diagnostics;
using QwenVL.Engine;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Models;

namespace QwenVL.Cli.Bench;

/// <summary>
/// Single-stream and batched decode rates of each round (one stream, then N at once). The rates are
/// medians over the rounds and the speed-up is the median of each round's own ratio: on a shared
/// machine the memory rate drifts by 30% within minutes, and a ratio of two rates measured a minute
/// apart carries that drift (one round on the AMD EPYC VM gave 1.79× and 2.90× ten minutes apart).
/// </summary>
public sealed record StreamBenchResult(int Streams, IReadOnlyList<double> Single, IReadOnlyList<double> Batched)
{
    /// <summary>Rounds measured.</summary>
    public int Rounds => Single.Count;

    /// <summary>Median single-stream decode tokens/s.</summary>
    public double SingleTokensPerSecond => BenchReport.MedianOf([.. Single]);

    /// <summary>Median aggregate decode tokens/s of the N streams.</summary>
    public double BatchedTokensPerSecond => BenchReport.MedianOf([.. Batched]);

    /// <summary>Each round's aggregate speed-up of N streams over one (0 where a round has no single rate).</summary>
    public IEnumerable<double> RoundSpeedups => Single.Zip(Batched, (one, many) => one > 0 ? many / one : 0);

    /// <summary>Median over the rounds of N streams' aggregate rate over one stream's.</summary>
    public double Speedup => Rounds == 0 ? 0 : BenchReport.MedianOf([.. RoundSpeedups]);
}

/// <summary>Measures continuous batching.</summary>
public static class StreamBench
{
    /// <summary>
    /// Runs <paramref name="rounds"/> rounds of one stream and then <paramref name="streams"/> at once,
    /// each decoding <paramref name="tokens"/> tokens, after one short warm-up generation.
    /// </summary>
    public static async Task<StreamBenchResult> Run(string folder, ModelLoadOptions load, int streams, int tokens, int rounds, CancellationToken ct)
    {
        using InferenceEngine engine = InferenceEngine.Load(folder, load,
            new EngineOptions { MaxBatch = streams, SessionCacheBytes = 0, MinSessionCapacity = 256 });
        // Every stream must run its full length: a stop id would end it early and flatter the rate.
        var options = new GenerationOptions { MaxTokens = tokens + 1, Temperature = 0, RepetitionPenalty = 1 };
        Conversation Prompt(int i) => new([ChatMessage.FromText("user", $"Stream {i}: describe a harbour at dawn.")]);

        await engine.CompleteAsync(Prompt(99), options with { MaxTokens = 2 }, ct); // warm-up (JIT, pool threads)
        var single = new List<double>(rounds);
        var batched = new List<double>(rounds);
        for (int round = 0; round < rounds; round++)
        {
            long[] one = await Arrivals(engine, Prompt(0), options, ct);
            single.Add(WindowRate([one]));
            long[][] many = await Task.WhenAll(Enumerable.Range(1, streams).Select(i => Arrivals(engine, Prompt(i), options, ct)));
            batched.Add(WindowRate(many));
        }
        return new StreamBenchResult(streams, single, batched);
    }

    /// <summary>Stopwatch timestamps of every token of one generation.</summary>
    private static async Task<long[]> Arrivals(InferenceEngine engine, Conversation prompt, GenerationOptions options, CancellationToken ct)
    {
        var times = new List<long>(options.MaxTokens);
        await foreach (GeneratedToken _ in engine.GenerateAsync(prompt, options, ct))
        {
            times.Add(Stopwatch.GetTimestamp());
        }
        return [.. times];
    }

    /// <summary>
    /// Tokens per second over the window in which every stream is decoding: it opens at the latest
    /// first token and closes at the earliest last token; tokens arriving inside it are counted.
    /// </summary>
    public static double WindowRate(IReadOnlyList<long[]> streams)
    {
        if (streams.Any(s => s.Length < 2))
        {
            return 0;
        }
        long open = streams.Max(s => s[0]);
        long close = streams.Min(s => s[^1]);
        if (close <= open)
        {
            return 0;
        }
        long counted = streams.Sum(s => s.LongCount(t => t > open && t <= close));
        return counted / Stopwatch.GetElapsedTime(open, close).TotalSeconds;
    }
}
