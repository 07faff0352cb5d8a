// Key/value cache of one sequence: float32 [capacity, kvHeads·headDim] per layer, allocated once
// when the session starts and never grown (a 3B model at 36 layers × 256 floats × 2 is 72 KiB per
// token, so 8k tokens is 590 MiB). It does not evict or share prefixes; the engine decides reuse.
namespace QwenVL.Models.Text;

/// <summary>Preallocated per-layer K and V rows.</summary>
public sealed class KvCache
{
    /// <summary>Allocates room for <paramref name="capacity"/> tokens.</summary>
    public KvCache(int layers, int kvDim, int capacity)
    {
        if (capacity <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "KV cache capacity must be positive");
        }
        KvDim = kvDim;
        Capacity = capacity;
        Keys = [.. Enumerable.Range(0, layers).Select(_ => new float[(long)capacity * kvDim])];
        Values = [.. Enumerable.Range(0, layers).Select(_ => new float[(long)capacity * kvDim])];
    }

    /// <summary>Floats per cached row.</summary>
    public int KvDim { get; }

    /// <summary>Maximum tokens.</summary>
    public int Capacity { get; }

    /// <summary>Tokens currently cached (the next token's cache index).</summary>
    public int Length { get; set; }

    /// <summary>Per-layer keys <c>[Capacity, KvDim]</c>.</summary>
    public float[][] Keys { get; }

    /// <summary>Per-layer values <c>[Capacity, KvDim]</c>.</summary>
    public float[][] Values { get; }

    /// <summary>Bytes held.</summary>
    public long Bytes => 2L * Keys.Length * Capacity * KvDim * sizeof(float);

    /// <summary>Forgets everything after <paramref name="length"/> tokens (prefix reuse, retries).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        Length = length;
    }
}
