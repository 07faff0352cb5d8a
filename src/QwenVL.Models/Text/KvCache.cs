// Key/value cache of one sequence: float32 per layer, head-major ([kvHeads, capacity, headDim]), so
// each KV head's rows are one contiguous run that decode attention streams. Allocated once when the
// session starts and never grown (a 3B model at 36 layers × 256 floats × 2 is 72 KiB per token, so
// 8k tokens is 590 MiB). It does not evict or share prefixes; the engine decides reuse.
namespace QwenVL.Models.Text;

/// <summary>Preallocated per-layer K and V rows, one contiguous run per KV head.</summary>
/// <remarks>
/// Head-major because the token-major layout ([capacity, kvHeads·headDim]) leaves each head's 512 bytes
/// of a row 1 KiB apart in a 3B model: two threads reading their heads' rows that way (36 layers × 654
/// tokens, K and V, 2 MiB pages) took 138 µs a layer against 67 µs for the same bytes contiguous on the
/// AMD EPYC; decode attention reads the whole cache every step.
/// </remarks>
public sealed class KvCache
{
    /// <summary>Allocates room for <paramref name="capacity"/> tokens.</summary>
    public KvCache(int layers, int kvHeads, int headDim, int capacity)
    {
        if (capacity <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "KV cache capacity must be positive");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kvHeads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        KvHeads = kvHeads;
        HeadDim = headDim;
        Capacity = capacity;
        Keys = [.. Enumerable.Range(0, layers).Select(_ => new float[(long)capacity * KvDim])];
        Values = [.. Enumerable.Range(0, layers).Select(_ => new float[(long)capacity * KvDim])];
    }

    /// <summary>KV heads per layer.</summary>
    public int KvHeads { get; }

    /// <summary>Floats per head and token.</summary>
    public int HeadDim { get; }

    /// <summary>Floats per token and layer (all KV heads).</summary>
    public int KvDim => KvHeads * HeadDim;

    /// <summary>Floats from one KV head's run to the next: <c>Capacity·HeadDim</c>.</summary>
    public int HeadStride => Capacity * HeadDim;

    /// <summary>Maximum tokens.</summary>
    public int Capacity { get; }

    /// <summary>Tokens currently cached (the next token's cache index).</summary>
    public int Length { get; set; }

    /// <summary>Per-layer keys <c>[KvHeads, Capacity, HeadDim]</c>.</summary>
    public float[][] Keys { get; }

    /// <summary>Per-layer values <c>[KvHeads, Capacity, HeadDim]</c>.</summary>
    public float[][] Values { get; }

    /// <summary>Bytes held.</summary>
    public long Bytes => 2L * Keys.Length * Capacity * KvDim * sizeof(float);

    /// <summary>
    /// Writes <paramref name="rows"/> tokens' K and V (token-major <c>[rows, KvDim]</c>, as the projections
    /// produce them) of one layer at cache positions <paramref name="at"/>.., each head into its own run.
    /// Does not move <see cref="Length"/>.
    /// </summary>
    public void Write(int layer, int at, ReadOnlySpan<float> k, ReadOnlySpan<float> v, int rows)
    {
        if (at < 0 || rows < 0 || at + rows > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), $"KV cache: tokens {at}..{at + rows} do not fit its capacity of {Capacity}");
        }
        Scatter(k, Keys[layer], at, rows);
        Scatter(v, Values[layer], at, rows);
    }

    /// <summary>Copies the first <paramref name="length"/> tokens of every layer into <paramref name="other"/> (same shape, capacity ≥ length).</summary>
    public void CopyPrefixTo(KvCache other, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        if (other.Keys.Length != Keys.Length || other.KvHeads != KvHeads || other.HeadDim != HeadDim || other.Capacity < length)
        {
            throw new ArgumentException(
                $"KV cache copy: {Keys.Length} layers × {KvHeads} heads × {HeadDim} for {length} tokens does not fit "
                + $"{other.Keys.Length} × {other.KvHeads} × {other.HeadDim} of capacity {other.Capacity}", nameof(other));
        }
        int floats = length * HeadDim;
        for (int l = 0; l < Keys.Length; l++)
        {
            for (int g = 0; g < KvHeads; g++)
            {
                Keys[l].AsSpan(g * HeadStride, floats).CopyTo(other.Keys[l].AsSpan(g * other.HeadStride));
                Values[l].AsSpan(g * HeadStride, floats).CopyTo(other.Values[l].AsSpan(g * other.HeadStride));
            }
        }
    }

    /// <summary>Forgets everything after <paramref name="length"/> tokens (prefix reuse, retries).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        Length = length;
    }

    private void Scatter(ReadOnlySpan<float> rowsIn, Span<float> layer, int at, int rows)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int g = 0; g < KvHeads; g++)
            {
                rowsIn.Slice((r * KvDim) + (g * HeadDim), HeadDim).CopyTo(layer.Slice((g * HeadStride) + ((at + r) * HeadDim), HeadDim));
            }
        }
    }
}
