// A linear layer as the checkpoint stores it: weight [out, in] in its own dtype plus an optional
// float32 bias. Forward delegates to the compute backend; it owns no activation memory.
using QwenVL.Tensors;

namespace QwenVL.Models.Common;

/// <summary><c>y = x·Wᵀ + b</c> with <c>W</c> of shape <c>[Out, In]</c>.</summary>
public sealed class Linear
{
    /// <summary>Binds <c>{name}.weight</c> <c>[outFeatures, inFeatures]</c> and, when <paramref name="bias"/>, <c>{name}.bias</c> <c>[outFeatures]</c>.</summary>
    public Linear(WeightScope scope, string name, int outFeatures, int inFeatures, bool bias)
    {
        Weight = scope.Matrix(name + ".weight", outFeatures, inFeatures);
        Bias = bias ? scope.Vector(name + ".bias", outFeatures) : [];
    }

    /// <summary>Wraps an existing view (e.g. a reshaped conv kernel, or tied embeddings).</summary>
    public Linear(TensorView weight, float[]? bias = null)
    {
        Weight = weight;
        Bias = bias ?? [];
    }

    /// <summary>Weight <c>[Out, In]</c>.</summary>
    public TensorView Weight { get; }

    /// <summary>Bias <c>[Out]</c>, or empty.</summary>
    public float[] Bias { get; }

    /// <summary>Output features.</summary>
    public int Out => Weight.Rows;

    /// <summary>Input features.</summary>
    public int In => Weight.Cols;

    /// <summary>Runs <paramref name="rows"/> rows of <paramref name="x"/> through the layer into <paramref name="y"/>.</summary>
    public void Forward(IComputeBackend backend, ReadOnlySpan<float> x, int rows, Span<float> y) =>
        backend.MatMul(x[..(rows * In)], rows, In, Weight, Bias, y[..(rows * Out)]);
}
