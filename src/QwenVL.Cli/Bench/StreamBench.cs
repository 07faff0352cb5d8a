// `qwenvl bench --streams N`: decode throughput of one stream versus N concurrent streams through
// the engine's continuous-batching scheduler (short text prompts, greedy). Every token's arrival is
// time-stamped; the aggregate rate counts the tokens that arrive while all N streams are decoding
// (from the last stream's first token to the first stream's last token), so the streams' prefills,
// which the scheduler runs one after another, are not billed as decode time.
using System.Diagnostics;
using QwenVL.Engine;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Models;

namespace QwenVL.Cli.Bench;

/// <summary>Single-stream and batched decode rates.</summary>
public sealed record StreamBenchResult(int Streams, double SingleTokensPerSecond, double BatchedTokensPerSecond)
{
    /// <summary>Aggregate speed-up of N streams over one.</summary>
    public double Speedup => SingleTokensPerSecond > 0 ? BatchedTokensPerSecond / SingleTokensPerSecond : 0;
}

/// <summary>Measures continuous batching.</summary>
public static class StreamBench
{
    /// <summary>Runs one stream, then <paramref name="streams"/> at once, each decoding <paramref name="tokens"/> tokens.</summary>
    public static async Task<StreamBenchResult> Run(string folder, ModelLoadOptions load, int streams, int tokens, CancellationToken ct)
    {
        using InferenceEngine engine = InferenceEngine.Load(folder, load,
            new EngineOptions { MaxBatch = streams, SessionCacheBytes = 0, MinSessionCapacity = 256 });
        // Every stream must run its full length: a stop id would end it early and flatter the rate.
        var options = new GenerationOptions { MaxTokens = tokens + 1, Temperature = 0, RepetitionPenalty = 1 };
        Conversation Prompt(int i) => new([ChatMessage.FromText("user", $"Stream {i}: describe a harbour at dawn.")]);

        await engine.CompleteAsync(Prompt(99), options with { MaxTokens = 2 }, ct); // warm-up (JIT, pool threads)
        long[] one = await Arrivals(engine, Prompt(0), options, ct);
        double single = WindowRate([one]);
        long[][] many = await Task.WhenAll(Enumerable.Range(1, streams).Select(i => Arrivals(engine, Prompt(i), options, ct)));
        return new StreamBenchResult(streams, single, WindowRate(many));
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
