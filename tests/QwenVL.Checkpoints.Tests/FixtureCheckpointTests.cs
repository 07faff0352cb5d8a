// Reads the real tiny checkpoints of the shared fixtures: names, dtypes, shapes, offsets and a few
// known BF16 values; and checks our writer reproduces the reference writer's bytes exactly.
// It deliberately does not interpret weights beyond raw BF16 bit patterns.
using System.Buffers.Binary;
using QwenVL.Testing;

namespace QwenVL.Checkpoints.Tests;

public class FixtureCheckpointTests
{
    private static string TinyFile(string model) => Path.Combine(Fixtures.Model(model), "model.safetensors");

    [Theory]
    [InlineData("qwen2.5-vl-tiny", 80)]
    [InlineData("qwen2-vl-tiny", 81)]
    public void Open_TinyCheckpoint_HasExpectedTensors(string model, int count)
    {
        using var file = SafeTensorsFile.Open(TinyFile(model));
        Assert.Equal(count, file.Tensors.Count);
        Assert.Equal("pt", file.Metadata["format"]);
        SafeTensorInfo embed = file.Tensors["model.embed_tokens.weight"];
        Assert.Equal(SafeTensorDType.BF16, embed.DType);
        Assert.Equal([151936L, 64L], embed.Shape);
        Assert.Equal(151936L * 64, embed.ElementCount);
        Assert.Equal(151936L * 64 * 2, embed.ByteLength);
        Assert.Equal([128L, 64L], file.Tensors["model.layers.1.mlp.gate_proj.weight"].Shape);
        Assert.Equal([64L], file.Tensors["model.norm.weight"].Shape);
        Assert.False(file.Contains("lm_head.weight")); // tied embeddings
        Assert.All(file.Tensors.Values, t => Assert.Equal(SafeTensorDType.BF16, t.DType));
        long fileLength = new FileInfo(file.Path).Length;
        Assert.Equal(fileLength - 8 - file.HeaderLength, file.Tensors.Values.Sum(t => t.ByteLength));
    }

    [Fact]
    public void GetBytes_Qwen2VlNormWeight_IsExactlyOneInBf16()
    {
        using var file = SafeTensorsFile.Open(TinyFile("qwen2-vl-tiny"));
        ReadOnlySpan<byte> bytes = file.GetBytes("model.norm.weight");
        Assert.Equal(128, bytes.Length);
        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(0x3F80, BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]));
        }
    }

    [Fact]
    public unsafe void GetPointer_Qwen25Embedding_MatchesSpanAndKnownFirstValue()
    {
        using var file = SafeTensorsFile.Open(TinyFile("qwen2.5-vl-tiny"));
        ReadOnlySpan<byte> span = file.GetBytes("model.embed_tokens.weight");
        nint pointer = file.GetPointer("model.embed_tokens.weight");
        fixed (byte* first = span)
        {
            Assert.Equal((nint)first, pointer);
        }
        // First element is BF16 0x3DD8 = 0.10546875 (the fixture's embed_tokens[0, 0]).
        Assert.Equal(0x3DD8, BinaryPrimitives.ReadUInt16LittleEndian(span));
        Assert.Equal(0.10546875f, BitConverter.Int32BitsToSingle(0x3DD8 << 16));
    }

    [Fact]
    public void Write_Qwen25TinyTensors_ReproducesReferenceFileByteForByte()
    {
        // That file was written by the reference serializer (all BF16, so sorted by name, metadata first).
        string original = TinyFile("qwen2.5-vl-tiny");
        using var dir = new TempDir();
        string copy = dir.PathOf("copy.safetensors");
        using (var file = SafeTensorsFile.Open(original))
        {
            var tensors = file.Tensors.Values
                .Select(t => new TensorToWrite(t.Name, t.DType, t.Shape, s => s.Write(file.GetBytes(t.Name))))
                .Reverse()
                .ToList();
            SafeTensorsWriter.Write(copy, tensors);
        }
        Assert.True(File.ReadAllBytes(original).AsSpan().SequenceEqual(File.ReadAllBytes(copy)));
    }

    [Fact]
    public void TensorStore_TinyFolder_GetRequiredChecksShape()
    {
        using var store = TensorStore.Open(Fixtures.Model("qwen2.5-vl-tiny"));
        Assert.Equal(80, store.Count);
        Assert.Equal(new FileInfo(Path.Combine(store.Folder, "model.safetensors")).Length - 8 - 8256, store.TotalBytes);
        Assert.Equal([151936L, 64L], store.GetRequired("model.embed_tokens.weight", 151936, 64).Shape);
        Assert.Equal([151936L, 64L], store.GetRequired("model.embed_tokens.weight", -1, 64).Shape);

        var ex = Assert.Throws<CheckpointException>(() => store.GetRequired("model.embed_tokens.weight", 151936, 128));
        Assert.Equal("model.embed_tokens.weight", ex.Key);
        Assert.EndsWith("model.safetensors", ex.File);
        Assert.Contains("has shape [151936, 64], expected [151936, 128]", ex.Message);

        ex = Assert.Throws<CheckpointException>(() => store.GetRequired("model.norm.weight", 64, 1));
        Assert.Contains("has shape [64], expected [64, 1]", ex.Message);
    }

    [Fact]
    public void TensorStore_MisspelledName_SuggestsSimilarNames()
    {
        using var store = TensorStore.Open(Fixtures.Model("qwen2.5-vl-tiny"));
        var ex = Assert.Throws<CheckpointException>(() => store.GetInfo("model.embed_token.weight"));
        Assert.Equal("model.embed_token.weight", ex.Key);
        Assert.Equal(store.Folder, ex.File);
        Assert.Contains($"tensor 'model.embed_token.weight' not found in {store.Folder} (80 tensors; similar: model.embed_tokens.weight", ex.Message);
        Assert.False(store.TryGetInfo("lm_head.weight", out _));
        Assert.Throws<CheckpointException>(() => store.GetPointer("lm_head.weight"));
    }
}
