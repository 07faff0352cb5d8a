// Counters, gauges and histograms for /metrics, rendered by hand in the Prometheus text format
// (version 0.0.4): requests by route and status, queue depth and in-flight requests, prompt, image and
// completion tokens, request latency by route and time to first token. No client library: the
// format is a few lines, and this keeps the server free of another dependency.
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace QwenVL.Server.Operations;

/// <summary>Process-wide metrics of one server.</summary>
public sealed class ServerMetrics
{
    private static readonly double[] LatencyBuckets = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
    private readonly ConcurrentDictionary<(string Route, int Status), long> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _latency = new();
    private readonly Histogram _ttft = new(LatencyBuckets);
    private readonly Func<int> _queueDepth;
    private readonly Func<int> _inFlight;
    private long _promptTokens;
    private long _imageTokens;
    private long _completionTokens;

    /// <summary>Creates metrics reading the gauges from the given callbacks.</summary>
    public ServerMetrics(Func<int> queueDepth, Func<int> inFlight)
    {
        _queueDepth = queueDepth;
        _inFlight = inFlight;
    }

    /// <summary>Counts a finished request.</summary>
    public void RecordRequest(string route, int status, double seconds)
    {
        _requests.AddOrUpdate((route, status), 1, (_, n) => n + 1);
        _latency.GetOrAdd(route, _ => new Histogram(LatencyBuckets)).Observe(seconds);
    }

    /// <summary>Counts a generation's tokens.</summary>
    public void RecordTokens(int prompt, int image, int completion)
    {
        Interlocked.Add(ref _promptTokens, prompt);
        Interlocked.Add(ref _imageTokens, image);
        Interlocked.Add(ref _completionTokens, completion);
    }

    /// <summary>Records a time to first token.</summary>
    public void RecordTimeToFirstToken(double seconds) => _ttft.Observe(seconds);

    /// <summary>The Prometheus exposition text.</summary>
    public string Render()
    {
        var s = new StringBuilder();
        s.Append("# HELP qwenvl_requests_total HTTP requests by route and status.\n# TYPE qwenvl_requests_total counter\n");
        foreach (var ((route, status), count) in _requests.OrderBy(r => r.Key.Route, StringComparer.Ordinal).ThenBy(r => r.Key.Status))
        {
            s.Append(CultureInfo.InvariantCulture, $"qwenvl_requests_total{{route=\"{Escape(route)}\",status=\"{status}\"}} {count}\n");
        }
        Gauge(s, "qwenvl_queue_depth", "Requests waiting for a generation slot.", _queueDepth());
        Gauge(s, "qwenvl_in_flight", "Requests holding a generation slot.", _inFlight());
        Counter(s, "qwenvl_prompt_tokens_total", "Prompt tokens processed, image tokens included.", Interlocked.Read(ref _promptTokens));
        Counter(s, "qwenvl_image_tokens_total", "Image tokens among the prompt tokens.", Interlocked.Read(ref _imageTokens));
        Counter(s, "qwenvl_completion_tokens_total", "Tokens generated.", Interlocked.Read(ref _completionTokens));
        s.Append("# HELP qwenvl_request_duration_seconds Request latency by route, streaming included.\n# TYPE qwenvl_request_duration_seconds histogram\n");
        foreach (var (route, h) in _latency.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            h.Render(s, "qwenvl_request_duration_seconds", $"route=\"{Escape(route)}\",");
        }
        s.Append("# HELP qwenvl_time_to_first_token_seconds Time from the request reaching the admission queue to its first generated token.\n# TYPE qwenvl_time_to_first_token_seconds histogram\n");
        _ttft.Render(s, "qwenvl_time_to_first_token_seconds", "");
        return s.ToString();
    }

    private static void Gauge(StringBuilder s, string name, string help, long value) =>
        s.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");

    private static void Counter(StringBuilder s, string name, string help, long value) =>
        s.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");

    private static string Escape(string label) => label.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private sealed class Histogram(double[] bounds)
    {
        private readonly long[] _counts = new long[bounds.Length + 1];
        private readonly Lock _lock = new();
        private double _sum;

        public void Observe(double value)
        {
            int i = Array.FindIndex(bounds, b => value <= b);
            lock (_lock)
            {
                _counts[i < 0 ? bounds.Length : i]++;
                _sum += value;
            }
        }

        public void Render(StringBuilder s, string name, string labels)
        {
            long cumulative = 0;
            double sum;
            long[] counts;
            lock (_lock)
            {
                counts = (long[])_counts.Clone();
                sum = _sum;
            }
            for (int i = 0; i < bounds.Length; i++)
            {
                cumulative += counts[i];
                s.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels}le=\"{bounds[i]}\"}} {cumulative}\n");
            }
            cumulative += counts[^1];
            s.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels}le=\"+Inf\"}} {cumulative}\n");
            string plain = labels.Length == 0 ? "" : "{" + labels.TrimEnd(',') + "}";
            s.Append(CultureInfo.InvariantCulture, $"{name}_sum{plain} {sum}\n{name}_count{plain} {cumulative}\n");
        }
    }
}
