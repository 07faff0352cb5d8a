// GgufWeightSource hands the models the same tensors as the safetensors checkpoint, under the same
// Hugging Face names and shapes: exactly equal for an F32 file (including the rebuilt attn.qkv and
// Conv3d patch kernel), equal to the F16 rounding for an F16 file, and Q8_0 views in place for a
// Q8_0 file whose values stay within half a quantization step (d/2) of the originals.
using QwenVL.Checkpoints;
using QwenVL.Models.Common;
using QwenVL.Models.Gguf;
using QwenVL.Tensors;
using QwenVL.Testing;

namespace QwenVL.Models.Tests.Gguf;

[Collection(GgufCollection.Name)]
public sealed class GgufWeightSourceTests(GgufModels models)
{
    private static float[] Values(TensorStore store, string name)
    {
        SafeTensorInfo info = store.GetInfo(name);
        var v = new float[info.ElementCount];
        Numerics.ToFloat(store.GetBytes(name), DType.BF16, v);
        return v;
    }

    private static int[] Shape(TensorStore store, string name) => [.. store.GetInfo(name).Shape.Select(d => (int)d)];

    [Theory]
    [InlineData("qwen2.5-vl-tiny")]
    [InlineData("qwen2-vl-tiny")]
    public void View_F32Gguf_EveryTensorEqualsTheSafetensorsOne(string model)
    {
        using TensorStore store = TensorStore.Open(Fixtures.Model(model));
        using GgufWeightSource gguf = GgufWeightSource.Open(models.Get(model, GgufFileType.F32));
        Assert.Equal(store.Names.Order(), gguf.Names.Order());
        foreach (string name in store.Names)
        {
            TensorView view = gguf.View(name, Shape(store, name));
            Assert.Equal(DType.F32, view.DType);
            Assert.True(Values(store, name).AsSpan().SequenceEqual(view.ToFloatArray()), name);
        }
        Assert.Equal("F32", gguf.Info("visual.blocks.0.attn.qkv.weight").DType);
        Assert.Equal([192L, 64], gguf.Info("visual.blocks.0.attn.qkv.weight").Shape);
        Assert.Equal([64L, 3, 2, 14, 14], gguf.Info("visual.patch_embed.proj.weight").Shape);
    }

    [Fact]
    public void View_BF16Gguf_FusedTensorsKeepBF16AndPatchKernelIsF32()
    {
        using TensorStore store = TensorStore.Open(Fixtures.Model("qwen2.5-vl-tiny"));
        using GgufWeightSource gguf = GgufWeightSource.Open(models.Get("qwen2.5-vl-tiny", GgufFileType.BF16));
        TensorView qkv = gguf.View("visual.blocks.1.attn.qkv.weight", [192, 64]);
        Assert.Equal(DType.BF16, qkv.DType);
        Assert.True(store.GetBytes("visual.blocks.1.attn.qkv.weight").SequenceEqual(qkv.Bytes)); // a byte-exact row concat
        TensorView patch = gguf.View("visual.patch_embed.proj.weight", [64, 3, 2, 14, 14]);
        Assert.Equal(DType.F32, patch.DType);
        Assert.Equal(Values(store, "visual.patch_embed.proj.weight"), patch.ToFloatArray());
        Assert.Equal(DType.BF16, gguf.View("model.embed_tokens.weight", [151936, 64]).DType);
        Assert.False(gguf.Contains("lm_head.weight"));
    }

    [Fact]
    public void View_F16Gguf_ValuesAreTheF16Rounding()
    {
        using TensorStore store = TensorStore.Open(Fixtures.Model("qwen2-vl-tiny"));
        using GgufWeightSource gguf = GgufWeightSource.Open(models.Get("qwen2-vl-tiny", GgufFileType.F16));
        foreach (string name in new[] { "visual.patch_embed.proj.weight", "visual.blocks.2.attn.qkv.weight", "model.layers.1.mlp.down_proj.weight" })
        {
            TensorView view = gguf.View(name, Shape(store, name));
            Assert.Equal(DType.F16, view.DType);
            Assert.Equal(Values(store, name).Select(x => (float)(Half)x), view.ToFloatArray());
        }
        Assert.Equal(DType.F32, gguf.View("visual.blocks.2.attn.qkv.bias", [192]).DType);
    }

    [Fact]
    public unsafe void View_Q8Gguf_BlocksInPlaceWithinHalfAStepOfTheOriginals()
    {
        using TensorStore store = TensorStore.Open(Fixtures.Model("qwen2.5-vl-tiny"));
        using GgufWeightSource gguf = GgufWeightSource.Open(models.Get("qwen2.5-vl-tiny", GgufFileType.Q8_0));
        foreach (string name in new[] { "visual.blocks.0.attn.qkv.weight", "visual.merger.mlp.0.weight", "model.layers.0.mlp.gate_proj.weight", "model.embed_tokens.weight" })
        {
            TensorView view = gguf.View(name, Shape(store, name));
            Assert.Equal(DType.Q8_0, view.DType);
            Assert.Equal(view.ElementCount / 32 * 34, view.ByteLength);
            float[] x = Values(store, name), y = new float[x.Length];
            GgufQ8.Dequantize(new ReadOnlySpan<byte>((void*)view.Data, checked((int)view.ByteLength)), y);
            for (int b = 0; b < x.Length / 32; b++)
            {
                float amax = x.AsSpan(b * 32, 32).ToArray().Max(MathF.Abs);
                for (int i = b * 32; i < b * 32 + 32; i++)
                {
                    // d = amax/127 rounds to f16 (relative 2^-11), then |q·d - x| <= d/2.
                    Assert.InRange(MathF.Abs(y[i] - x[i]), 0f, amax / 127f * 0.5f + MathF.Abs(x[i]) * 1e-3f + 1e-12f);
                }
            }
        }
        Assert.Equal(DType.F32, gguf.View("visual.patch_embed.proj.weight", [64, 3, 2, 14, 14]).DType);
        Assert.Equal("Q8_0", gguf.Info("visual.blocks.0.attn.qkv.weight").DType);
    }

    [Fact]
    public void View_WrongShapeOrMissingName_NamesTheGgufTensor()
    {
        GgufModelFiles files = models.Get("qwen2.5-vl-tiny", GgufFileType.BF16);
        using GgufWeightSource gguf = GgufWeightSource.Open(files);
        var e = Assert.Throws<ModelException>(() => gguf.View("model.layers.0.mlp.up_proj.weight", [64, 128]));
        Assert.Contains("blk.0.ffn_up.weight (as model.layers.0.mlp.up_proj.weight) has shape [128, 64], the model expects [64, 128]", e.Message);
        Assert.Equal(files.Text, e.File);
        e = Assert.Throws<ModelException>(() => gguf.View("model.layers.9.mlp.up_proj.weight", [128, 64]));
        Assert.Contains("missing tensor 'model.layers.9.mlp.up_proj.weight'", e.Message);
        Assert.Contains("(GGUF name blk.9.ffn_up.weight)", e.Message);
        e = Assert.Throws<ModelException>(() => gguf.View("visual.blocks.0.attn.qkv.weight", [64, 64]));
        Assert.Contains("v.blk.0.attn_q.weight + v.blk.0.attn_k.weight + v.blk.0.attn_v.weight", e.Message);
    }

    [Fact]
    public void Load_WithGgufWeightSource_TotalBytesCountBothFiles()
    {
        GgufModelFiles files = models.Get("qwen2-vl-tiny", GgufFileType.BF16);
        using GgufWeightSource gguf = GgufWeightSource.Open(files);
        using var text = QwenVL.Checkpoints.Gguf.GgufFile.Open(files.Text);
        using var mmproj = QwenVL.Checkpoints.Gguf.GgufFile.Open(files.Mmproj);
        Assert.Equal(text.Tensors.Sum(t => t.ByteLength) + mmproj.Tensors.Sum(t => t.ByteLength), gguf.TotalBytes);
        Assert.Equal(files.Text, gguf.Folder);
        IWeightSource source = gguf;
        Assert.Equal("BF16", source.Info("model.layers.0.self_attn.q_proj.weight").DType);
        Assert.Equal(files.Mmproj, source.Info("visual.merger.mlp.2.weight").File);
    }
}
