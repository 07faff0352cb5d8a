// Where a model's tensors come from: a safetensors folder, a GGUF file pair, or a decorator that
// quantizes at load. Model code only asks for tensors by their Hugging Face name with the shape it
// expects; the source maps names, checks shapes, and keeps the storage alive until disposed.
using QwenVL.Tensors;

namespace QwenVL.Models.Common;

/// <summary>Facts about one stored tensor, for `inspect` and parameter counts.</summary>
public sealed record WeightInfo(string Name, string DType, long[] Shape, long ByteLength, string File)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>Named, shape-checked weights.</summary>
public interface IWeightSource : IDisposable
{
    /// <summary>Folder or file the weights came from (for messages).</summary>
    string Folder { get; }

    /// <summary>Every tensor name (Hugging Face naming).</summary>
    IEnumerable<string> Names { get; }

    /// <summary>Total bytes of all tensors as stored.</summary>
    long TotalBytes { get; }

    /// <summary>True when a tensor of this name exists.</summary>
    bool Contains(string name);

    /// <summary>Facts about a tensor; <see cref="ModelException"/> when absent.</summary>
    WeightInfo Info(string name);

    /// <summary>A view of the tensor checked against <paramref name="expectedShape"/>; <see cref="ModelException"/> naming it otherwise.</summary>
    TensorView View(string name, int[] expectedShape);

    /// <summary>
    /// Says the caller made its own copy of <paramref name="name"/> and will not read the view it got
    /// again, so a source may drop that memory (mapped pages, a built copy). Default: nothing.
    /// </summary>
    void ReleaseStorage(string name)
    {
    }
}
