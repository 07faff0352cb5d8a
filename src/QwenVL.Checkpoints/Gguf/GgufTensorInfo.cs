// One entry of a GGUF tensor table. GGUF lists dimensions innermost first (ggml's ne[0] is the
// row length); Shape gives them outermost first, the PyTorch / safetensors order the models use.
// It holds no data pointer: GgufFile resolves the offset against its mapping.
namespace QwenVL.Checkpoints.Gguf;

/// <summary>A tensor as the GGUF header describes it.</summary>
/// <param name="Name">Tensor name (e.g. "blk.0.attn_q.weight").</param>
/// <param name="Type">ggml storage type.</param>
/// <param name="Ne">Dimensions innermost first, as stored (ne[0] = row length).</param>
/// <param name="Offset">Byte offset of the data from the start of the data section.</param>
/// <param name="ByteLength">Bytes of data.</param>
public sealed record GgufTensorInfo(string Name, GgmlType Type, long[] Ne, long Offset, long ByteLength)
{
    /// <summary>Dimensions outermost first (reversed <see cref="Ne"/>): a weight is [out, in].</summary>
    public long[] Shape => [.. Ne.Reverse()];

    /// <summary>Number of elements.</summary>
    public long ElementCount => Ne.Aggregate(1L, (a, b) => a * b);

    /// <summary>"Q8_0 [151936, 2048]" for messages.</summary>
    public override string ToString() => $"{Type} [{string.Join(", ", Shape)}]";
}
