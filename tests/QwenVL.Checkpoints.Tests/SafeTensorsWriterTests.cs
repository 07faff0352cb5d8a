// Writer round trips: exact header bytes, reference tensor order (descending alignment, then name),
// 8-byte alignment, byte-count enforcement of the data callbacks, and sharded output with an index.
// It deliberately reads results back through the production reader and through raw bytes.
using System.Text;
using System.Text.Json.Nodes;

namespace QwenVL.Checkpoints.Tests;

public class SafeTensorsWriterTests
{
    private static TensorToWrite Filled(string name, SafeTensorDType dtype, long[] shape, byte seed)
    {
        var probe = new TensorToWrite(name, dtype, shape, _ => { });
        byte[] data = Enumerable.Range(0, (int)probe.ByteLength).Select(i => (byte)(seed + i * 7)).ToArray();
        return TensorToWrite.FromBytes(name, dtype, shape, data);
    }

    private static byte[] Expected(TensorToWrite t)
    {
        using var buffer = new MemoryStream();
        t.WriteData(buffer);
        return buffer.ToArray();
    }

    [Fact]
    public void Write_OneF32Tensor_ProducesReferenceLayoutBytes()
    {
        using var dir = new TempDir();
        string path = dir.PathOf("one.safetensors");
        byte[] data = new byte[24];
        BitConverter.GetBytes(1.5f).CopyTo(data, 4);
        SafeTensorsWriter.Write(path, [TensorToWrite.FromBytes("attn.0", SafeTensorDType.F32, [1, 2, 3], data)]);

        string json = "{\"__metadata__\":{\"format\":\"pt\"},\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        string padded = json.PadRight((json.Length + 7) / 8 * 8); // spaces up to a multiple of 8
        byte[] expected = [.. BitConverter.GetBytes((ulong)padded.Length), .. Encoding.UTF8.GetBytes(padded), .. data];
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_MixedDtypes_OrdersByAlignmentThenNameAndRoundTrips()
    {
        using var dir = new TempDir();
        string path = dir.PathOf("mixed.safetensors");
        TensorToWrite[] tensors =
        [
            Filled("b_u8", SafeTensorDType.U8, [3], 1),
            Filled("z_f32", SafeTensorDType.F32, [1, 2], 2),
            Filled("m_bf16", SafeTensorDType.BF16, [2, 2], 3),
            Filled("a_f32", SafeTensorDType.F32, [2], 4),
            Filled("empty", SafeTensorDType.F32, [0, 5], 5),
            Filled("c_i64", SafeTensorDType.I64, [1], 6),
            Filled("flag", SafeTensorDType.Bool, [1, 1, 1], 7),
        ];
        SafeTensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["source"] = "unit test" });

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(0, (8 + file.HeaderLength) % 8);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("unit test", file.Metadata["source"]);
        string[] dataOrder = [.. file.Tensors.Values.OrderBy(t => t.DataBegin).ThenBy(t => t.ByteLength).Select(t => t.Name)];
        Assert.Equal(["c_i64", "a_f32", "empty", "z_f32", "m_bf16", "b_u8", "flag"], dataOrder);
        foreach (TensorToWrite t in tensors)
        {
            SafeTensorInfo info = file.Tensors[t.Name];
            Assert.Equal(t.DType, info.DType);
            Assert.Equal(t.Shape, info.Shape);
            Assert.Equal(0, info.DataBegin % t.DType.ItemSize());
            Assert.Equal(Expected(t), file.GetBytes(t.Name).ToArray());
        }
        byte[] raw = File.ReadAllBytes(path);
        string header = Encoding.UTF8.GetString(raw, 8, (int)file.HeaderLength);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\",\"source\":\"unit test\"},\"c_i64\":", header);
        Assert.Equal(header.TrimEnd(' ').Length, header.LastIndexOf('}') + 1);
    }

    [Theory]
    [InlineData(11, "WriteData wrote 11 bytes, but F32 x [3] needs 12")]
    [InlineData(13, "WriteData wrote more than the 12 bytes its dtype and shape need")]
    public void Write_CallbackWritesWrongByteCount_ThrowsAndLeavesNoFile(int written, string fragment)
    {
        using var dir = new TempDir();
        string path = dir.PathOf("wrong.safetensors");
        TensorToWrite[] tensors =
        [
            Filled("fine", SafeTensorDType.U8, [4], 0),
            new("bad", SafeTensorDType.F32, [3], s => s.Write(new byte[written])),
        ];
        var ex = Assert.Throws<CheckpointException>(() => SafeTensorsWriter.Write(path, tensors));
        Assert.Equal("bad", ex.Key);
        Assert.Equal(path, ex.File);
        Assert.Contains(fragment, ex.Message);
        Assert.Empty(Directory.GetFiles(dir.Folder));
    }

    [Fact]
    public void Write_ByteByByteCallback_IsAccepted()
    {
        using var dir = new TempDir();
        string path = dir.PathOf("bytes.safetensors");
        SafeTensorsWriter.Write(path, [new TensorToWrite("w", SafeTensorDType.I16, [3], s =>
        {
            for (int i = 0; i < 6; i++)
            {
                s.WriteByte((byte)(10 + i));
            }
        })]);
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal([10, 11, 12, 13, 14, 15], file.GetBytes("w").ToArray());
    }

    [Fact]
    public void Write_DuplicateOrReservedNameOrNegativeDim_ThrowsArgumentException()
    {
        using var dir = new TempDir();
        string path = dir.PathOf("x.safetensors");
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [Filled("w", SafeTensorDType.U8, [1], 0), Filled("w", SafeTensorDType.U8, [2], 0)]));
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [Filled("__metadata__", SafeTensorDType.U8, [1], 0)]));
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [new TensorToWrite("w", SafeTensorDType.U8, [-2], _ => { })]));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void WriteSharded_OverLimit_WritesShardsAndIndexThatTensorStoreReads()
    {
        using var dir = new TempDir();
        TensorToWrite[] tensors =
        [
            Filled("layer.0.w", SafeTensorDType.F32, [1000], 1),
            Filled("layer.0.b", SafeTensorDType.F32, [1000], 2),
            Filled("layer.1.w", SafeTensorDType.F32, [1000], 3),
            Filled("huge", SafeTensorDType.U8, [25000], 4),
            Filled("layer.1.b", SafeTensorDType.BF16, [2000], 5),
        ];
        SafeTensorsWriter.WriteSharded(dir.Folder, tensors, maxShardBytes: 10_000);

        // Greedy in list order: [w0, b0] = 8000 B, [w1] (+25000 would exceed), [huge] alone, [b1]; 41000 B total.
        string[] expectedShards = [.. Enumerable.Range(1, 4).Select(i => $"model-{i:D5}-of-00004.safetensors")];
        Assert.Equal(
            [.. expectedShards, "model.safetensors.index.json"],
            Directory.GetFiles(dir.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        JsonObject index = CheckpointJson.ReadJsonObject(dir.PathOf("model.safetensors.index.json"));
        Assert.Equal(41_000L, CheckpointJson.GetLong(CheckpointJson.GetObject(index, "metadata", "index"), "total_size", "index"));
        JsonObject weightMap = CheckpointJson.GetObject(index, "weight_map", "index");
        Assert.Equal(expectedShards[0], CheckpointJson.GetString(weightMap, "layer.0.b", "index"));
        Assert.Equal(expectedShards[2], CheckpointJson.GetString(weightMap, "huge", "index"));

        using var store = TensorStore.Open(dir.Folder);
        Assert.Equal(4, store.Files.Count);
        Assert.Equal(5, store.Count);
        Assert.Equal(41_000L, store.TotalBytes);
        foreach (TensorToWrite t in tensors)
        {
            Assert.Equal(Expected(t), store.GetBytes(t.Name).ToArray());
            Assert.Equal(t.Shape, store.GetRequired(t.Name, t.Shape).Shape);
        }
        Assert.EndsWith(expectedShards[3], store.GetInfo("layer.1.b").File);
    }

    [Fact]
    public void WriteSharded_FitsInOneShard_WritesModelSafetensorsAndRemovesStaleIndex()
    {
        using var dir = new TempDir();
        dir.WriteText("model.safetensors.index.json", "{\"weight_map\":{\"gone\":\"model-00001-of-00002.safetensors\"}}");
        TensorToWrite[] tensors = [Filled("a", SafeTensorDType.F16, [8], 1), Filled("b", SafeTensorDType.F16, [8], 2)];
        SafeTensorsWriter.WriteSharded(dir.Folder, tensors, maxShardBytes: 32);

        Assert.Equal(["model.safetensors"], Directory.GetFiles(dir.Folder).Select(Path.GetFileName));
        using var store = TensorStore.Open(dir.Folder);
        Assert.Equal(["a", "b"], store.Names);
        Assert.Equal(Expected(tensors[1]), store.GetBytes("b").ToArray());
    }
}
