// Writes GGUF v3 files the way gguf-py's GGUFWriter lays them out: header, metadata in insertion
// order, tensor infos with ne innermost first, data section and every tensor padded to the
// alignment. Tensor bytes may be produced lazily, one tensor at a time, so converting a large model
// never holds it whole. It does not convert or quantize: callers hand over bytes of the stated type.
using System.Buffers.Binary;
using System.Text;

namespace QwenVL.Checkpoints.Gguf;

/// <summary>Builds and writes one GGUF file.</summary>
public sealed class GgufWriter
{
    private readonly List<KeyValuePair<string, GgufValue>> _metadata = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly List<(string Name, GgmlType Type, long[] Ne, long Bytes, Func<byte[]> Data)> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>Creates a writer; <paramref name="alignment"/> is written as general.alignment when not 32.</summary>
    public GgufWriter(int alignment = GgufHeaderParser.DefaultAlignment)
    {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "must be a power of two");
        }
        Alignment = alignment;
        if (alignment != GgufHeaderParser.DefaultAlignment)
        {
            Add("general.alignment", GgufValue.Of((uint)alignment));
        }
    }

    /// <summary>Data alignment in bytes.</summary>
    public int Alignment { get; }

    /// <summary>Names of the tensors added so far, in order.</summary>
    public IEnumerable<string> TensorNames => _tensors.Select(t => t.Name);

    /// <summary>Adds a metadata entry (keys are unique).</summary>
    public void Add(string key, GgufValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key == "general.alignment" && !(value.TryGetInteger(out long a) && a == Alignment))
        {
            throw new ArgumentException($"general.alignment {value} disagrees with this writer's alignment {Alignment}; pass it to the constructor", nameof(value));
        }
        if (!_keys.Add(key))
        {
            throw new ArgumentException($"metadata key '{key}' added twice", nameof(key));
        }
        _metadata.Add(new(key, value));
    }

    /// <summary>Adds a tensor of <paramref name="shape"/> (outermost first, as in PyTorch) whose bytes are already in memory.</summary>
    public void AddTensor(string name, GgmlType type, long[] shape, byte[] data) => AddTensor(name, type, shape, () => data);

    /// <summary>Adds a tensor whose bytes <paramref name="produce"/> computes when the file is written.</summary>
    public void AddTensor(string name, GgmlType type, long[] shape, Func<byte[]> produce)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        long[] ne = [.. shape.Reverse()];
        if (ne.Length > 4 || ne.Any(d => d < 0))
        {
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] is not a ggml shape (at most 4 non-negative dims)");
        }
        long count = ne.Aggregate(1L, (a, b) => checked(a * b));
        if ((ne.Length > 0 && ne[0] % GgmlTypes.BlockSize(type) != 0) || !GgmlTypes.TryByteCount(type, count, out long bytes))
        {
            throw new ArgumentException($"tensor '{name}': rows of {(ne.Length > 0 ? ne[0] : 1)} values are not whole {type} blocks");
        }
        if (!_names.Add(name))
        {
            throw new ArgumentException($"tensor '{name}' added twice", nameof(name));
        }
        _tensors.Add((name, type, ne, bytes, produce));
    }

    /// <summary>Writes the file (replacing it).</summary>
    public void Write(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        WriteTo(stream);
    }

    /// <summary>Writes the file to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream)
    {
        var header = new MemoryStream();
        U32(header, GgufHeaderParser.Magic);
        U32(header, 3);
        U64(header, (ulong)_tensors.Count);
        U64(header, (ulong)_metadata.Count);
        foreach ((string key, GgufValue value) in _metadata)
        {
            String(header, key);
            U32(header, (uint)value.Type);
            WriteValue(header, value);
        }
        long offset = 0;
        foreach (var t in _tensors)
        {
            String(header, t.Name);
            U32(header, (uint)t.Ne.Length);
            foreach (long d in t.Ne)
            {
                U64(header, (ulong)d);
            }
            U32(header, (uint)t.Type);
            U64(header, (ulong)offset);
            offset = Pad(offset + t.Bytes);
        }
        header.Write(new byte[Pad(header.Length) - header.Length]);
        header.Position = 0;
        header.CopyTo(stream);
        foreach (var t in _tensors)
        {
            byte[] data = t.Data();
            if (data.LongLength != t.Bytes)
            {
                throw new InvalidOperationException($"tensor '{t.Name}': produced {data.LongLength} bytes, its {t.Type} shape needs {t.Bytes}");
            }
            stream.Write(data);
            stream.Write(new byte[Pad(t.Bytes) - t.Bytes]);
        }
    }

    private long Pad(long n) => (n + Alignment - 1) / Alignment * Alignment;

    private static void WriteValue(Stream s, GgufValue value)
    {
        if (value.Type != GgufValueType.Array)
        {
            WriteScalar(s, value.Type, value.Raw);
            return;
        }
        U32(s, (uint)value.ElementType);
        var items = (Array)value.Raw;
        U64(s, (ulong)items.Length);
        foreach (object? item in items)
        {
            if (item is GgufValue nested)
            {
                WriteValue(s, nested);
            }
            else
            {
                WriteScalar(s, value.ElementType, item!);
            }
        }
    }

    private static void WriteScalar(Stream s, GgufValueType type, object v)
    {
        Span<byte> b = stackalloc byte[8];
        switch (type)
        {
            case GgufValueType.String: String(s, (string)v); return;
            case GgufValueType.UInt8: s.WriteByte((byte)v); return;
            case GgufValueType.Int8: s.WriteByte(unchecked((byte)(sbyte)v)); return;
            case GgufValueType.Bool: s.WriteByte((bool)v ? (byte)1 : (byte)0); return;
            case GgufValueType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); break;
            case GgufValueType.Int16: BinaryPrimitives.WriteInt16LittleEndian(b, (short)v); break;
            case GgufValueType.UInt32: BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)v); break;
            case GgufValueType.Int32: BinaryPrimitives.WriteInt32LittleEndian(b, (int)v); break;
            case GgufValueType.Float32: BinaryPrimitives.WriteSingleLittleEndian(b, (float)v); break;
            case GgufValueType.UInt64: BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)v); break;
            case GgufValueType.Int64: BinaryPrimitives.WriteInt64LittleEndian(b, (long)v); break;
            case GgufValueType.Float64: BinaryPrimitives.WriteDoubleLittleEndian(b, (double)v); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "not a scalar type");
        }
        s.Write(b[..GgufValue.FixedSize(type)]);
    }

    private static void String(Stream s, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        U64(s, (ulong)bytes.Length);
        s.Write(bytes);
    }

    private static void U32(Stream s, uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        s.Write(b);
    }

    private static void U64(Stream s, ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        s.Write(b);
    }
}
