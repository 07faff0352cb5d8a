// The one place that decides how a checkpoint folder's weights are opened: safetensors files as
// stored (including `qwenvl quantize` output, whose block tensors load in place), optionally wrapped
// in QuantizingWeightSource for --weights q8 / q4. GGUF files plug in here too, so no model code
// changes when a storage format is added.
using QwenVL.Models.Quantization;

namespace QwenVL.Models.Common;

/// <summary>Opens the weight source for a folder.</summary>
public static class WeightSources
{
    /// <summary>Opens <paramref name="folder"/>'s weights according to <paramref name="options"/>.</summary>
    public static IWeightSource Open(string folder, ModelLoadOptions options)
    {
        // A llama.cpp GGUF pair (text .gguf + mmproj .gguf, or a folder holding them), else safetensors.
        IWeightSource stored = Gguf.GgufModelFiles.TryLocate(folder) is { } gguf ? Gguf.GgufWeightSource.Open(gguf) : CheckpointWeights.Open(folder);
        // true / false: every block type or none; null: each where its interleaved kernels are faster here.
        Func<Tensors.DType, bool> interleave = options.InterleaveQuantized is bool all ? _ => all : Tensors.Quant.RowInterleave.PreferredFor;
        bool any = interleave(Tensors.DType.Q4_K) || interleave(Tensors.DType.Q8_0);
        return options.Weights switch
        {
            WeightFormat.AsStored => any ? new QuantizingWeightSource(stored, null, interleave) : stored,
            // Tensors already quantized (a quantized checkpoint) pass through the decorator (interleaved or as they are).
            WeightFormat.Q8 or WeightFormat.Q4 => new QuantizingWeightSource(stored, QuantizedTensorFormat.Target(options.Weights), interleave),
            _ => Fail(stored, options.Weights),
        };
    }

    private static IWeightSource Fail(IWeightSource opened, WeightFormat format)
    {
        opened.Dispose();
        throw new ModelException($"unknown weight format {format}", opened.Folder);
    }
}
