// The batching benchmark's aggregate rate: only tokens that arrive while every stream is decoding
// count, so prefills run one after another are not billed as decode time; over rounds the speed-up
// is the median of each round's own ratio.
using System.Diagnostics;
using QwenVL.Cli.Bench;

namespace QwenVL.Cli.Tests;

public class StreamBenchTests
{
    private static long[] Ticks(params double[] seconds) => [.. seconds.Select(s => (long)(s * Stopwatch.Frequency))];

    [Fact]
    public void WindowRate_StaggeredStarts_CountsOnlyTheSharedWindow()
    {
        // Stream A decodes from t=0 s, stream B from t=2 s (its prefill waited on A's); both end at 6 s.
        long[] a = Ticks(0, 1, 2, 3, 4, 5, 6);
        long[] b = Ticks(2, 3, 4, 5, 6);
        // Window (2, 6]: A has 3, 4, 5, 6 and B has 3, 4, 5, 6 → 8 tokens in 4 s.
        Assert.Equal(2.0, StreamBench.WindowRate([a, b]), 6);
    }

    [Fact]
    public void WindowRate_OneStream_IsItsDecodeRate()
    {
        Assert.Equal(4.0, StreamBench.WindowRate([Ticks(10, 10.25, 10.5, 10.75, 11)]), 6);
    }

    [Fact]
    public void WindowRate_NoOverlapOrTooFewTokens_IsZero()
    {
        Assert.Equal(0, StreamBench.WindowRate([Ticks(0, 1), Ticks(2, 3)]));
        Assert.Equal(0, StreamBench.WindowRate([Ticks(0)]));
    }

    [Fact]
    public void Result_Rounds_SpeedupIsTheMedianOfEachRoundsOwnRatio()
    {
        // Round 2 ran in a slow minute: both its rates are low, its ratio is not. The median of the
        // ratios (3.0) differs from the ratio of the medians (24 / 10 = 2.4).
        var result = new StreamBenchResult(4, [10.0, 5.0, 12.0], [30.0, 15.0, 24.0]);
        Assert.Equal(3, result.Rounds);
        Assert.Equal(10.0, result.SingleTokensPerSecond, 6);
        Assert.Equal(24.0, result.BatchedTokensPerSecond, 6);
        Assert.Equal([3.0, 3.0, 2.0], result.RoundSpeedups);
        Assert.Equal(3.0, result.Speedup, 6);
    }

    [Fact]
    public void Result_RoundWithoutSingleRate_CountsAsZeroSpeedup()
    {
        var result = new StreamBenchResult(2, [0.0, 8.0], [9.0, 12.0]);
        Assert.Equal([0.0, 1.5], result.RoundSpeedups);
        Assert.Equal(0.75, result.Speedup, 6);
    }
}
