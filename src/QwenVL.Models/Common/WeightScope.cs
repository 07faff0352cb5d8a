// Resolves checkpoint tensor names under a prefix, like a path: scope.Sub("layers").Sub("3") then
// Matrix("self_attn.q_proj.weight", ...). Several prefixes may be tried in order, which is how one
// model accepts both the hub layout ("visual.", "model.") and the newer transformers layout
// ("model.visual.", "model.language_model."). A missing tensor fails with every full name tried.
using QwenVL.Tensors;

namespace QwenVL.Models.Common;

/// <summary>A prefix-scoped, shape-checked accessor over an <see cref="IWeightSource"/>.</summary>
public sealed class WeightScope
{
    private readonly IWeightSource _weights;
    private readonly string[] _prefixes;

    /// <summary>Creates a scope whose names are tried under each prefix in turn.</summary>
    public WeightScope(IWeightSource weights, params string[] prefixes)
    {
        _weights = weights;
        _prefixes = prefixes.Length == 0 ? [""] : prefixes;
    }

    /// <summary>A child scope: <c>prefix + segment + "."</c>.</summary>
    public WeightScope Sub(string segment) => new(_weights, [.. _prefixes.Select(p => p + segment + ".")]);

    /// <summary>A child scope for item <paramref name="index"/> of a list (e.g. layers.3).</summary>
    public WeightScope Sub(string segment, int index) => Sub(segment + "." + index);

    /// <summary>True when the tensor exists under any prefix.</summary>
    public bool Has(string name) => Resolve(name) is not null;

    /// <summary>Full name the tensor resolves to, or null.</summary>
    public string? Resolve(string name)
    {
        foreach (string prefix in _prefixes)
        {
            if (_weights.Contains(prefix + name))
            {
                return prefix + name;
            }
        }
        return null;
    }

    /// <summary>A weight kept in its stored dtype, shape-checked (e.g. <c>[out, in]</c>).</summary>
    public TensorView Matrix(string name, params int[] shape) => _weights.View(Require(name), shape);

    /// <summary>A small vector (norm weight, bias) widened to float32, length-checked.</summary>
    public float[] Vector(string name, int length) => _weights.View(Require(name), [length]).ToFloatArray();

    /// <summary>Like <see cref="Vector"/> but null when absent.</summary>
    public float[]? OptionalVector(string name, int length) => Has(name) ? Vector(name, length) : null;

    private string Require(string name)
    {
        string? full = Resolve(name);
        if (full is null)
        {
            string tried = string.Join("', '", _prefixes.Select(p => p + name));
            throw new ModelException($"missing tensor '{tried}' in {_weights.Folder}", _weights.Folder, _prefixes[0] + name);
        }
        return full;
    }
}
