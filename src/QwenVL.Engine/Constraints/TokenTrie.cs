// Every vocabulary token's bytes (GPT-2 byte-level alphabet undone, so a token may be part of a UTF-8
// character), laid out as tries flattened in depth-first order: node i's subtree is i .. i+Subtree[i]-1,
// so a refused prefix skips its whole subtree in one step. Inside a string most tokens are "plain" (they
// only add code points), so those come as precomputed masks by length and only the rest is walked.
// Built once per tokenizer and cached. Added tokens (<|im_end|>, ...) are left out: never inside JSON.
using System.Runtime.CompilerServices;
using QwenVL.Tokenizer;

namespace QwenVL.Engine.Constraints;

/// <summary>The tokenizer's vocabulary as byte tries, plus the string-content fast path.</summary>
internal sealed class TokenTrie
{
    /// <summary>Plain tokens longer than this many code points go to <see cref="Special"/> instead of a plain mask.</summary>
    public const int PlainCap = 16;

    private static readonly ConditionalWeakTable<Qwen2Tokenizer, TokenTrie> Cache = [];

    private TokenTrie(byte[]?[] tokenBytes, FlatTrie all, FlatTrie special, ulong[][] plainUpTo)
    {
        TokenBytes = tokenBytes;
        All = all;
        Special = special;
        PlainUpTo = plainUpTo;
    }

    /// <summary>Bytes of each id; null for added tokens and unknown ids.</summary>
    public byte[]?[] TokenBytes { get; }

    /// <summary>Every token.</summary>
    public FlatTrie All { get; }

    /// <summary>Tokens that are not plain string content (quotes, control bytes, stray continuation bytes, long ones).</summary>
    public FlatTrie Special { get; }

    /// <summary>PlainUpTo[k]: bit mask of the tokens that, inside a string with no pending escape or UTF-8
    /// sequence, stay inside it and add at most k code points (k = 0..PlainCap).</summary>
    public ulong[][] PlainUpTo { get; }

    /// <summary>The cached trie of <paramref name="tokenizer"/>.</summary>
    public static TokenTrie For(Qwen2Tokenizer tokenizer) => Cache.GetValue(tokenizer, Build);

    private static TokenTrie Build(Qwen2Tokenizer tokenizer)
    {
        char[] byteToChar = ByteAlphabet();
        var charToByte = new int[0x144];
        Array.Fill(charToByte, -1);
        for (int b = 0; b < 256; b++)
        {
            charToByte[byteToChar[b]] = b;
        }
        var added = tokenizer.AddedTokens.Select(t => t.Id).ToHashSet();
        var bytes = new byte[]?[tokenizer.VocabSize];
        var ids = new List<int>(bytes.Length);
        for (int id = 0; id < bytes.Length; id++)
        {
            if (added.Contains(id) || tokenizer.IdToToken(id) is not { Length: > 0 } token)
            {
                continue;
            }
            var b = new byte[token.Length];
            bool ok = true;
            for (int i = 0; i < token.Length && ok; i++)
            {
                int v = token[i] < charToByte.Length ? charToByte[token[i]] : -1;
                ok = v >= 0;
                b[i] = (byte)v;
            }
            if (ok)
            {
                bytes[id] = b;
                ids.Add(id);
            }
        }
        ids.Sort((x, y) => bytes[x].AsSpan().SequenceCompareTo(bytes[y]));

        // Classify with the automaton itself: feed each token to an open unbounded string.
        var probe = new JsonAutomaton(new CompiledSchema([new SchemaNode { Kind = NodeKind.Document, Child = 1 }, new SchemaNode { Kind = NodeKind.String }]));
        int words = (bytes.Length + 63) / 64;
        var plainUpTo = new ulong[PlainCap + 1][];
        for (int k = 0; k <= PlainCap; k++)
        {
            plainUpTo[k] = new ulong[words];
        }
        var special = new List<int>();
        Span<Frame> stack = stackalloc Frame[3];
        foreach (int id in ids)
        {
            stack[0] = new Frame { Phase = 1 };
            stack[1] = new Frame { Node = 1, Phase = 1 };
            int depth = 2;
            bool inside = true;
            foreach (byte b in bytes[id]!)
            {
                inside = probe.Feed(stack, ref depth, b) && depth == 2;
                if (!inside)
                {
                    break;
                }
            }
            int chars = stack[1].A;
            if (!inside || chars > PlainCap)
            {
                special.Add(id);
                continue;
            }
            for (int k = chars; k <= PlainCap; k++)
            {
                plainUpTo[k][id >> 6] |= 1UL << (id & 63);
            }
        }
        return new TokenTrie(bytes, FlatTrie.Build(ids, bytes), FlatTrie.Build(special, bytes), plainUpTo);
    }

    /// <summary>GPT-2's byte-to-character map: printable Latin-1 bytes stand for themselves, the other 68 take U+0100 onwards.</summary>
    private static char[] ByteAlphabet()
    {
        var map = new char[256];
        int next = 0x100;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }
}

/// <summary>A byte trie in depth-first order (node 0 = root).</summary>
internal sealed class FlatTrie
{
    private FlatTrie(byte[] nodeByte, int[] nodeToken, int[] subtree, int[] depth)
    {
        NodeByte = nodeByte;
        NodeToken = nodeToken;
        Subtree = subtree;
        Depth = depth;
        MaxDepth = depth.Max();
    }

    /// <summary>Node's byte (node 0 is the root and has none).</summary>
    public byte[] NodeByte { get; }

    /// <summary>Token id ending at the node, or -1.</summary>
    public int[] NodeToken { get; }

    /// <summary>Nodes in the node's subtree, itself included.</summary>
    public int[] Subtree { get; }

    /// <summary>Bytes from the root (root = 0).</summary>
    public int[] Depth { get; }

    /// <summary>The longest token's length in bytes.</summary>
    public int MaxDepth { get; }

    /// <summary>Builds the trie of <paramref name="sortedIds"/> (ordered by their bytes).</summary>
    public static FlatTrie Build(List<int> sortedIds, byte[]?[] bytes)
    {
        var nodeByte = new List<byte> { 0 };
        var nodeToken = new List<int> { -1 };
        var depth = new List<int> { 0 };
        var path = new List<int> { 0 }; // node index at each depth along the current token
        byte[] previous = [];
        foreach (int id in sortedIds)
        {
            byte[] b = bytes[id]!;
            int common = b.AsSpan().CommonPrefixLength(previous);
            path.RemoveRange(common + 1, path.Count - common - 1);
            for (int d = common; d < b.Length; d++)
            {
                path.Add(nodeByte.Count);
                nodeByte.Add(b[d]);
                nodeToken.Add(-1);
                depth.Add(d + 1);
            }
            nodeToken[path[b.Length]] = id; // byte strings are unique in a BPE vocabulary
            previous = b;
        }
        // Subtree sizes: a node's subtree ends where the next node of the same or smaller depth starts.
        var subtree = new int[nodeByte.Count];
        var open = new Stack<int>();
        for (int i = 0; i < nodeByte.Count; i++)
        {
            while (open.Count > 0 && depth[open.Peek()] >= depth[i])
            {
                int j = open.Pop();
                subtree[j] = i - j;
            }
            open.Push(i);
        }
        while (open.Count > 0)
        {
            int j = open.Pop();
            subtree[j] = nodeByte.Count - j;
        }
        return new FlatTrie([.. nodeByte], [.. nodeToken], subtree, [.. depth]);
    }
}
