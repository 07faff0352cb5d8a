// Crafts GGUF files field by field, so tests can produce headers no writer would emit (lying counts,
// bad types, truncation). It deliberately shares no code with GgufWriter.
using System.Buffers.Binary;
using System.Text;

namespace QwenVL.Checkpoints.Tests.Gguf;

internal sealed class GgufBytes
{
    private readonly MemoryStream _s = new();

    public long Length => _s.Length;

    /// <summary>"GGUF", version, tensor count, metadata count.</summary>
    public static GgufBytes Header(uint version = 3, ulong tensors = 0, ulong kvs = 0) =>
        new GgufBytes().Raw("GGUF"u8.ToArray()).U32(version).U64(tensors).U64(kvs);

    public GgufBytes U32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        _s.Write(b);
        return this;
    }

    public GgufBytes U64(ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        _s.Write(b);
        return this;
    }

    public GgufBytes Str(string s) => StrBytes(Encoding.UTF8.GetBytes(s));

    public GgufBytes StrBytes(byte[] bytes) => U64((ulong)bytes.Length).Raw(bytes);

    public GgufBytes Raw(params byte[] bytes)
    {
        _s.Write(bytes);
        return this;
    }

    /// <summary>A uint32 metadata entry (value type 4).</summary>
    public GgufBytes KvU32(string key, uint v) => Str(key).U32(4).U32(v);

    /// <summary>A string metadata entry (value type 8).</summary>
    public GgufBytes KvStr(string key, string v) => Str(key).U32(8).Str(v);

    /// <summary>A tensor info: name, n_dims, ne (innermost first), ggml type, offset.</summary>
    public GgufBytes Tensor(string name, uint type, ulong offset, params ulong[] ne)
    {
        Str(name).U32((uint)ne.Length);
        foreach (ulong n in ne)
        {
            U64(n);
        }
        return U32(type).U64(offset);
    }

    /// <summary>Zero bytes up to the next multiple of <paramref name="alignment"/>.</summary>
    public GgufBytes Pad(int alignment = 32) => Raw(new byte[(alignment - _s.Length % alignment) % alignment]);

    /// <summary><paramref name="count"/> bytes 0, 1, 2, ...</summary>
    public GgufBytes Data(int count) => Raw([.. Enumerable.Range(0, count).Select(i => (byte)i)]);

    public byte[] ToArray() => _s.ToArray();
}
