// Parses and validates the JSON header of a safetensors file against the size of its data region.
// It deliberately trusts nothing: every field's JSON type, every dim and every offset is checked, so a
// hostile header yields a CheckpointException (naming file and tensor key) and never an OOB read.
using System.Text.Json;

namespace QwenVL.Checkpoints;

internal static class SafeTensorsHeader
{
    /// <summary>Header limit of the reference implementation (MAX_HEADER_SIZE = 100,000,000 bytes).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    /// <summary>Parses header JSON; <paramref name="dataLength"/> is file length - 8 - header length.</summary>
    public static (Dictionary<string, SafeTensorInfo> Tensors, Dictionary<string, string> Metadata) Parse(
        byte[] json, string path, long dataLength)
    {
        // JsonDocument checks UTF-8 only when a string is read, which would surface later as an
        // InvalidOperationException; the reference reader rejects a non-UTF-8 header up front.
        int bad = Utf8Check.FirstInvalidByte(json);
        if (bad >= 0)
        {
            throw new CheckpointException(path, null, $"header is not valid UTF-8 (bad byte 0x{json[bad]:X2} at header offset {bad})");
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new CheckpointException(path, null,
                $"header ({json.Length} bytes) is not valid JSON: line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}: {ex.Message}", ex);
        }
        using (doc)
        {
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException(path, null, $"header must be a JSON object, got {Kind(root)}");
            }
            var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            foreach (JsonProperty prop in root.EnumerateObject())
            {
                if (prop.Name == MetadataKey)
                {
                    if (sawMetadata)
                    {
                        throw new CheckpointException(path, MetadataKey, "header has '__metadata__' twice");
                    }
                    sawMetadata = true;
                    ParseMetadata(prop.Value, path, metadata);
                    continue;
                }
                SafeTensorInfo info = ParseEntry(prop.Name, prop.Value, path, dataLength);
                if (!tensors.TryAdd(info.Name, info))
                {
                    throw new CheckpointException(path, info.Name, $"tensor '{info.Name}' appears twice in the header");
                }
            }
            CheckOverlaps(tensors.Values, path);
            return (tensors, metadata);
        }
    }

    private static void ParseMetadata(JsonElement value, string path, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException(path, MetadataKey, $"'__metadata__' must be an object of strings, got {Kind(value)}");
        }
        foreach (JsonProperty item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointException(path, MetadataKey,
                    $"'__metadata__' value of '{item.Name}' must be a string, got {Kind(item.Value)}");
            }
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static SafeTensorInfo ParseEntry(string name, JsonElement entry, string path, long dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw Bad(path, name, $"entry must be an object with dtype, shape, data_offsets; got {Kind(entry)}");
        }
        JsonElement dtypeJson = Field(entry, "dtype", JsonValueKind.String, path, name);
        string dtypeName = dtypeJson.GetString()!;
        if (!SafeTensorDTypes.TryParse(dtypeName, out SafeTensorDType dtype))
        {
            throw Bad(path, name, $"unknown dtype '{dtypeName}' (expected one of {SafeTensorDTypes.KnownNames})");
        }

        JsonElement shapeJson = Field(entry, "shape", JsonValueKind.Array, path, name);
        var shape = new long[shapeJson.GetArrayLength()];
        for (int i = 0; i < shape.Length; i++)
        {
            shape[i] = NonNegativeInteger(shapeJson[i], $"shape[{i}]", path, name);
        }

        JsonElement offsetsJson = Field(entry, "data_offsets", JsonValueKind.Array, path, name);
        if (offsetsJson.GetArrayLength() != 2)
        {
            throw Bad(path, name, $"data_offsets must have 2 elements [begin, end], got {offsetsJson.GetArrayLength()}");
        }
        long begin = NonNegativeInteger(offsetsJson[0], "data_offsets[0]", path, name);
        long end = NonNegativeInteger(offsetsJson[1], "data_offsets[1]", path, name);
        if (end < begin)
        {
            throw Bad(path, name, $"data_offsets [{begin}, {end}] end before begin");
        }

        if (!ShapeMath.TryByteLength(shape, dtype, out long expectedBytes))
        {
            throw Bad(path, name, $"shape {ShapeMath.Format(shape)} of dtype {dtypeName} overflows a 64-bit byte count");
        }
        if (end - begin != expectedBytes)
        {
            throw Bad(path, name,
                $"data_offsets [{begin}, {end}] span {end - begin} bytes, but {dtypeName} x {ShapeMath.Format(shape)} needs {expectedBytes} bytes");
        }
        if (end > dataLength)
        {
            throw Bad(path, name,
                $"data_offsets [{begin}, {end}] run past the end of the data region ({dataLength} bytes after the header)");
        }
        return new SafeTensorInfo(name, dtype, shape, begin, end, path);
    }

    private static JsonElement Field(JsonElement entry, string field, JsonValueKind kind, string path, string name)
    {
        if (!entry.TryGetProperty(field, out JsonElement value))
        {
            throw Bad(path, name, $"entry is missing field '{field}'");
        }
        if (value.ValueKind != kind)
        {
            string expected = kind == JsonValueKind.String ? "a string" : "an array";
            throw Bad(path, name, $"field '{field}' must be {expected}, got {Kind(value)}");
        }
        return value;
    }

    private static long NonNegativeInteger(JsonElement value, string what, string path, string name)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw Bad(path, name, $"{what} must be a non-negative integer, got {Kind(value)}");
        }
        if (!value.TryGetInt64(out long result))
        {
            throw Bad(path, name, $"{what} must be a non-negative 64-bit integer, got {value.GetRawText()}");
        }
        if (result < 0)
        {
            throw Bad(path, name, $"{what} must be non-negative, got {result}");
        }
        return result;
    }

    /// <summary>Non-empty tensors may not share bytes; empty ones occupy nothing and are exempt.</summary>
    private static void CheckOverlaps(IEnumerable<SafeTensorInfo> tensors, string path)
    {
        SafeTensorInfo? previous = null;
        foreach (SafeTensorInfo info in tensors.Where(t => t.ByteLength > 0)
                     .OrderBy(t => t.DataBegin).ThenBy(t => t.Name, StringComparer.Ordinal))
        {
            if (previous is not null && info.DataBegin < previous.DataEnd)
            {
                throw Bad(path, info.Name,
                    $"data_offsets [{info.DataBegin}, {info.DataEnd}] overlap tensor '{previous.Name}' [{previous.DataBegin}, {previous.DataEnd}]");
            }
            previous = info;
        }
    }

    private static CheckpointException Bad(string path, string name, string message) =>
        new(path, name, $"tensor '{name}': {message}");

    internal static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number " + value.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => value.ValueKind.ToString(),
    };
}
