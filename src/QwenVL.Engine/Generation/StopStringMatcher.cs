// Holds back streamed text that could still become a stop string, and cuts the reply where one
// appears. Text is released as soon as no stop string can start inside it.
using System.Text;

namespace QwenVL.Engine.Generation;

/// <summary>Streams text while watching for stop strings.</summary>
public sealed class StopStringMatcher
{
    private readonly IReadOnlyList<string> _stops;
    private readonly StringBuilder _pending = new();

    /// <summary>Watches for <paramref name="stops"/>.</summary>
    public StopStringMatcher(IReadOnlyList<string> stops) => _stops = stops;

    /// <summary>True once a stop string has been seen.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Adds a piece of text; returns what can be released now.</summary>
    public string Push(string piece)
    {
        if (Stopped)
        {
            return "";
        }
        if (_stops.Count == 0)
        {
            return piece;
        }
        _pending.Append(piece);
        string text = _pending.ToString();
        int cut = -1;
        foreach (string s in _stops)
        {
            int at = text.IndexOf(s, StringComparison.Ordinal);
            if (at >= 0 && (cut < 0 || at < cut))
            {
                cut = at;
            }
        }
        if (cut >= 0)
        {
            Stopped = true;
            _pending.Clear();
            return text[..cut];
        }
        // Keep the longest suffix that is a proper prefix of some stop string.
        int hold = 0;
        foreach (string s in _stops)
        {
            for (int len = Math.Min(s.Length - 1, text.Length); len > hold; len--)
            {
                if (text.AsSpan(text.Length - len).SequenceEqual(s.AsSpan(0, len)))
                {
                    hold = len;
                    break;
                }
            }
        }
        _pending.Clear();
        _pending.Append(text, text.Length - hold, hold);
        return text[..^hold];
    }

    /// <summary>Releases held text at the end of generation.</summary>
    public string Flush()
    {
        string rest = Stopped ? "" : _pending.ToString();
        _pending.Clear();
        return rest;
    }
}
