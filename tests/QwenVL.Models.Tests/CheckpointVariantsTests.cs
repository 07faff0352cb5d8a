// The same weights stored differently give the same model: widened to F32 (same values, BF16 -> F32
// is lossless; only float32 summation order differs between kernels), narrowed to F16 (close: F16 keeps 10 mantissa bits for these small values), sharded
// with an index, and run by the scalar reference backend instead of the SIMD one.
using QwenVL.Checkpoints;
using QwenVL.Engine;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Tensors;

namespace QwenVL.Models.Tests;

public class CheckpointVariantsTests
{
    private static readonly Golden Case = Golden.Load("qwen2.5-vl-tiny", "shapes_448x448");

    private static float[] Logits(string dir, string backend = "cpu")
    {
        using InferenceEngine engine = InferenceEngine.Load(dir, new ModelLoadOptions { Backend = backend });
        Conversation c = MessageParser.Parse(File.ReadAllText(Case.MessagesFile), LocalImageResolver.Create(Path.GetDirectoryName(Case.MessagesFile)!));
        PreparedPrompt p = engine.Prepare(c);
        ModelSession s = engine.Model.CreateSession(p.TokenIds.Length);
        return s.Prefill(p.TokenIds, [engine.Model.Vision.Encode(p.Images[0].Pixels!)], p.Positions).ToArray();
    }

    /// <summary>Rewrites model.safetensors with every tensor converted to <paramref name="dtype"/>, optionally sharded.</summary>
    private static void Rewrite(TempCheckpoint c, SafeTensorDType dtype, long? shardBytes)
    {
        string path = c.File("model.safetensors");
        var tensors = new List<TensorToWrite>();
        using (SafeTensorsFile file = SafeTensorsFile.Open(path))
        {
            foreach (SafeTensorInfo info in file.Tensors.Values)
            {
                var values = new float[info.ElementCount];
                Numerics.ToFloat(file.GetBytes(info.Name), DType.BF16, values);
                var bytes = new byte[values.Length * dtype.ItemSize()];
                Numerics.FromFloat(values, dtype == SafeTensorDType.F32 ? DType.F32 : dtype == SafeTensorDType.F16 ? DType.F16 : DType.BF16, bytes);
                tensors.Add(TensorToWrite.FromBytes(info.Name, dtype, info.Shape, bytes));
            }
        }
        File.Delete(path);
        if (shardBytes is long max)
        {
            SafeTensorsWriter.WriteSharded(c.Dir, tensors, max);
        }
        else
        {
            SafeTensorsWriter.Write(path, tensors);
        }
    }

    [Fact]
    public void F32Checkpoint_GivesSameLogitsUpToSummationOrder()
    {
        using var c = new TempCheckpoint();
        Rewrite(c, SafeTensorDType.F32, null);
        // Same weight values (BF16 -> F32 is lossless), but decode-shaped products take another kernel
        // per dtype (BF16 pairs widened in registers, F32 rows dotted directly), so float32 sums differ
        // in order: ~1e-7 relative here, far inside the 1e-3 parity budget.
        double diff = ParityTests.MaxAbsDiff(Logits(Case.ModelDir), Logits(c.Dir));
        Assert.InRange(diff, 0, 1e-5);
    }

    [Fact]
    public void F16Checkpoint_GivesCloseLogits()
    {
        using var c = new TempCheckpoint();
        Rewrite(c, SafeTensorDType.F16, null);
        double diff = ParityTests.MaxAbsDiff(Case.Dump("last_logits"), Logits(c.Dir));
        Assert.InRange(diff, 0, 1e-3);
    }

    [Fact]
    public void ShardedCheckpoint_GivesIdenticalLogits()
    {
        using var c = new TempCheckpoint();
        Rewrite(c, SafeTensorDType.BF16, shardBytes: 8 << 20);
        Assert.True(File.Exists(c.File("model.safetensors.index.json")));
        Assert.True(Directory.GetFiles(c.Dir, "model-*-of-*.safetensors").Length >= 2);
        Assert.Equal(Logits(Case.ModelDir), Logits(c.Dir));
    }

    [Fact]
    public void ReferenceBackend_AgreesWithReferenceLogits()
    {
        double diff = ParityTests.MaxAbsDiff(Case.Dump("last_logits"), Logits(Case.ModelDir, "reference"));
        Assert.InRange(diff, 0, 1e-3);
    }
}
