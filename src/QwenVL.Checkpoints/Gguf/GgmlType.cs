// The ggml tensor types a GGUF file may name (ggml.h's enum ggml_type ids) with their block sizes,
// so the reader can bounds-check every tensor, including types this engine does not compute with.
// It deliberately decodes no data: which types a model may use is decided by QwenVL.Models.
namespace QwenVL.Checkpoints.Gguf;

/// <summary>ggml's tensor type ids as stored in GGUF tensor infos (gaps are ids ggml retired).</summary>
public enum GgmlType : uint
{
    // The names are ggml's own; ggml.h / ggml-common.h document each layout.
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23,
    I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30, TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39,
}

/// <summary>Block geometry of <see cref="GgmlType"/> values.</summary>
public static class GgmlTypes
{
    // (elements per block, bytes per block) from ggml's type_traits; K-quants pack 256 values.
    private static readonly Dictionary<GgmlType, (int Block, int Bytes)> Sizes = new()
    {
        [GgmlType.F32] = (1, 4), [GgmlType.F16] = (1, 2), [GgmlType.BF16] = (1, 2), [GgmlType.F64] = (1, 8),
        [GgmlType.I8] = (1, 1), [GgmlType.I16] = (1, 2), [GgmlType.I32] = (1, 4), [GgmlType.I64] = (1, 8),
        [GgmlType.Q4_0] = (32, 18), [GgmlType.Q4_1] = (32, 20), [GgmlType.Q5_0] = (32, 22), [GgmlType.Q5_1] = (32, 24),
        [GgmlType.Q8_0] = (32, 34), [GgmlType.Q8_1] = (32, 36), [GgmlType.IQ4_NL] = (32, 18), [GgmlType.MXFP4] = (32, 17),
        [GgmlType.Q2_K] = (256, 84), [GgmlType.Q3_K] = (256, 110), [GgmlType.Q4_K] = (256, 144), [GgmlType.Q5_K] = (256, 176),
        [GgmlType.Q6_K] = (256, 210), [GgmlType.Q8_K] = (256, 292), [GgmlType.IQ2_XXS] = (256, 66), [GgmlType.IQ2_XS] = (256, 74),
        [GgmlType.IQ3_XXS] = (256, 98), [GgmlType.IQ1_S] = (256, 50), [GgmlType.IQ3_S] = (256, 110), [GgmlType.IQ2_S] = (256, 82),
        [GgmlType.IQ4_XS] = (256, 136), [GgmlType.IQ1_M] = (256, 56), [GgmlType.TQ1_0] = (256, 54), [GgmlType.TQ2_0] = (256, 66),
    };

    /// <summary>True when <paramref name="id"/> is a ggml type this table knows.</summary>
    public static bool IsKnown(uint id) => Sizes.ContainsKey((GgmlType)id);

    /// <summary>Elements per block (1 for plain number types).</summary>
    public static int BlockSize(GgmlType type) => Sizes.TryGetValue(type, out var s) ? s.Block
        : throw new ArgumentOutOfRangeException(nameof(type), type, "unknown ggml type");

    /// <summary>Bytes per block.</summary>
    public static int BlockBytes(GgmlType type) => Sizes.TryGetValue(type, out var s) ? s.Bytes
        : throw new ArgumentOutOfRangeException(nameof(type), type, "unknown ggml type");

    /// <summary>ggml's name of the type ("Q4_K"), or "type N" for an id no table knows.</summary>
    public static string Name(uint id) => IsKnown(id) ? ((GgmlType)id).ToString() : $"type {id}";

    /// <summary>Bytes of <paramref name="elements"/> values, false when they are not whole blocks or overflow.</summary>
    public static bool TryByteCount(GgmlType type, long elements, out long bytes)
    {
        (int block, int size) = Sizes[type];
        bytes = 0;
        if (elements < 0 || elements % block != 0 || elements / block > long.MaxValue / size)
        {
            return false;
        }
        bytes = elements / block * size;
        return true;
    }
}
