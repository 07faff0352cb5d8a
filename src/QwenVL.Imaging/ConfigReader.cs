// Typed, error-reporting accessors over one JSON object of preprocessor_config.json.
// Each failure names the file and the full key; it deliberately accepts integral floats (3136.0)
// because Python json.dump writes ints that went through float arithmetic that way.
using System.Text.Json;

namespace QwenVL.Imaging;

internal readonly struct ConfigReader(JsonElement obj, string path, string prefix = "")
{
    public JsonElement? Object(string key)
    {
        if (!obj.TryGetProperty(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (v.ValueKind != JsonValueKind.Object)
        {
            throw Error(key, $"must be an object, got {v.ValueKind}");
        }
        return v;
    }

    public long RequiredPositiveInt(string key) =>
        obj.TryGetProperty(key, out JsonElement v) && v.ValueKind != JsonValueKind.Null
            ? AsPositiveInt(key, v)
            : throw Error(key, "is required when the object has shortest_edge or longest_edge");

    public long PositiveInt(string key, long fallback) =>
        obj.TryGetProperty(key, out JsonElement v) && v.ValueKind != JsonValueKind.Null ? AsPositiveInt(key, v) : fallback;

    public double PositiveDouble(string key, double fallback)
    {
        if (!obj.TryGetProperty(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d) || !(d > 0) || double.IsInfinity(d))
        {
            throw Error(key, $"must be a positive number, got {v.GetRawText()}");
        }
        return d;
    }

    public bool Bool(string key, bool fallback)
    {
        if (!obj.TryGetProperty(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(key, $"must be true or false, got {v.GetRawText()}"),
        };
    }

    /// <summary>Three per-channel values; a single number is broadcast as HF does for a scalar mean/std.</summary>
    public float[] Triple(string key, IReadOnlyList<float> fallback, bool allowZero)
    {
        if (!obj.TryGetProperty(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return [.. fallback];
        }
        double[] values;
        if (v.ValueKind == JsonValueKind.Number)
        {
            values = [v.GetDouble(), v.GetDouble(), v.GetDouble()];
        }
        else if (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 3)
        {
            values = new double[3];
            int i = 0;
            foreach (JsonElement e in v.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.Number)
                {
                    throw Error(key, $"element {i} must be a number, got {e.GetRawText()}");
                }
                values[i++] = e.GetDouble();
            }
        }
        else
        {
            throw Error(key, $"must be a list of 3 numbers (R, G, B), got {v.GetRawText()}");
        }
        var result = new float[3];
        for (int i = 0; i < 3; i++)
        {
            // Python json gives a double; numpy's float32 array cast rounds it once, as this cast does.
            result[i] = (float)values[i];
            if (!float.IsFinite(result[i]) || (!allowZero && result[i] == 0f))
            {
                throw Error(key, $"element {i} must be a finite{(allowZero ? "" : ", non-zero")} number, got {values[i]}");
            }
        }
        return result;
    }

    private long AsPositiveInt(string key, JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.Number)
        {
            if (v.TryGetInt64(out long n) && n > 0)
            {
                return n;
            }
            if (v.TryGetDouble(out double d) && d > 0 && d < 9.0e15 && d == Math.Floor(d))
            {
                return (long)d;
            }
        }
        throw Error(key, $"must be a positive integer, got {v.GetRawText()}");
    }

    private ImageException Error(string key, string what) => new(path, $"key '{prefix}{key}' {what}");
}
