// One GGUF metadata value: a typed scalar, a string, or an array (of scalars, strings or arrays).
// Arrays keep their element type and are stored as one CLR array (string[], float[], ...), so the
// 150k-entry token list is one allocation, not 150k boxed values. It does no key-specific checks.
using System.Globalization;

namespace QwenVL.Checkpoints.Gguf;

/// <summary>GGUF metadata value type ids (gguf.h enum gguf_type).</summary>
public enum GgufValueType : uint
{
    /// <summary>uint8.</summary>
    UInt8 = 0,

    /// <summary>int8.</summary>
    Int8 = 1,

    /// <summary>uint16.</summary>
    UInt16 = 2,

    /// <summary>int16.</summary>
    Int16 = 3,

    /// <summary>uint32.</summary>
    UInt32 = 4,

    /// <summary>int32.</summary>
    Int32 = 5,

    /// <summary>float32.</summary>
    Float32 = 6,

    /// <summary>bool (one byte, 0 or 1).</summary>
    Bool = 7,

    /// <summary>uint64 length + UTF-8 bytes.</summary>
    String = 8,

    /// <summary>element type + uint64 count + elements.</summary>
    Array = 9,

    /// <summary>uint64.</summary>
    UInt64 = 10,

    /// <summary>int64.</summary>
    Int64 = 11,

    /// <summary>float64.</summary>
    Float64 = 12,
}

/// <summary>A typed GGUF metadata value.</summary>
public sealed class GgufValue
{
    private GgufValue(GgufValueType type, GgufValueType elementType, object raw)
    {
        Type = type;
        ElementType = elementType;
        Raw = raw;
    }

    /// <summary>The value's type.</summary>
    public GgufValueType Type { get; }

    /// <summary>For arrays, the type of the elements (otherwise equal to <see cref="Type"/>).</summary>
    public GgufValueType ElementType { get; }

    /// <summary>The CLR value: a boxed scalar, a string, or an array (byte[] ... string[], GgufValue[] for nested arrays).</summary>
    public object Raw { get; }

    /// <summary>Number of elements of an array (1 for a scalar).</summary>
    public int Count => Raw is Array a && Type == GgufValueType.Array ? a.Length : 1;

    /// <summary>A scalar of an explicit type; <paramref name="value"/> must be the matching CLR type.</summary>
    public static GgufValue Scalar(GgufValueType type, object value)
    {
        if (type == GgufValueType.Array || ClrType(type) != value.GetType())
        {
            throw new ArgumentException($"{value.GetType().Name} is not a GGUF {type} scalar");
        }
        return new GgufValue(type, type, value);
    }

    /// <summary>An array whose elements have type <paramref name="elementType"/> (GgufValue[] for arrays of arrays).</summary>
    public static GgufValue Array(GgufValueType elementType, Array values)
    {
        Type expected = elementType == GgufValueType.Array ? typeof(GgufValue) : ClrType(elementType);
        if (values.GetType().GetElementType() != expected)
        {
            throw new ArgumentException($"{values.GetType().Name} is not an array of GGUF {elementType}");
        }
        return new GgufValue(GgufValueType.Array, elementType, values);
    }

    // One-line factories, one per GGUF type the converters write.
    public static GgufValue Of(string v) => Scalar(GgufValueType.String, v);
    public static GgufValue Of(bool v) => Scalar(GgufValueType.Bool, v);
    public static GgufValue Of(uint v) => Scalar(GgufValueType.UInt32, v);
    public static GgufValue Of(int v) => Scalar(GgufValueType.Int32, v);
    public static GgufValue Of(ulong v) => Scalar(GgufValueType.UInt64, v);
    public static GgufValue Of(float v) => Scalar(GgufValueType.Float32, v);
    public static GgufValue Of(string[] v) => Array(GgufValueType.String, v);
    public static GgufValue Of(int[] v) => Array(GgufValueType.Int32, v);
    public static GgufValue Of(float[] v) => Array(GgufValueType.Float32, v);

    /// <summary>The CLR type that holds one value of <paramref name="type"/>.</summary>
    public static Type ClrType(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => typeof(byte),
        GgufValueType.Int8 => typeof(sbyte),
        GgufValueType.UInt16 => typeof(ushort),
        GgufValueType.Int16 => typeof(short),
        GgufValueType.UInt32 => typeof(uint),
        GgufValueType.Int32 => typeof(int),
        GgufValueType.Float32 => typeof(float),
        GgufValueType.Bool => typeof(bool),
        GgufValueType.String => typeof(string),
        GgufValueType.UInt64 => typeof(ulong),
        GgufValueType.Int64 => typeof(long),
        GgufValueType.Float64 => typeof(double),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "arrays have no single CLR type"),
    };

    /// <summary>Bytes one scalar of <paramref name="type"/> takes on disk, or 0 for strings and arrays (variable).</summary>
    public static int FixedSize(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 => 8,
        _ => 0,
    };

    /// <summary>An integer scalar of any width (false for floats, strings, arrays and uint64 over long.MaxValue).</summary>
    public bool TryGetInteger(out long value)
    {
        value = 0;
        if (Type == GgufValueType.Array)
        {
            return false;
        }
        return TryInteger(Raw, out value);
    }

    /// <summary>Any integer or float scalar as a double.</summary>
    public bool TryGetNumber(out double value)
    {
        value = 0;
        if (Raw is float f)
        {
            value = f;
            return true;
        }
        if (Raw is double d)
        {
            value = d;
            return true;
        }
        bool ok = TryGetInteger(out long l);
        value = l;
        return ok;
    }

    /// <summary>The elements of an integer array widened to long, or null when this is not one.</summary>
    public long[]? AsIntegerArray() => Type != GgufValueType.Array ? null : Raw switch
    {
        int[] a => [.. a.Select(x => (long)x)],
        uint[] a => [.. a.Select(x => (long)x)],
        long[] a => [.. a],
        ulong[] a when a.All(x => x <= long.MaxValue) => [.. a.Select(x => (long)x)],
        byte[] a => [.. a.Select(x => (long)x)],
        sbyte[] a => [.. a.Select(x => (long)x)],
        ushort[] a => [.. a.Select(x => (long)x)],
        short[] a => [.. a.Select(x => (long)x)],
        _ => null,
    };

    /// <summary>The elements of a numeric array as doubles, or null when this is not one.</summary>
    public double[]? AsNumberArray() => Raw switch
    {
        float[] f when Type == GgufValueType.Array => [.. f.Select(x => (double)x)],
        double[] d when Type == GgufValueType.Array => d,
        _ => AsIntegerArray()?.Select(x => (double)x).ToArray(),
    };

    /// <summary>Short description for error messages ("uint32 5", "array of 3 float32").</summary>
    public override string ToString() => Type == GgufValueType.Array
        ? $"array of {Count} {ElementType.ToString().ToLowerInvariant()}"
        : $"{Type.ToString().ToLowerInvariant()} {(Raw is string s ? "\"" + (s.Length > 40 ? s[..40] + "..." : s) + "\"" : Convert.ToString(Raw, CultureInfo.InvariantCulture))}";

    private static bool TryInteger(object raw, out long value)
    {
        switch (raw)
        {
            case byte b: value = b; return true;
            case sbyte sb: value = sb; return true;
            case ushort us: value = us; return true;
            case short s: value = s; return true;
            case uint ui: value = ui; return true;
            case int i: value = i; return true;
            case long l: value = l; return true;
            case ulong ul when ul <= long.MaxValue: value = (long)ul; return true;
            default: value = 0; return false;
        }
    }
}
