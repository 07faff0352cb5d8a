// A one-line progress bar with ETA on a terminal ("\r[#####-----] 40/100  40%  failed 0  ETA 00:01:12"),
// redrawn at most 4 times a second. Silent when the stream is not a terminal (logs and CI), so
// redirected stderr stays clean. The ETA is the mean time per finished item times items left.
using System.Diagnostics;
using System.Globalization;

namespace QwenVL.Eval.Running;

/// <summary>Progress bar for <see cref="EvalRunner"/>.</summary>
public sealed class ConsoleProgress(TextWriter writer, bool enabled)
{
    const int Width = 30;
    static readonly TimeSpan MinRedraw = TimeSpan.FromMilliseconds(250);
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly Lock _gate = new();
    TimeSpan? _lastDraw;   // null until the first draw (TimeSpan.MinValue would overflow the subtraction)

    /// <summary>Renders one line (public for tests).</summary>
    public static string Render(EvalProgress p, TimeSpan elapsed)
    {
        double frac = p.Total == 0 ? 1 : (double)p.Done / p.Total;
        int filled = (int)Math.Round(frac * Width);
        string eta = p.Done == 0 ? "--:--:--"
            : TimeSpan.FromSeconds(elapsed.TotalSeconds / p.Done * (p.Total - p.Done)).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('-', Width - filled)}] {p.Done}/{p.Total} {frac * 100,3:F0}%  failed {p.Failed}  ETA {eta}");
    }

    /// <summary>Progress callback.</summary>
    public void Report(EvalProgress p)
    {
        if (!enabled) return;
        lock (_gate)
        {
            TimeSpan now = _clock.Elapsed;
            if (p.Done < p.Total && _lastDraw is { } last && now - last < MinRedraw) return;
            _lastDraw = now;
            writer.Write("\r" + Render(p, now));
            if (p.Done == p.Total) writer.WriteLine();
            writer.Flush();
        }
    }
}
