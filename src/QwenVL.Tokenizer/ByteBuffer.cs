// Growable byte buffer shared by Decode and StreamingDecoder, so token bytes are gathered without
// per-token allocations. It deliberately offers only what those two need (append, drop a prefix, clear).
using System.Text;

namespace QwenVL.Tokenizer;

internal sealed class ByteBuffer(int capacity)
{
    private byte[] _data = new byte[Math.Max(capacity, 16)];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Span => _data.AsSpan(0, Length);

    public void Append(byte value)
    {
        if (Length == _data.Length)
        {
            Array.Resize(ref _data, _data.Length * 2);
        }
        _data[Length++] = value;
    }

    public void AppendUtf8(string text)
    {
        int needed = Encoding.UTF8.GetByteCount(text);
        if (Length + needed > _data.Length)
        {
            Array.Resize(ref _data, Math.Max(_data.Length * 2, Length + needed));
        }
        Length += Encoding.UTF8.GetBytes(text, _data.AsSpan(Length));
    }

    /// <summary>Drops the first <paramref name="count"/> bytes, keeping the rest at the front.</summary>
    public void RemovePrefix(int count)
    {
        _data.AsSpan(count, Length - count).CopyTo(_data);
        Length -= count;
    }

    public void Clear() => Length = 0;
}
