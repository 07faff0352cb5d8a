// GgufWriter -> GgufFile round trips: every metadata value type (nested arrays included), tensor
// tables with ne innermost first, the data alignment (default 32, general.alignment otherwise), v2
// files, and the exact byte layout of a minimal file as the GGUF spec describes it.
using QwenVL.Checkpoints.Gguf;

namespace QwenVL.Checkpoints.Tests.Gguf;

public sealed class GgufFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static GgufWriter SampleWriter(int alignment = 32)
    {
        var w = new GgufWriter(alignment);
        w.Add("general.architecture", GgufValue.Of("qwen2vl"));
        w.Add("u8", GgufValue.Scalar(GgufValueType.UInt8, (byte)200));
        w.Add("i8", GgufValue.Scalar(GgufValueType.Int8, (sbyte)-5));
        w.Add("u16", GgufValue.Scalar(GgufValueType.UInt16, (ushort)65000));
        w.Add("i16", GgufValue.Scalar(GgufValueType.Int16, (short)-300));
        w.Add("u32", GgufValue.Of(4000000000u));
        w.Add("i32", GgufValue.Of(-7));
        w.Add("f32", GgufValue.Of(1e-6f));
        w.Add("bool", GgufValue.Of(true));
        w.Add("u64", GgufValue.Of(ulong.MaxValue));
        w.Add("i64", GgufValue.Scalar(GgufValueType.Int64, long.MinValue));
        w.Add("f64", GgufValue.Scalar(GgufValueType.Float64, Math.PI));
        w.Add("strings", GgufValue.Of(["a", "ĠHello", "<|im_end|>", "日本"]));
        w.Add("ints", GgufValue.Of([2, 3, 3, 0]));
        w.Add("floats", GgufValue.Of([0.5f, -1.25f]));
        w.Add("empty", GgufValue.Array(GgufValueType.UInt8, Array.Empty<byte>()));
        w.Add("nested", GgufValue.Array(GgufValueType.Array, new[] { GgufValue.Of([1, 2]), GgufValue.Of(["x"]) }));
        w.AddTensor("a", GgmlType.F32, [2, 3], [.. Enumerable.Range(0, 24).Select(i => (byte)i)]);
        w.AddTensor("q", GgmlType.Q8_0, [2, 32], [.. Enumerable.Range(0, 68).Select(i => (byte)(100 + i))]);
        w.AddTensor("b", GgmlType.BF16, [5], () => [.. Enumerable.Range(0, 10).Select(i => (byte)(200 + i))]);
        return w;
    }

    [Fact]
    public void Open_WriterOutput_ReadsEveryValueBack()
    {
        string path = _dir.PathOf("sample.gguf");
        SampleWriter().Write(path);
        using GgufFile f = GgufFile.Open(path);
        GgufMetadata m = f.Metadata;
        Assert.Equal(3, f.Version);
        Assert.Equal("qwen2vl", f.Architecture);
        Assert.Equal(200L, m.Integer("u8"));
        Assert.Equal(-5L, m.Integer("i8"));
        Assert.Equal(65000L, m.Integer("u16"));
        Assert.Equal(-300L, m.Integer("i16"));
        Assert.Equal(4000000000L, m.Integer("u32"));
        Assert.Equal(-7L, m.Integer("i32"));
        Assert.Equal(1e-6f, (float)m.Number("f32")!.Value);
        Assert.True(m.Bool("bool"));
        Assert.Equal(ulong.MaxValue, m.Get("u64")!.Raw);
        Assert.Equal(long.MinValue, m.Integer("i64"));
        Assert.Equal(Math.PI, m.Number("f64"));
        Assert.Equal(["a", "ĠHello", "<|im_end|>", "日本"], m.StringArray("strings")!);
        Assert.Equal([2L, 3, 3, 0], m.IntegerArray("ints")!);
        Assert.Equal([0.5, -1.25], m.NumberArray("floats")!);
        Assert.Equal(0, m.Get("empty")!.Count);
        var nested = (GgufValue[])m.Get("nested")!.Raw;
        Assert.Equal([1L, 2], nested[0].AsIntegerArray()!);
        Assert.Equal(["x"], (string[])nested[1].Raw);
        Assert.Equal(17, m.Count);
    }

    [Fact]
    public void Open_WriterOutput_TensorsHaveShapesTypesAndAlignedData()
    {
        string path = _dir.PathOf("sample.gguf");
        SampleWriter().Write(path);
        using GgufFile f = GgufFile.Open(path);
        Assert.Equal(["a", "q", "b"], f.Tensors.Select(t => t.Name));
        GgufTensorInfo a = f.GetInfo("a"), q = f.GetInfo("q"), b = f.GetInfo("b");
        Assert.Equal([3L, 2], a.Ne);          // innermost first
        Assert.Equal([2L, 3], a.Shape);       // outermost first
        Assert.Equal((GgmlType.Q8_0, 68L, 64L), (q.Type, q.ByteLength, q.ElementCount));
        Assert.Equal(GgmlType.BF16, b.Type);
        Assert.Equal(0, f.DataOffset % 32);
        Assert.All(f.Tensors, t => Assert.Equal(0, t.Offset % 32));
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (byte)i), f.GetBytes("a").ToArray());
        Assert.Equal(Enumerable.Range(0, 68).Select(i => (byte)(100 + i)), f.GetBytes("q").ToArray());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)(200 + i)), f.GetBytes("b").ToArray());
    }

    [Fact]
    public void Open_Alignment64_OffsetsAreMultiplesOf64()
    {
        string path = _dir.PathOf("a64.gguf");
        SampleWriter(64).Write(path);
        using GgufFile f = GgufFile.Open(path);
        Assert.Equal(64, f.Alignment);
        Assert.Equal(64L, f.Metadata.Integer("general.alignment"));
        Assert.Equal(0, f.DataOffset % 64);
        Assert.Equal([0L, 64, 192], f.Tensors.Select(t => t.Offset));
        Assert.Equal(Enumerable.Range(0, 68).Select(i => (byte)(100 + i)), f.GetBytes("q").ToArray());
    }

    [Fact]
    public void Open_Version2File_ReadsLikeVersion3()
    {
        string path = _dir.PathOf("v2.gguf");
        SampleWriter().Write(path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[4] = 2;
        File.WriteAllBytes(path, bytes);
        using GgufFile f = GgufFile.Open(path);
        Assert.Equal(2, f.Version);
        Assert.Equal(3, f.Tensors.Count);
    }

    [Fact]
    public void Write_MinimalFile_MatchesSpecLayoutByteForByte()
    {
        var w = new GgufWriter();
        w.Add("k", GgufValue.Of(7u));
        w.AddTensor("t", GgmlType.F32, [1], [1, 2, 3, 4]);
        var s = new MemoryStream();
        w.WriteTo(s);
        byte[] expected = GgufBytes.Header(3, 1, 1).KvU32("k", 7).Tensor("t", 0, 0, 1).Pad().Raw(1, 2, 3, 4).Pad().ToArray();
        Assert.Equal(expected, s.ToArray());
    }

    [Fact]
    public void ReleasePages_LargeTensor_StaysReadable()
    {
        var w = new GgufWriter();
        byte[] data = [.. Enumerable.Range(0, 3 * 65536).Select(i => (byte)(i * 7))];
        w.AddTensor("big", GgmlType.F32, [data.Length / 4], data);
        string path = _dir.PathOf("big.gguf");
        w.Write(path);
        using GgufFile f = GgufFile.Open(path);
        Assert.Equal(data, f.GetBytes("big").ToArray());
        f.ReleasePages("big");
        Assert.Equal(data, f.GetBytes("big").ToArray());
    }

    [Fact]
    public void HasMagic_GgufAndOtherFiles_TellsThemApart()
    {
        string gguf = _dir.PathOf("x.gguf");
        SampleWriter().Write(gguf);
        Assert.True(GgufFile.HasMagic(gguf));
        Assert.False(GgufFile.HasMagic(_dir.WriteText("y.gguf", "GGU")));
        Assert.False(GgufFile.HasMagic(_dir.PathOf("missing.gguf")));
    }

    [Fact]
    public void AddTensor_RowNotWholeBlocks_Throws()
    {
        var w = new GgufWriter();
        Assert.Throws<ArgumentException>(() => w.AddTensor("t", GgmlType.Q8_0, [2, 33], new byte[68]));
    }

    [Fact]
    public void Metadata_WrongTypeOrMissing_NamesFileAndKey()
    {
        string path = _dir.PathOf("sample.gguf");
        SampleWriter().Write(path);
        using GgufFile f = GgufFile.Open(path);
        var e = Assert.Throws<CheckpointException>(() => f.Metadata.Integer("f32"));
        Assert.Equal(("f32", path), (e.Key, e.File));
        Assert.Contains("must be an integer, got float32", e.Message);
        e = Assert.Throws<CheckpointException>(() => f.Metadata.RequireString("general.name"));
        Assert.Contains("'general.name' is required but absent", e.Message);
        Assert.Null(f.Metadata.String("general.name"));
        e = Assert.Throws<CheckpointException>(() => f.Metadata.RequireInteger("i32", 0, 10));
        Assert.Contains("is -7, outside [0, 10]", e.Message);
        e = Assert.Throws<CheckpointException>(() => f.GetInfo("nope"));
        Assert.Contains("tensor 'nope' not found (3 tensors", e.Message);
    }
}
