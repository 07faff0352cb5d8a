// Parses and validates a GGUF v2/v3 header (magic, version, counts, metadata, tensor table) straight
// from the mapped bytes. It trusts nothing: every length is checked against the bytes left before it
// is used, so a truncated or hostile file is a CheckpointException naming the key or tensor, never
// an out-of-bounds read or a huge allocation. Little-endian files only (what llama.cpp writes).
using System.Buffers.Binary;
using System.Text;

namespace QwenVL.Checkpoints.Gguf;

internal sealed unsafe class GgufHeaderParser
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;

    /// <summary>Alignment of the data section when general.alignment is absent (GGUF_DEFAULT_ALIGNMENT).</summary>
    public const int DefaultAlignment = 32;

    private const int MaxDims = 4;        // GGML_MAX_DIMS
    private const int MaxNesting = 8;     // arrays of arrays deeper than this are not real models
    private readonly byte* _start;
    private readonly long _length;
    private readonly string _path;
    private long _pos;

    private GgufHeaderParser(byte* start, long length, string path)
    {
        _start = start;
        _length = length;
        _path = path;
    }

    public static (int Version, Dictionary<string, GgufValue> Metadata, List<GgufTensorInfo> Tensors, int Alignment, long DataOffset)
        Parse(byte* start, long length, string path) => new GgufHeaderParser(start, length, path).Parse();

    private (int, Dictionary<string, GgufValue>, List<GgufTensorInfo>, int, long) Parse()
    {
        if (_length < 24)
        {
            throw Fail(null, $"file is {_length} bytes; a GGUF header needs at least 24 (magic, version, two counts)");
        }
        uint magic = U32("magic");
        if (magic != Magic)
        {
            string shown = Encoding.ASCII.GetString(new ReadOnlySpan<byte>(_start, 4)).Replace('\0', '.');
            throw Fail(null, $"not a GGUF file: magic is '{shown}' (0x{magic:X8}), expected 'GGUF'");
        }
        uint version = U32("version");
        if (version is not (2 or 3))
        {
            string why = version == 1 ? "GGUF v1 (32-bit counts, 2023) is not supported; re-convert the model"
                : (version & 0xFFFF) == 0 && version != 0 ? $"version field 0x{version:X8} looks byte-swapped: big-endian GGUF is not supported"
                : $"GGUF version {version} is not supported (2 and 3 are)";
            throw Fail(null, why);
        }
        ulong tensorCount = U64("tensor count");
        ulong kvCount = U64("metadata count");
        // Each metadata entry takes at least 14 bytes (8 key length, 1 key byte, 4 type, 1 value) and each
        // tensor info at least 25 (8 name length, 1 name byte, 4 n_dims, 4 type, 8 offset), so larger
        // counts cannot be honest and would otherwise drive allocations.
        long left = _length - _pos;
        if (kvCount > (ulong)(left / 14))
        {
            throw Fail(null, $"metadata count {kvCount} cannot fit in the {left} bytes left in the file");
        }
        if (tensorCount > (ulong)(left / 25))
        {
            throw Fail(null, $"tensor count {tensorCount} cannot fit in the {left} bytes left in the file");
        }

        var metadata = new Dictionary<string, GgufValue>((int)kvCount, StringComparer.Ordinal);
        for (ulong i = 0; i < kvCount; i++)
        {
            string key = String(null, $"key of metadata entry {i}");
            if (key.Length == 0)
            {
                throw Fail(null, $"metadata entry {i} has an empty key");
            }
            uint type = U32(key, key);
            GgufValue value = Value(key, type, 0);
            if (!metadata.TryAdd(key, value))
            {
                throw Fail(key, $"metadata key '{key}' appears twice");
            }
        }
        int alignment = Alignment(metadata);

        var tensors = new List<GgufTensorInfo>((int)tensorCount);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (ulong i = 0; i < tensorCount; i++)
        {
            GgufTensorInfo info = TensorInfo(i, alignment);
            if (!names.Add(info.Name))
            {
                throw Fail(info.Name, $"tensor '{info.Name}' appears twice in the tensor table");
            }
            tensors.Add(info);
        }
        long dataOffset = (_pos + alignment - 1) / alignment * alignment;
        CheckData(tensors, dataOffset);
        return ((int)version, metadata, tensors, alignment, dataOffset);
    }

    private int Alignment(Dictionary<string, GgufValue> metadata)
    {
        if (!metadata.TryGetValue("general.alignment", out GgufValue? v))
        {
            return DefaultAlignment;
        }
        if (!v.TryGetInteger(out long a) || a <= 0 || a > 1 << 20 || (a & (a - 1)) != 0)
        {
            throw Fail("general.alignment", $"general.alignment must be a power of two up to 1 MiB, got {v}");
        }
        return (int)a;
    }

    private GgufTensorInfo TensorInfo(ulong index, int alignment)
    {
        string name = String(null, $"name of tensor {index}");
        if (name.Length == 0)
        {
            throw Fail(null, $"tensor {index} has an empty name");
        }
        uint dims = U32(name, name);
        if (dims > MaxDims)
        {
            throw Fail(name, $"tensor '{name}' has {dims} dimensions; ggml allows at most {MaxDims}");
        }
        var ne = new long[dims];
        for (int d = 0; d < dims; d++)
        {
            ulong n = U64(name, name);
            ne[d] = n <= long.MaxValue ? (long)n
                : throw Fail(name, $"tensor '{name}' dimension {d} is {n}, not a valid size");
        }
        uint typeId = U32(name, name);
        if (!GgmlTypes.IsKnown(typeId))
        {
            throw Fail(name, $"tensor '{name}' has unknown ggml type id {typeId}");
        }
        var type = (GgmlType)typeId;
        ulong offset = U64(name, name);
        long count = 1;
        foreach (long n in ne)
        {
            if (n != 0 && count > long.MaxValue / n)
            {
                throw Fail(name, $"tensor '{name}' shape [{string.Join(", ", ne.Reverse())}] overflows 64 bits");
            }
            count *= n;
        }
        int block = GgmlTypes.BlockSize(type);
        if (dims > 0 && ne[0] % block != 0)
        {
            throw Fail(name, $"tensor '{name}' rows of {ne[0]} values are not whole {type} blocks of {block}");
        }
        if (!GgmlTypes.TryByteCount(type, count, out long bytes))
        {
            throw Fail(name, $"tensor '{name}' of {count} {type} values has no valid byte size");
        }
        if (offset % (ulong)alignment != 0)
        {
            throw Fail(name, $"tensor '{name}' data offset {offset} is not a multiple of the alignment {alignment}");
        }
        if (offset > long.MaxValue)
        {
            throw Fail(name, $"tensor '{name}' data offset {offset} is not a valid offset");
        }
        return new GgufTensorInfo(name, type, ne, (long)offset, bytes);
    }

    private void CheckData(List<GgufTensorInfo> tensors, long dataOffset)
    {
        long dataLength = _length - dataOffset;
        foreach (GgufTensorInfo t in tensors)
        {
            if (t.Offset > dataLength || t.ByteLength > dataLength - t.Offset)
            {
                throw Fail(t.Name, $"tensor '{t.Name}' ({t}) spans data bytes [{t.Offset}, {t.Offset + t.ByteLength}) " +
                    $"but the data section holds {Math.Max(0, dataLength)} bytes (file truncated?)");
            }
        }
        GgufTensorInfo? previous = null;
        foreach (GgufTensorInfo t in tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.Offset))
        {
            if (previous is not null && t.Offset < previous.Offset + previous.ByteLength)
            {
                throw Fail(t.Name, $"tensor '{t.Name}' data at offset {t.Offset} overlaps tensor '{previous.Name}' " +
                    $"[{previous.Offset}, {previous.Offset + previous.ByteLength})");
            }
            previous = t;
        }
    }

    private GgufValue Value(string key, uint type, int depth)
    {
        if (type > (uint)GgufValueType.Float64)
        {
            throw Fail(key, $"metadata key '{key}' has unknown value type {type}");
        }
        var t = (GgufValueType)type;
        return t switch
        {
            GgufValueType.Array => ArrayValue(key, depth),
            GgufValueType.String => GgufValue.Scalar(t, String(key, $"value of '{key}'")),
            _ => GgufValue.Scalar(t, ScalarValue(key, t)),
        };
    }

    private GgufValue ArrayValue(string key, int depth)
    {
        if (depth >= MaxNesting)
        {
            throw Fail(key, $"metadata key '{key}' nests arrays deeper than {MaxNesting}");
        }
        uint elementId = U32(key, key);
        if (elementId > (uint)GgufValueType.Float64)
        {
            throw Fail(key, $"metadata key '{key}' is an array of unknown value type {elementId}");
        }
        var element = (GgufValueType)elementId;
        ulong count = U64(key, key);
        int minBytes = element switch { GgufValueType.String => 8, GgufValueType.Array => 12, _ => GgufValue.FixedSize(element) };
        long left = _length - _pos;
        if (count > (ulong)(left / minBytes) || count > int.MaxValue)
        {
            throw Fail(key, $"metadata key '{key}' claims {count} {element} elements; the {left} bytes left hold at most {left / minBytes}");
        }
        int n = (int)count;
        Array values = element == GgufValueType.Array ? new GgufValue[n] : System.Array.CreateInstance(GgufValue.ClrType(element), n);
        for (int i = 0; i < n; i++)
        {
            object item = element switch
            {
                GgufValueType.Array => ArrayValue(key, depth + 1),
                GgufValueType.String => String(key, $"element {i} of '{key}'"),
                _ => ScalarValue(key, element),
            };
            values.SetValue(item, i);
        }
        return GgufValue.Array(element, values);
    }

    private object ScalarValue(string key, GgufValueType t)
    {
        ReadOnlySpan<byte> b = Take(GgufValue.FixedSize(t), key, key);
        return t switch
        {
            GgufValueType.UInt8 => b[0],
            GgufValueType.Int8 => (sbyte)b[0],
            GgufValueType.Bool => b[0] switch
            {
                0 => false,
                1 => true,
                _ => throw Fail(key, $"metadata key '{key}' holds bool byte {b[0]}, expected 0 or 1"),
            },
            GgufValueType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(b),
            GgufValueType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(b),
            GgufValueType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(b),
            GgufValueType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(b),
            GgufValueType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(b),
            GgufValueType.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(b),
            GgufValueType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(b),
            GgufValueType.Float64 => BinaryPrimitives.ReadDoubleLittleEndian(b),
            _ => throw new InvalidOperationException(t.ToString()),
        };
    }

    private string String(string? key, string what)
    {
        ulong length = U64(what, key);
        if (length > (ulong)(_length - _pos) || length > int.MaxValue)
        {
            throw Fail(key, $"{what}: string of {length} bytes runs past the end of the file ({_length - _pos} bytes left)");
        }
        ReadOnlySpan<byte> bytes = Take((int)length, what, key);
        int bad = Utf8Check.FirstInvalidByte(bytes);
        if (bad >= 0)
        {
            throw Fail(key, $"{what} is not valid UTF-8 (bad byte 0x{bytes[bad]:X2} at string offset {bad})");
        }
        return Encoding.UTF8.GetString(bytes);
    }

    private uint U32(string what, string? key = null) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what, key));

    private ulong U64(string what, string? key = null) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what, key));

    private ReadOnlySpan<byte> Take(int count, string what, string? key)
    {
        if (count > _length - _pos)
        {
            throw Fail(key, $"file ends at byte {_length} while reading {what} ({count} bytes at offset {_pos}): truncated header");
        }
        var span = new ReadOnlySpan<byte>(_start + _pos, count);
        _pos += count;
        return span;
    }

    private CheckpointException Fail(string? key, string message) => new(_path, key, message);
}
