// Entry of the BenchmarkDotNet suite: BenchmarkSwitcher over this assembly, so `--filter '*MatMul*'`,
// `--list flat` and every other BenchmarkDotNet argument work. Without a --job argument the short
// job (3 warm-ups, 3 iterations) is used: these are minutes-long runs on a 2-core machine, not CI.
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

IConfig config = args.Any(a => a.StartsWith("--job", StringComparison.Ordinal) || a == "-j")
    ? DefaultConfig.Instance
    : DefaultConfig.Instance.AddJob(Job.ShortRun);
BenchmarkSwitcher.FromAssembly(typeof(QwenVL.Benchmarks.KernelBenchmarks).Assembly).Run(args, config);
