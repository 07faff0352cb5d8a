// Qwen2 / Qwen2.5 byte-level BPE tokenizer equal to Hugging Face `tokenizers` on a tokenizer.json:
// added tokens first (raw text), NFC, the Qwen2 split, byte-level mapping, BPE; decode via the inverse map.
// It deliberately implements add_special_tokens=false only (Qwen2 adds no BOS/EOS) and no offsets,
// padding or truncation. Thread-safe: one instance can encode/decode from many threads.
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using QwenVL.Tokenizer.Unicode;

namespace QwenVL.Tokenizer;

public sealed class Qwen2Tokenizer
{
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, AddedToken> _addedByContent;
    private readonly AddedToken?[] _addedById;
    private readonly string?[] _idToToken;
    private readonly bool[] _skippable;
    private readonly BpeModel _bpe;
    private readonly AddedTokenMatcher _rawMatcher;
    private readonly AddedTokenMatcher _normalizedMatcher;
    private readonly bool _nfc;
    private readonly IPreTokenizer _preTokenizer;

    private Qwen2Tokenizer(TokenizerDefinition definition)
    {
        _vocab = definition.Vocab;
        _nfc = definition.Nfc;
        _preTokenizer = definition.PreTokenizer;
        _bpe = new BpeModel(definition.Vocab, definition.Merges, definition.IgnoreMerges);
        List<AddedTokenSpec> specs = definition.AddedTokens;

        int maxId = -1;
        foreach (int id in _vocab.Values)
        {
            maxId = Math.Max(maxId, id);
        }
        foreach (AddedTokenSpec spec in specs)
        {
            maxId = Math.Max(maxId, spec.Token.Id);
        }
        VocabSize = maxId + 1;
        _idToToken = new string?[VocabSize];
        foreach ((string token, int id) in _vocab)
        {
            _idToToken[id] = token;
        }
        _addedById = new AddedToken?[VocabSize];
        _addedByContent = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        foreach (AddedTokenSpec spec in specs)
        {
            _addedById[spec.Token.Id] = spec.Token;
            _idToToken[spec.Token.Id] = spec.Token.Content; // added tokens shadow the model's own string, as in HF
            _addedByContent[spec.Token.Content] = spec.Token;
        }
        // HF skips by content: any id whose string is a special token's content is dropped with skipSpecialTokens.
        var specialContents = specs.Where(s => s.Token.Special).Select(s => s.Token.Content).ToHashSet(StringComparer.Ordinal);
        _skippable = _idToToken.Select(t => t != null && specialContents.Contains(t)).ToArray();
        AddedTokens = specs.Select(s => s.Token).OrderBy(t => t.Id).ToArray();
        _rawMatcher = new AddedTokenMatcher(specs.Where(s => !s.Normalized), c => c);
        _normalizedMatcher = new AddedTokenMatcher(specs.Where(s => s.Normalized), c => _nfc ? Nfc.Normalize(c) : c);
    }

    /// <summary>1 + the largest id of the vocabulary and added tokens (151665 for Qwen2-VL; the model's
    /// embedding may have more rows, see <see cref="IsKnownId"/>).</summary>
    public int VocabSize { get; }

    /// <summary>All added tokens, by id.</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>Loads a tokenizer.json file.</summary>
    /// <exception cref="TokenizerException">The file cannot be read, is not JSON, or describes an unsupported tokenizer.</exception>
    public static Qwen2Tokenizer Load(string tokenizerJsonPath)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(tokenizerJsonPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TokenizerException($"cannot read tokenizer file: {e.Message}", tokenizerJsonPath, null, e);
        }
        return Parse(() => JsonDocument.Parse(bytes), tokenizerJsonPath);
    }

    /// <summary>Builds a tokenizer from tokenizer.json text; <paramref name="sourceName"/> names it in errors.</summary>
    public static Qwen2Tokenizer FromJson(string json, string sourceName) => Parse(() => JsonDocument.Parse(json), sourceName);

    private static Qwen2Tokenizer Parse(Func<JsonDocument> parse, string source)
    {
        try
        {
            using JsonDocument document = parse();
            return new Qwen2Tokenizer(TokenizerJsonReader.Read(document, source));
        }
        catch (JsonException e)
        {
            throw new TokenizerException($"invalid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine}): {e.Message}", source, e.Path, e);
        }
        catch (InvalidOperationException e)
        {
            throw new TokenizerException($"unexpected JSON value type: {e.Message}", source, null, e);
        }
    }

    /// <summary>Token ids of <paramref name="text"/> (add_special_tokens=false; added-token text is recognised).</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        Encode(text, ids);
        return ids.ToArray();
    }

    /// <summary>Appends the token ids of <paramref name="text"/> to <paramref name="output"/>.</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> output)
    {
        if (text.IsEmpty)
        {
            return;
        }
        var pieces = new List<TextSpan>();
        if (_rawMatcher.IsEmpty)
        {
            EncodeSegment(text, output, pieces);
            return;
        }
        var segments = new List<Segment>();
        _rawMatcher.Split(text, segments);
        foreach (Segment segment in segments)
        {
            if (segment.Token != null)
            {
                output.Add(segment.Token.Id);
            }
            else
            {
                EncodeSegment(text.Slice(segment.Start, segment.Length), output, pieces);
            }
        }
    }

    /// <summary>Text between raw-matched added tokens: NFC, then normalized added tokens, then BPE pieces.</summary>
    private void EncodeSegment(ReadOnlySpan<char> text, List<int> output, List<TextSpan> pieces)
    {
        ReadOnlySpan<char> normalized = _nfc && !Nfc.IsQuickNormalized(text) ? Nfc.Normalize(text) : text;
        if (_normalizedMatcher.IsEmpty)
        {
            EncodePieces(normalized, output, pieces);
            return;
        }
        var segments = new List<Segment>();
        _normalizedMatcher.Split(normalized, segments);
        foreach (Segment segment in segments)
        {
            if (segment.Token != null)
            {
                output.Add(segment.Token.Id);
            }
            else
            {
                EncodePieces(normalized.Slice(segment.Start, segment.Length), output, pieces);
            }
        }
    }

    private void EncodePieces(ReadOnlySpan<char> text, List<int> output, List<TextSpan> pieces)
    {
        pieces.Clear();
        _preTokenizer.Split(text, pieces);
        foreach (TextSpan piece in CollectionsMarshal.AsSpan(pieces))
        {
            _bpe.Encode(text.Slice(piece.Start, piece.Length), output);
        }
    }

    /// <summary>Text of <paramref name="ids"/>. Ids without a token string decode to nothing; invalid UTF-8
    /// becomes U+FFFD (like Rust's from_utf8_lossy).</summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var buffer = new ByteBuffer(ids.Length * 4);
        foreach (int id in ids)
        {
            AppendTokenBytes(id, skipSpecialTokens, buffer);
        }
        return Encoding.UTF8.GetString(buffer.Span);
    }

    /// <summary>A decoder for one generation stream.</summary>
    public StreamingDecoder CreateStreamingDecoder(bool skipSpecialTokens = false) => new(this, skipSpecialTokens);

    /// <summary>Id of a vocabulary token (byte-level string, e.g. "Ġworld") or added token content.</summary>
    public int? TokenToId(string token) =>
        _addedByContent.TryGetValue(token, out AddedToken? added) ? added.Id
        : _vocab.TryGetValue(token, out int id) ? id
        : null;

    /// <summary>Byte-level token string or added token content; null for an unknown id.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    /// <summary>Whether the id has a token string (the model's 151936 rows exceed the tokenizer's 151665 ids).</summary>
    public bool IsKnownId(int id) => IdToToken(id) != null;

    /// <summary>Whether the id is an added token marked special (e.g. &lt;|im_end|&gt;, not &lt;tool_call&gt;).</summary>
    public bool IsSpecial(int id) => (uint)id < (uint)_addedById.Length && _addedById[id] is { Special: true };

    /// <summary>Appends the bytes an id stands for. As HF's ByteLevel decoder: a token whose chars are all in
    /// the byte alphabet maps char by char; any other token (an added token with other chars) is its UTF-8.</summary>
    internal void AppendTokenBytes(int id, bool skipSpecialTokens, ByteBuffer buffer)
    {
        if ((uint)id >= (uint)_idToToken.Length || _idToToken[id] is not { } token || (skipSpecialTokens && _skippable[id]))
        {
            return;
        }
        foreach (char c in token)
        {
            if (ByteLevelAlphabet.CharToByte(c) < 0)
            {
                buffer.AppendUtf8(token);
                return;
            }
        }
        foreach (char c in token)
        {
            buffer.Append((byte)ByteLevelAlphabet.CharToByte(c));
        }
    }
}
