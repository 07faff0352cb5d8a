// Quantize-at-load and saved quantized checkpoints on the tiny Qwen2.5-VL fixture: which tensors
// get quantized (matrices) and which stay (norms, biases, the 5-D patch kernel); the bytes equal
// ggml's quantization of the stored rows; a saved checkpoint (single file or sharded) reloads with
// bit-identical logits, as stored or with --weights again, without re-quantizing; bad metadata fails
// naming the key.
using QwenVL.Checkpoints;
using QwenVL.Engine;
using QwenVL.Engine.Generation;
using QwenVL.Models.Common;
using QwenVL.Models.Quantization;
using QwenVL.Tensors;
using QwenVL.Tensors.Quant;

namespace QwenVL.Models.Tests.Quantization;

public class QuantizedCheckpointTests
{
    private const string QProj = "model.layers.0.self_attn.q_proj.weight";
    private static readonly Golden Case = Golden.Load("qwen2.5-vl-tiny", "shapes_448x448");

    private static float[] Logits(string dir, WeightFormat weights)
    {
        using InferenceEngine engine = InferenceEngine.Load(dir, new ModelLoadOptions { Weights = weights });
        PreparedPrompt p = engine.Prepare(QuantizedParity.Messages(Case));
        ModelSession s = engine.Model.CreateSession(p.TokenIds.Length);
        return s.Prefill(p.TokenIds, [engine.Model.Vision.Encode(p.Images[0].Pixels!)], p.Positions).ToArray();
    }

    [Theory]
    [InlineData(WeightFormat.Q8, DType.Q8_0)]
    [InlineData(WeightFormat.Q4, DType.Q4_0)]
    public void Open_QuantizeAtLoad_QuantizesMatricesOnly(WeightFormat format, DType expected)
    {
        // The ggml row layout (the interleaved form's rows are checked in InterleavedQuantTests).
        using IWeightSource source = WeightSources.Open(Case.ModelDir, new ModelLoadOptions { Weights = format, InterleaveQuantized = false });
        using CheckpointWeights stored = CheckpointWeights.Open(Case.ModelDir);
        foreach (string name in new[] { QProj, "model.embed_tokens.weight", "visual.merger.mlp.0.weight", "visual.blocks.0.attn.qkv.weight" })
        {
            Assert.Equal(expected.ToString(), source.Info(name).DType);
            int[] shape = [.. stored.Info(name).Shape.Select(d => (int)d)];
            TensorView view = source.View(name, shape);
            Assert.Equal(expected, view.DType);
            // Byte-identical to quantizing the stored rows with ggml's reference rounding.
            TensorView original = stored.View(name, shape);
            var row = new float[original.Cols];
            var bytes = new byte[DTypeInfo.ByteCount(expected, original.Cols)];
            foreach (int r in new[] { 0, original.Rows / 2, original.Rows - 1 })
            {
                original.ReadRow(r, row);
                BlockQuantizer.Quantize(row, expected, bytes, vectorized: false);
                Assert.Equal(bytes, view.RowBytes(r).ToArray());
            }
        }
        foreach (string name in new[] { "model.norm.weight", "model.layers.0.self_attn.q_proj.bias", "visual.patch_embed.proj.weight" })
        {
            Assert.Equal(stored.Info(name).DType, source.Info(name).DType);
        }
        Assert.True(source.TotalBytes < stored.TotalBytes);
    }

    [Theory]
    [InlineData(WeightFormat.Q8, null)]
    [InlineData(WeightFormat.Q4, 4L << 20)]   // tiny shards: exercises the index and per-shard metadata
    public void Write_SavedCheckpoint_ReloadsBitIdenticalWithoutRequantizing(WeightFormat format, long? shardBytes)
    {
        using var temp = new TempFolder();
        QuantizeSummary summary = QuantizedCheckpointWriter.Write(Case.ModelDir, temp.Dir, format, shardBytes ?? QuantizedCheckpointWriter.DefaultShardBytes);
        Assert.True(summary.QuantizedTensors > 0 && summary.WrittenBytes < summary.SourceBytes);
        Assert.True(File.Exists(Path.Combine(temp.Dir, "tokenizer.json")));
        Assert.Equal(shardBytes is null, File.Exists(Path.Combine(temp.Dir, "model.safetensors")));
        Assert.Equal(shardBytes is not null, summary.Shards > 1 && File.Exists(Path.Combine(temp.Dir, "model.safetensors.index.json")));

        float[] atLoad = Logits(Case.ModelDir, format);
        Assert.Equal(atLoad, Logits(temp.Dir, WeightFormat.AsStored));
        Assert.Equal(atLoad, Logits(temp.Dir, format));

        // Loading the saved copy with --weights again hands out the mapped blocks themselves
        // (the decorator owns and disposes the store too; a second Dispose is a no-op).
        using CheckpointWeights saved = CheckpointWeights.Open(temp.Dir);
        using var again = new QuantizingWeightSource(saved, QuantizedTensorFormat.Target(format));
        Assert.Equal(QuantizedTensorFormat.Target(format).ToString(), saved.Info(QProj).DType);
        Assert.Equal(saved.View(QProj, [64, 64]).Data, again.View(QProj, [64, 64]).Data);

        // Quantizing an already quantized checkpoint copies its blocks unchanged.
        using var twice = new TempFolder();
        QuantizedCheckpointWriter.Write(temp.Dir, twice.Dir, WeightFormat.Q8);
        using CheckpointWeights copied = CheckpointWeights.Open(twice.Dir);
        Assert.Equal(saved.View(QProj, [64, 64]).Bytes.ToArray(), copied.View(QProj, [64, 64]).Bytes.ToArray());
        Assert.Equal(saved.Info(QProj).DType, copied.Info(QProj).DType);
    }

    [Theory]
    [InlineData("Q8_0:2,33")]      // not a whole number of blocks
    [InlineData("Q8_0:3,32")]      // rows disagree with the stored shape
    [InlineData("Q5_0:2,32")]      // not a block type this engine knows
    [InlineData("F16:2,32")]       // not a block type
    public void Open_BadQuantMetadata_FailsNamingKey(string value)
    {
        using var temp = new TempFolder();
        string path = Path.Combine(temp.Dir, "model.safetensors");
        SafeTensorsWriter.Write(path, [TensorToWrite.FromBytes("w", SafeTensorDType.U8, [2, 34], new byte[68])],
            new Dictionary<string, string> { ["qwenvl.quant.w"] = value });
        var e = Assert.Throws<ModelException>(() => CheckpointWeights.Open(temp.Dir).Dispose());
        Assert.Contains("w", e.Key ?? "");
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Open_QuantizedTensorWrongShape_FailsNamingTensor()
    {
        using var temp = new TempFolder();
        SafeTensorsWriter.Write(Path.Combine(temp.Dir, "model.safetensors"), [TensorToWrite.FromBytes("w", SafeTensorDType.U8, [2, 34], new byte[68])],
            new Dictionary<string, string> { ["qwenvl.quant.w"] = "Q8_0:2,32" });
        using CheckpointWeights weights = CheckpointWeights.Open(temp.Dir);
        Assert.Equal("Q8_0", weights.Info("w").DType);
        Assert.Equal([2L, 32L], weights.Info("w").Shape);
        var e = Assert.Throws<ModelException>(() => weights.View("w", [2, 64]));
        Assert.Equal("w", e.Key);
    }

    private sealed class TempFolder : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("qwenvl-quant-").FullName;

        public void Dispose()
        {
            try
            {
                Directory.Delete(Dir, recursive: true);
            }
            catch (IOException)
            {
                // a mapping may still be open; the OS temp cleaner gets it
            }
        }
    }
}
