// `qwenvl bench --streams N`: decode throughput of one stream versus N concurrent streams through
// the engine's continuous-batching scheduler (short text prompts, greedy, so prefill is negligible
// next to decode). Aggregate rate = all streams' decoded tokens / the longest stream's decode time.
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
        GenerationResult one = await engine.CompleteAsync(Prompt(0), options, ct);
        double single = Rate(one);

        GenerationResult[] many = await Task.WhenAll(Enumerable.Range(1, streams).Select(i => engine.CompleteAsync(Prompt(i), options, ct)));
        double decoded = many.Sum(r => Math.Max(0, r.Stats.CompletionTokens - 1));
        double longestMs = many.Max(r => r.Stats.DecodeMs);
        return new StreamBenchResult(streams, single, longestMs > 0 ? decoded / (longestMs / 1000) : 0);
    }

    private static double Rate(GenerationResult r) => r.Stats.DecodeTokensPerSecond;
}
