// Writes a quantized copy of a checkpoint folder (`qwenvl quantize`): the non-weight files copied
// as they are, and the weights as safetensors in the format of QuantizedTensorFormat.cs, sharded at
// 4 GiB like the synthetic writer (model.safetensors, or model-0000i-of-0000n + index). Tensors are
// streamed one chunk of rows at a time, so memory stays small whatever the model size. Tensors that
// are already quantized are copied, never re-quantized; it does not write GGUF.
using System.Text.Json;
using System.Text.Json.Nodes;
using QwenVL.Checkpoints;
using QwenVL.Models.Common;
using QwenVL.Tensors;
using QwenVL.Tensors.Quant;

namespace QwenVL.Models.Quantization;

/// <summary>What <see cref="QuantizedCheckpointWriter.Write"/> did.</summary>
public sealed record QuantizeSummary(int Tensors, int QuantizedTensors, long SourceBytes, long WrittenBytes, int Shards);

/// <summary>Writes quantized checkpoints.</summary>
public static class QuantizedCheckpointWriter
{
    /// <summary>Largest shard, as hub uploads and the synthetic writer use.</summary>
    public const long DefaultShardBytes = 4L << 30;

    private const string SingleFile = "model.safetensors";
    private const string IndexFile = "model.safetensors.index.json";
    private const int RowsPerChunk = 256;
    private const int CopyChunkBytes = 16 << 20;

    /// <summary>Quantizes <paramref name="sourceFolder"/> to <paramref name="format"/> into <paramref name="outFolder"/>.</summary>
    public static QuantizeSummary Write(string sourceFolder, string outFolder, WeightFormat format, long maxShardBytes = DefaultShardBytes)
    {
        DType target = QuantizedTensorFormat.Target(format);
        string source = Path.GetFullPath(sourceFolder);
        string output = Path.GetFullPath(outFolder);
        if (string.Equals(source.TrimEnd(Path.DirectorySeparatorChar), output.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
        {
            throw new ArgumentException($"--out must differ from --model ({source}): the source weights are read while the copy is written");
        }
        using CheckpointWeights weights = CheckpointWeights.Open(source);
        var tensors = new List<(TensorToWrite Tensor, string? Quant)>();
        foreach (string name in weights.Names)
        {
            tensors.Add(Plan(weights, name, target));
        }

        Directory.CreateDirectory(output);
        foreach (string file in Directory.GetFiles(output))
        {
            string fileName = Path.GetFileName(file);
            if (fileName is SingleFile or IndexFile || (fileName.StartsWith("model-", StringComparison.Ordinal) && fileName.EndsWith(".safetensors", StringComparison.Ordinal)))
            {
                File.Delete(file); // a stale layout would shadow (single file) or mix with the new one
            }
        }
        foreach (string file in Directory.GetFiles(source))
        {
            string fileName = Path.GetFileName(file);
            if (fileName != IndexFile && !fileName.EndsWith(".safetensors", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(output, fileName), overwrite: true);
            }
        }

        List<List<(TensorToWrite Tensor, string? Quant)>> shards = PlanShards(tensors, maxShardBytes);
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int s = 0; s < shards.Count; s++)
        {
            string shardName = shards.Count == 1 ? SingleFile : $"model-{s + 1:D5}-of-{shards.Count:D5}.safetensors";
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach ((TensorToWrite t, string? quant) in shards[s])
            {
                weightMap[t.Name] = shardName;
                if (quant is not null)
                {
                    metadata[QuantizedTensorFormat.MetadataPrefix + t.Name] = quant;
                }
            }
            SafeTensorsWriter.Write(Path.Combine(output, shardName), [.. shards[s].Select(e => e.Tensor)], metadata);
        }
        long written = tensors.Sum(t => t.Tensor.ByteLength);
        if (shards.Count > 1)
        {
            var map = new JsonObject();
            foreach (var (name, shard) in weightMap)
            {
                map[name] = shard;
            }
            var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = written }, ["weight_map"] = map };
            File.WriteAllText(Path.Combine(output, IndexFile), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        return new QuantizeSummary(tensors.Count, tensors.Count(t => t.Quant is not null), weights.TotalBytes, written, shards.Count);
    }

    /// <summary>How one tensor is written: quantized, copied as blocks, or copied as stored.</summary>
    private static (TensorToWrite, string?) Plan(CheckpointWeights weights, string name, DType target)
    {
        WeightInfo info = weights.Info(name);
        if (!QuantizedTensorFormat.TryDType(info.DType, out DType stored))
        {
            throw new ModelException($"tensor '{name}' in {info.File} has dtype {info.DType}, which cannot be quantized or copied", info.File, name);
        }
        int[] shape = [.. info.Shape.Select(d => checked((int)d))];
        if (DTypeInfo.IsQuantized(stored))
        {
            TensorView blocks = weights.View(name, shape);
            return (U8(name, blocks.Rows, DTypeInfo.ByteCount(stored, blocks.Cols), s => Copy(blocks, s)),
                QuantizedTensorFormat.Describe(stored, blocks.Rows, blocks.Cols));
        }
        TensorView view = weights.View(name, shape);
        if (QuantizedTensorFormat.ShouldQuantize(stored, info.Shape))
        {
            return (U8(name, view.Rows, DTypeInfo.ByteCount(target, view.Cols), s => QuantizeTo(view, target, s)),
                QuantizedTensorFormat.Describe(target, view.Rows, view.Cols));
        }
        SafeTensorDType header = stored switch
        {
            DType.F32 => SafeTensorDType.F32,
            DType.F16 => SafeTensorDType.F16,
            _ => SafeTensorDType.BF16,
        };
        return (new TensorToWrite(name, header, info.Shape, s => Copy(view, s)), null);
    }

    private static TensorToWrite U8(string name, long rows, long rowBytes, Action<Stream> write) =>
        new(name, SafeTensorDType.U8, [rows, rowBytes], write);

    private static unsafe void Copy(TensorView view, Stream stream)
    {
        byte* data = (byte*)view.Data;
        for (long offset = 0; offset < view.ByteLength; offset += CopyChunkBytes)
        {
            stream.Write(new ReadOnlySpan<byte>(data + offset, (int)Math.Min(CopyChunkBytes, view.ByteLength - offset)));
        }
    }

    /// <summary>Quantizes RowsPerChunk rows at a time (rows in parallel) and writes them.</summary>
    private static unsafe void QuantizeTo(TensorView view, DType target, Stream stream)
    {
        int rowBytes = (int)DTypeInfo.ByteCount(target, view.Cols);
        byte[] chunk = new byte[RowsPerChunk * rowBytes];
        for (int start = 0; start < view.Rows; start += RowsPerChunk)
        {
            int count = Math.Min(RowsPerChunk, view.Rows - start);
            Parallel.For(0, count, () => new float[view.Cols], (r, _, row) =>
            {
                view.ReadRow(start + r, row);
                BlockQuantizer.Quantize(row, target, chunk.AsSpan(r * rowBytes, rowBytes));
                return row;
            }, _ => { });
            stream.Write(chunk, 0, count * rowBytes);
        }
    }

    /// <summary>Greedy split in name order (a layer's tensors stay together); a tensor is never split.</summary>
    private static List<List<(TensorToWrite, string?)>> PlanShards(List<(TensorToWrite Tensor, string? Quant)> tensors, long maxShardBytes)
    {
        var shards = new List<List<(TensorToWrite, string?)>>();
        List<(TensorToWrite, string?)>? current = null;
        long bytes = 0;
        foreach (var entry in tensors)
        {
            if (current is null || (current.Count > 0 && bytes + entry.Tensor.ByteLength > maxShardBytes))
            {
                current = [];
                shards.Add(current);
                bytes = 0;
            }
            current.Add(entry);
            bytes += entry.Tensor.ByteLength;
        }
        if (shards.Count == 0)
        {
            shards.Add([]);
        }
        return shards;
    }
}
