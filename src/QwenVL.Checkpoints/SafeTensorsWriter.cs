// Writes safetensors files the way the reference implementation lays them out: tensors sorted by
// descending dtype alignment then name, compact JSON header with "__metadata__" first, padded with
// spaces to a multiple of 8 bytes. It deliberately streams data through callbacks (never holds it all)
// and writes to a temporary file that is renamed only once complete.
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace QwenVL.Checkpoints;

/// <summary>Writes single-file and sharded safetensors checkpoints.</summary>
public static partial class SafeTensorsWriter
{
    private const int WriteBufferBytes = 1 << 20;

    /// <summary>
    /// Writes one safetensors file. <paramref name="metadata"/> goes into "__metadata__"; "format":"pt"
    /// is added unless it sets "format" itself.
    /// </summary>
    public static void Write(string path, IReadOnlyList<TensorToWrite> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        string full = Path.GetFullPath(path);
        Validate(tensors, full);
        List<TensorToWrite> ordered = [.. tensors
            .OrderByDescending(t => t.DType.AlignmentRank())
            .ThenBy(t => t.Name, StringComparer.Ordinal)];
        byte[] header = BuildHeader(ordered, metadata);

        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }
        string temp = full + ".partial";
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, WriteBufferBytes))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                file.Write(length);
                file.Write(header);
                foreach (TensorToWrite tensor in ordered)
                {
                    WriteTensor(file, tensor, full);
                }
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void WriteTensor(FileStream file, TensorToWrite tensor, string path)
    {
        long expected = tensor.ByteLength;
        using var counter = new CountingStream(file, expected, path, tensor.Name);
        tensor.WriteData(counter);
        if (counter.Written != expected)
        {
            throw new CheckpointException(path, tensor.Name,
                $"tensor '{tensor.Name}': WriteData wrote {counter.Written} bytes, but {tensor.DType.ToHeaderName()} x {ShapeMath.Format(tensor.Shape)} needs {expected}");
        }
    }

    /// <summary>Rejects what would produce an unreadable file: null parts, bad shapes, duplicate names.</summary>
    private static void Validate(IReadOnlyList<TensorToWrite> tensors, string path)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < tensors.Count; i++)
        {
            TensorToWrite t = tensors[i] ?? throw new ArgumentException($"tensors[{i}] is null", nameof(tensors));
            if (t.Name is null || t.Shape is null || t.WriteData is null)
            {
                throw new ArgumentException($"tensors[{i}] has a null Name, Shape or WriteData", nameof(tensors));
            }
            if (t.Name == SafeTensorsHeader.MetadataKey)
            {
                throw new ArgumentException($"'{SafeTensorsHeader.MetadataKey}' is reserved and cannot name a tensor", nameof(tensors));
            }
            if (!Enum.IsDefined(t.DType))
            {
                throw new ArgumentException($"tensor '{t.Name}' has undefined dtype {(int)t.DType}", nameof(tensors));
            }
            if (!ShapeMath.TryByteLength(t.Shape, t.DType, out _))
            {
                throw new ArgumentException($"tensor '{t.Name}': shape {ShapeMath.Format(t.Shape)} is negative or overflows", nameof(tensors));
            }
            if (!seen.Add(t.Name))
            {
                throw new ArgumentException($"tensor '{t.Name}' appears twice in the list for {path}", nameof(tensors));
            }
        }
    }

    private static byte[] BuildHeader(List<TensorToWrite> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        var meta = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            meta[key] = value ?? throw new ArgumentException($"metadata value of '{key}' is null", nameof(metadata));
        }

        using var buffer = new MemoryStream();
        // Relaxed escaping keeps names like "a+b" readable, as serde_json writes them.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject(SafeTensorsHeader.MetadataKey);
            foreach (var (key, value) in meta)
            {
                json.WriteString(key, value);
            }
            json.WriteEndObject();
            long offset = 0;
            foreach (TensorToWrite t in ordered)
            {
                long end = offset + t.ByteLength;
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.DType.ToHeaderName());
                json.WriteStartArray("shape");
                foreach (long dim in t.Shape)
                {
                    json.WriteNumberValue(dim);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }
        // Pad with spaces so the data region starts 8-byte aligned (8 + N is a multiple of 8).
        while (buffer.Length % 8 != 0)
        {
            buffer.WriteByte((byte)' ');
        }
        return buffer.ToArray();
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original error matters more than a leftover temporary file.
        }
    }
}
