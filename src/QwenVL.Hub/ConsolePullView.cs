// Draws a running pull on the console: a Spectre.Console bar per file plus an overall bar when stderr
// is a terminal, and plain lines (one per finished file, a total every 5 s) when it is redirected, so
// logs and CI output stay readable. It only reads PullProgress; it never changes what is downloaded.
using Spectre.Console;

namespace QwenVL.Hub;

/// <summary>Console rendering of <see cref="PullProgress"/>.</summary>
public static class ConsolePullView
{
    /// <summary>Awaits <paramref name="pull"/> while showing <paramref name="progress"/> on stderr; returns the pull's result.</summary>
    public static async Task<string> RunAsync(Task<string> pull, PullProgress progress, string title, bool? interactive = null)
    {
        bool fancy = interactive ?? (!Console.IsErrorRedirected && !Console.IsOutputRedirected);
        if (!fancy)
        {
            await PlainAsync(pull, progress, title, Console.Error).ConfigureAwait(false);
            return await pull.ConfigureAwait(false);
        }
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                ProgressTask? overall = null;
                while (true)
                {
                    bool finished = pull.IsCompleted;
                    if (progress.Listing is not null)
                    {
                        overall ??= ctx.AddTask($"[bold]{Markup.Escape(title)}[/]", maxValue: Math.Max(1, progress.TotalBytes));
                        foreach (FileProgress f in progress.Files)
                        {
                            // Only files that move get a bar: a 40-shard model would otherwise push the total off screen.
                            if (!tasks.TryGetValue(f.Path, out ProgressTask? t) && (f.Done > 0 || f.Finished))
                            {
                                t = tasks[f.Path] = ctx.AddTask(Markup.Escape(f.Path), maxValue: Math.Max(1, f.Total));
                            }
                            if (t is not null)
                            {
                                t.Value = f.Finished ? t.MaxValue : f.Done;
                                if (f.Finished)
                                {
                                    t.StopTask();
                                }
                            }
                        }
                        overall.Value = progress.DoneBytes;
                    }
                    if (finished)
                    {
                        overall?.StopTask();
                        break;
                    }
                    await Task.WhenAny(pull, Task.Delay(150)).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        return await pull.ConfigureAwait(false);
    }

    private static async Task PlainAsync(Task pull, PullProgress progress, string title, TextWriter err)
    {
        var reported = new HashSet<string>(StringComparer.Ordinal);
        DateTime next = DateTime.UtcNow;
        while (true)
        {
            bool finished = pull.IsCompleted;
            foreach (FileProgress f in progress.Files.Where(f => f.Finished && reported.Add(f.Path)))
            {
                await err.WriteLineAsync($"qwenvl: {title}: {f.Path} ({Downloader.Bytes(f.Total)}) ok").ConfigureAwait(false);
            }
            if (progress.Listing is not null && (finished || DateTime.UtcNow >= next))
            {
                long total = Math.Max(1, progress.TotalBytes);
                await err.WriteLineAsync($"qwenvl: {title}: {Downloader.Bytes(progress.DoneBytes)} of {Downloader.Bytes(progress.TotalBytes)} ({100.0 * progress.DoneBytes / total:0}%)").ConfigureAwait(false);
                next = DateTime.UtcNow.AddSeconds(5);
            }
            if (finished)
            {
                return;
            }
            await Task.WhenAny(pull, Task.Delay(250)).ConfigureAwait(false);
        }
    }
}
