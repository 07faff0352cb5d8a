// Byte-level BPE over one pre-tokenized piece: UTF-8 bytes -> byte tokens -> merges applied by rank
// (lowest first, leftmost on ties, as HF's heap-driven Word::merge_all), with a per-piece cache.
// It deliberately has no dropout, unk token or continuing-subword prefix: Qwen2 uses none of them.
using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace QwenVL.Tokenizer;

/// <summary>Result of merging a pair: its rank (merges-list index, lower merges first) and the merged token id.</summary>
internal readonly record struct MergeTarget(int Rank, int Id);

internal sealed class BpeModel
{
    // Pieces are words, numbers or whitespace runs, mostly under 20 chars; caching only short ones bounds
    // memory (100k entries of <= 64 chars is at most ~15 MB) while hitting almost every repeat.
    private const int CacheMaxChars = 64;
    private const int CacheMaxEntries = 100_000;
    private const int StackBytes = 256;

    [ThreadStatic]
    private static PriorityQueue<int, long>? t_heap;
    [ThreadStatic]
    private static int[]? t_scratch;

    private readonly Dictionary<long, MergeTarget> _merges;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabLookup;
    private readonly int[] _byteIds = new int[256];
    private readonly bool _ignoreMerges;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private int _cacheCount;

    /// <param name="vocab">Byte-level token string -> id.</param>
    /// <param name="merges">Merge by <see cref="PairKey"/> of the two token ids.</param>
    /// <param name="ignoreMerges">HF <c>ignore_merges</c>: a piece that is itself a vocab token is emitted whole.</param>
    public BpeModel(Dictionary<string, int> vocab, Dictionary<long, MergeTarget> merges, bool ignoreMerges)
    {
        _merges = merges;
        _vocabLookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _ignoreMerges = ignoreMerges;
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        for (int b = 0; b < 256; b++)
        {
            // A byte whose character is missing from the vocab is dropped, as HF does without an unk token.
            _byteIds[b] = vocab.TryGetValue(ByteLevelAlphabet.ByteToChar[b].ToString(), out int id) ? id : -1;
        }
    }

    public static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Appends the ids of one pre-tokenized piece (plain text, not yet byte-level mapped).</summary>
    public void Encode(ReadOnlySpan<char> piece, List<int> output)
    {
        if (piece.IsEmpty)
        {
            return;
        }
        bool cacheable = piece.Length <= CacheMaxChars;
        if (cacheable && _cacheLookup.TryGetValue(piece, out int[]? cached))
        {
            output.AddRange(cached);
            return;
        }
        int byteCount = Encoding.UTF8.GetByteCount(piece); // lone surrogates count as U+FFFD (3 bytes)
        byte[]? rented = byteCount > StackBytes ? ArrayPool<byte>.Shared.Rent(byteCount) : null;
        Span<byte> bytes = rented != null ? rented : stackalloc byte[StackBytes];
        bytes = bytes[..Encoding.UTF8.GetBytes(piece, bytes)];
        int first = output.Count;
        if (!(_ignoreMerges && TryWholeToken(bytes, output)))
        {
            MergeWord(bytes, output);
        }
        if (rented != null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        if (cacheable && Volatile.Read(ref _cacheCount) < CacheMaxEntries
            && _cache.TryAdd(piece.ToString(), CollectionsMarshal.AsSpan(output)[first..].ToArray()))
        {
            Interlocked.Increment(ref _cacheCount);
        }
    }

    private bool TryWholeToken(ReadOnlySpan<byte> bytes, List<int> output)
    {
        char[]? rented = bytes.Length > StackBytes ? ArrayPool<char>.Shared.Rent(bytes.Length) : null;
        Span<char> chars = rented != null ? rented.AsSpan(0, bytes.Length) : stackalloc char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            chars[i] = ByteLevelAlphabet.ByteToChar[bytes[i]];
        }
        bool found = _vocabLookup.TryGetValue(chars, out int id);
        if (found)
        {
            output.Add(id);
        }
        if (rented != null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }
        return found;
    }

    /// <summary>Applies merges to the byte tokens of one word. Symbols form a linked list over the
    /// initial positions; the heap holds candidate pairs keyed (rank &lt;&lt; 32 | left position), so it
    /// pops the lowest rank and, among equal ranks, the leftmost pair. Entries made stale by an earlier
    /// merge are recognised because the pair now at that position no longer has that rank.</summary>
    private void MergeWord(ReadOnlySpan<byte> bytes, List<int> output)
    {
        int capacity = bytes.Length * 3;
        int[] scratch = t_scratch is { } s && s.Length >= capacity ? s : (t_scratch = new int[Math.Max(capacity, 192)]);
        Span<int> ids = scratch.AsSpan(0, bytes.Length);
        Span<int> prev = scratch.AsSpan(bytes.Length, bytes.Length);
        Span<int> next = scratch.AsSpan(2 * bytes.Length, bytes.Length);
        int n = 0;
        foreach (byte b in bytes)
        {
            if (_byteIds[b] >= 0)
            {
                ids[n++] = _byteIds[b];
            }
        }
        if (n == 0)
        {
            return;
        }
        PriorityQueue<int, long> heap = t_heap ??= new PriorityQueue<int, long>();
        heap.Clear();
        for (int i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            if (i + 1 < n)
            {
                PushPair(heap, ids, i, i + 1);
            }
        }
        while (heap.TryDequeue(out int pos, out long key))
        {
            int right = next[pos];
            if (ids[pos] < 0 || right < 0
                || !_merges.TryGetValue(PairKey(ids[pos], ids[right]), out MergeTarget merge)
                || merge.Rank != (int)(key >> 32))
            {
                continue; // stale: a neighbour was merged away since this entry was queued
            }
            ids[pos] = merge.Id;
            ids[right] = -1;
            int after = next[right];
            next[pos] = after;
            if (after >= 0)
            {
                prev[after] = pos;
                PushPair(heap, ids, pos, after);
            }
            if (prev[pos] >= 0)
            {
                PushPair(heap, ids, prev[pos], pos);
            }
        }
        for (int i = 0; i >= 0; i = next[i])
        {
            output.Add(ids[i]); // position 0 is never merged away: merges always remove the right symbol
        }
    }

    private void PushPair(PriorityQueue<int, long> heap, Span<int> ids, int left, int right)
    {
        if (_merges.TryGetValue(PairKey(ids[left], ids[right]), out MergeTarget merge))
        {
            heap.Enqueue(left, ((long)merge.Rank << 32) | (uint)left);
        }
    }
}
