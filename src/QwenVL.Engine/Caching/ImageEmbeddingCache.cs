// Least-recently-used cache of vision-tower outputs keyed by image content and preprocessing
// (SHA-256 of the bytes + effective min/max pixels; one cache per engine, so per model). A second
// turn about the same image skips decode, resize and the vision tower. Bounded in bytes; thread-safe.
using QwenVL.Models.Multimodal;

namespace QwenVL.Engine.Caching;

/// <summary>A cached image: its grid, sizes and embeddings [tokens, hidden].</summary>
public sealed record CachedImage(ImageGrid Grid, int OriginalWidth, int OriginalHeight, int ResizedWidth, int ResizedHeight, float[] Embeddings);

/// <summary>LRU cache of image embeddings.</summary>
public sealed class ImageEmbeddingCache(long capacityBytes)
{
    private readonly Dictionary<string, LinkedListNode<(string Key, CachedImage Value)>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, CachedImage Value)> _lru = new();
    private readonly Lock _lock = new();
    private long _bytes;

    /// <summary>Bytes currently held.</summary>
    public long Bytes
    {
        get { lock (_lock) { return _bytes; } }
    }

    /// <summary>Hits so far (for metrics and tests).</summary>
    public long Hits { get; private set; }

    /// <summary>Looks an image up and marks it recently used.</summary>
    public bool TryGet(string key, out CachedImage image)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                Hits++;
                image = node.Value.Value;
                return true;
            }
        }
        image = null!;
        return false;
    }

    /// <summary>Adds an image, evicting the least recently used ones beyond the budget.</summary>
    public void Add(string key, CachedImage image)
    {
        long size = (long)image.Embeddings.Length * sizeof(float);
        if (size > capacityBytes)
        {
            return;
        }
        lock (_lock)
        {
            if (_map.ContainsKey(key))
            {
                return;
            }
            _map[key] = _lru.AddFirst((key, image));
            _bytes += size;
            while (_bytes > capacityBytes && _lru.Last is { } last)
            {
                _lru.RemoveLast();
                _map.Remove(last.Value.Key);
                _bytes -= (long)last.Value.Value.Embeddings.Length * sizeof(float);
            }
        }
    }
}
