// Idle KV caches kept after their requests finished, each with the content keys of what it holds,
// so a follow-up request (the next turn of a chat, the same document with another question) reuses
// the longest shared prefix instead of recomputing it. Bounded in bytes, least recently used out.
// Only the scheduler thread touches it, so it needs no lock.
using QwenVL.Models;

namespace QwenVL.Engine.Caching;

/// <summary>A session lent to a request and how much of it is reusable.</summary>
public readonly record struct LentSession(ModelSession Session, int ReusedTokens);

/// <summary>Pool of idle sessions for prefix reuse.</summary>
public sealed class SessionPool(VisionLanguageModel model, long capacityBytes, int minCapacity)
{
    private readonly List<(ModelSession Session, ulong[] Keys)> _idle = [];

    /// <summary>Tokens reused so far (for metrics and tests).</summary>
    public long ReusedTokens { get; private set; }

    /// <summary>
    /// A session for a prompt with <paramref name="keys"/> needing <paramref name="capacity"/> tokens:
    /// the idle one sharing the longest prefix (cut so at least one prompt token is left to prefill),
    /// truncated to it, or a fresh one.
    /// </summary>
    public LentSession Acquire(ulong[] keys, int capacity, IReadOnlyList<(int Start, int Length)> imageRuns)
    {
        int best = -1, bestLength = 0;
        for (int i = 0; i < _idle.Count; i++)
        {
            int common = Math.Min(ContentKeys.CommonPrefix(_idle[i].Keys, keys), keys.Length - 1);
            if (common > bestLength)
            {
                best = i;
                bestLength = common;
            }
        }
        // Never resume inside an image: its embeddings are fed as a whole.
        foreach ((int start, int length) in imageRuns)
        {
            if (bestLength > start && bestLength < start + length)
            {
                bestLength = start;
            }
        }
        int size = Math.Min(model.ContextLength, Math.Max(capacity, minCapacity));
        if (best < 0 || bestLength == 0)
        {
            return new LentSession(model.CreateSession(size), 0);
        }
        ModelSession session = _idle[best].Session;
        _idle.RemoveAt(best);
        ReusedTokens += bestLength;
        if (session.Cache.Capacity < capacity)
        {
            return new LentSession(session.CopyPrefix(bestLength, size), bestLength);
        }
        session.Truncate(bestLength);
        return new LentSession(session, bestLength);
    }

    /// <summary>Returns a finished session holding the content <paramref name="keys"/>.</summary>
    public void Release(ModelSession session, ulong[] keys)
    {
        if (capacityBytes <= 0 || session.Cache.Bytes > capacityBytes)
        {
            return;
        }
        _idle.Insert(0, (session, keys));
        long total = _idle.Sum(e => e.Session.Cache.Bytes);
        while (total > capacityBytes && _idle.Count > 0)
        {
            total -= _idle[^1].Session.Cache.Bytes;
            _idle.RemoveAt(_idle.Count - 1);
        }
    }
}
