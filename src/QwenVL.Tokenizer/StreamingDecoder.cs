// Incremental decode for generation: one id in, the newly completed text out. Bytes of a character split
// across tokens (an emoji is often 2-4 byte tokens) are held back until the character is complete, so
// the concatenated outputs plus Flush() equal Qwen2Tokenizer.Decode of all ids. Not thread-safe: one per generation.
using System.Buffers;
using System.Text;

namespace QwenVL.Tokenizer;

/// <summary>Turns a stream of token ids into text pieces without splitting UTF-8 sequences.</summary>
public sealed class StreamingDecoder
{
    private readonly Qwen2Tokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly ByteBuffer _pending = new(32);

    internal StreamingDecoder(Qwen2Tokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>Adds one id; returns the text completed by it (empty while a character is still partial).
    /// Unknown ids and, when skipping, special tokens add nothing.</summary>
    public string Append(int id)
    {
        _tokenizer.AppendTokenBytes(id, _skipSpecialTokens, _pending);
        int complete = CompletePrefixLength(_pending.Span);
        if (complete == 0)
        {
            return string.Empty;
        }
        string text = Encoding.UTF8.GetString(_pending.Span[..complete]);
        _pending.RemovePrefix(complete);
        return text;
    }

    /// <summary>Returns whatever is held back (an incomplete sequence decodes to U+FFFD) and empties the decoder.</summary>
    public string Flush()
    {
        string text = _pending.Length == 0 ? string.Empty : Encoding.UTF8.GetString(_pending.Span);
        _pending.Clear();
        return text;
    }

    /// <summary>Drops held-back bytes, to reuse the decoder for a new generation.</summary>
    public void Reset() => _pending.Clear();

    /// <summary>Length of the prefix that can be decoded now: everything except a trailing sequence that is a
    /// valid but unfinished UTF-8 prefix (at most 3 bytes). Invalid bytes are not held: they decode to U+FFFD
    /// exactly as they would in the full decode, because a lead byte always starts a new sequence there too.</summary>
    internal static int CompletePrefixLength(ReadOnlySpan<byte> bytes)
    {
        int n = bytes.Length;
        for (int back = 1; back <= Math.Min(3, n); back++)
        {
            if ((bytes[n - back] & 0xC0) != 0x80)
            {
                // The last non-continuation byte starts the final sequence; hold it only if it is unfinished.
                OperationStatus status = System.Text.Rune.DecodeFromUtf8(bytes[(n - back)..], out _, out _);
                return status == OperationStatus.NeedMoreData ? n - back : n;
            }
        }
        return n;
    }
}
