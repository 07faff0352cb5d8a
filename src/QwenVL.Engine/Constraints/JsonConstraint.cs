// Per-request token masking for JSON-constrained decoding. Each step walks the tokenizer's trie with the
// automaton: a node whose byte is refused skips its whole subtree, so the cost is the number of viable
// prefixes, not the vocabulary. Level buffers are sized once (trie depth x stack capacity); nothing is
// allocated per token. Stop ids are allowed only when the document can end; a closed document ends the
// sequence at once (the scheduler finishes it with reason "stop").
using QwenVL.Tokenizer;

namespace QwenVL.Engine.Constraints;

/// <summary>The allowed-token mask of one constrained generation.</summary>
public sealed class JsonConstraint
{
    private const int Cap = JsonAutomaton.StackCapacity;

    private readonly JsonAutomaton _automaton;
    private readonly TokenTrie _trie;
    private readonly int[] _stopIds;
    private readonly Frame[] _state = new Frame[Cap];
    private readonly Frame[] _levels;
    private readonly int[] _levelDepth;
    private int _depth;

    private JsonConstraint(CompiledSchema schema, TokenTrie trie, int[] stopIds)
    {
        _automaton = new JsonAutomaton(schema);
        _trie = trie;
        _stopIds = stopIds;
        _levels = new Frame[(trie.All.MaxDepth + 1) * Cap];
        _levelDepth = new int[trie.All.MaxDepth + 1];
        _depth = JsonAutomaton.Start(_state);
    }

    /// <summary>A constraint at the start of the reply. The tokenizer's trie is built on first use (~0.3 s) and cached.</summary>
    /// <exception cref="EngineException">The schema is unsupported (field "response_format").</exception>
    public static JsonConstraint Create(JsonResponseFormat format, Qwen2Tokenizer tokenizer, IReadOnlyList<int> stopTokenIds) =>
        new(format.Compile(), TokenTrie.For(tokenizer), [.. stopTokenIds]);

    /// <summary>The document is closed: only a stop token may follow.</summary>
    public bool IsComplete => JsonAutomaton.IsComplete(_state, _depth);

    /// <summary>The text so far is a whole document, so a stop token is allowed.</summary>
    public bool CanFinish => _automaton.CanFinish(_state, _depth);

    /// <summary>Sets bit id of <paramref name="allowed"/> for every token that keeps the text a valid prefix (ids past the span are dropped).</summary>
    public void ComputeMask(Span<ulong> allowed)
    {
        allowed.Clear();
        int limit = allowed.Length * 64;
        if (!IsComplete)
        {
            FlatTrie trie = _trie.All;
            if (_automaton.InPlainString(_state[_depth - 1], out int room))
            {
                // Inside a string: plain tokens by their code-point count, then walk only the special ones.
                ReadOnlySpan<ulong> plain = _trie.PlainUpTo[Math.Min(room, TokenTrie.PlainCap)];
                int n = Math.Min(plain.Length, allowed.Length);
                for (int w = 0; w < n; w++)
                {
                    allowed[w] |= plain[w];
                }
                trie = _trie.Special;
            }
            Walk(trie, allowed, limit);
        }
        if (CanFinish)
        {
            foreach (int id in _stopIds)
            {
                if ((uint)id < (uint)limit)
                {
                    allowed[id >> 6] |= 1UL << (id & 63);
                }
            }
        }
    }

    private void Walk(FlatTrie trie, Span<ulong> allowed, int limit)
    {
        _state.AsSpan(0, _depth).CopyTo(_levels);
        _levelDepth[0] = _depth;
        byte[] nodeByte = trie.NodeByte;
        int[] nodeDepth = trie.Depth, nodeToken = trie.NodeToken, subtree = trie.Subtree;
        int i = 1;
        while (i < nodeByte.Length)
        {
            int d = nodeDepth[i];
            int depth = _levelDepth[d - 1];
            Span<Frame> dst = _levels.AsSpan(d * Cap, Cap);
            _levels.AsSpan((d - 1) * Cap, depth).CopyTo(dst);
            if (_automaton.Feed(dst, ref depth, nodeByte[i]))
            {
                _levelDepth[d] = depth;
                int token = nodeToken[i];
                if ((uint)token < (uint)limit)
                {
                    allowed[token >> 6] |= 1UL << (token & 63);
                }
                i++;
            }
            else
            {
                i += subtree[i];
            }
        }
    }

    /// <summary>Advances over a sampled token; false when it was not allowed (the state is then unusable).</summary>
    public bool Advance(int tokenId)
    {
        if (Array.IndexOf(_stopIds, tokenId) >= 0)
        {
            return CanFinish;
        }
        if ((uint)tokenId >= (uint)_trie.TokenBytes.Length || _trie.TokenBytes[tokenId] is not { } bytes)
        {
            return false;
        }
        foreach (byte b in bytes)
        {
            if (!_automaton.Feed(_state, ref _depth, b))
            {
                return false;
            }
        }
        return true;
    }
}
