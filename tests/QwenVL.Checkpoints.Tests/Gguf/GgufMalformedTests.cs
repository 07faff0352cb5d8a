// Every way a GGUF header can be broken or lie fails as a CheckpointException that names the file
// and, where there is one, the metadata key or tensor; none reads out of bounds or allocates what the
// file cannot hold. Files are crafted byte by byte (GgufBytes).
using QwenVL.Checkpoints.Gguf;

namespace QwenVL.Checkpoints.Tests.Gguf;

public sealed class GgufMalformedTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // One valid F32 tensor "w" of 4 values after an optional prefix of metadata entries.
    private static GgufBytes OneTensor(uint type = 0, ulong offset = 0, ulong[]? ne = null, int data = 16) =>
        GgufBytes.Header(3, 1, 0).Tensor("w", type, offset, ne ?? [4]).Pad().Data(data);

    public static TheoryData<string, byte[], string?, string> Cases() => new()
    {
        { "empty", [], null, "file is 0 bytes" },
        { "short", GgufBytes.Header().ToArray()[..20], null, "file is 20 bytes" },
        { "magic", new GgufBytes().Raw("GGML"u8.ToArray()).U32(3).U64(0).U64(0).ToArray(), null, "not a GGUF file: magic is 'GGML'" },
        { "v1", GgufBytes.Header(1).ToArray(), null, "GGUF v1" },
        { "v4", GgufBytes.Header(4).ToArray(), null, "GGUF version 4 is not supported" },
        { "big-endian", GgufBytes.Header(0x03000000).ToArray(), null, "big-endian GGUF is not supported" },
        { "tensor count", GgufBytes.Header(3, 1UL << 40, 0).ToArray(), null, "tensor count 1099511627776 cannot fit" },
        { "kv count", GgufBytes.Header(3, 0, 1000).KvU32("a", 1).ToArray(), null, "metadata count 1000 cannot fit" },
        { "truncated kv", GgufBytes.Header(3, 0, 2).KvU32("general.a", 1).Str("general.b").U32(4).Raw(1, 2).Raw(new byte[12]).ToArray()[..^13], "general.b", "truncated header" },
        { "long string", GgufBytes.Header(3, 0, 1).Str("k").U32(8).U64(1UL << 40).Raw(new byte[16]).ToArray(), "k", "string of 1099511627776 bytes runs past the end" },
        { "utf8 key", GgufBytes.Header(3, 0, 1).StrBytes([0x6B, 0xFF]).U32(4).U32(1).Raw(new byte[8]).ToArray(), null, "not valid UTF-8 (bad byte 0xFF" },
        { "empty key", GgufBytes.Header(3, 0, 1).Str("").U32(4).U32(1).Raw(new byte[8]).ToArray(), null, "empty key" },
        { "value type", GgufBytes.Header(3, 0, 1).Str("k").U32(13).U32(1).Raw(new byte[8]).ToArray(), "k", "unknown value type 13" },
        { "array count", GgufBytes.Header(3, 0, 1).Str("k").U32(9).U32(6).U64(1UL << 40).Raw(new byte[16]).ToArray(), "k", "claims 1099511627776 Float32 elements" },
        { "array type", GgufBytes.Header(3, 0, 1).Str("k").U32(9).U32(99).U64(1).Raw(new byte[16]).ToArray(), "k", "array of unknown value type 99" },
        { "bool", GgufBytes.Header(3, 0, 1).Str("k").U32(7).Raw(2).Raw(new byte[16]).ToArray(), "k", "bool byte 2" },
        { "duplicate key", GgufBytes.Header(3, 0, 2).KvU32("k", 1).KvU32("k", 2).Raw(new byte[8]).ToArray(), "k", "appears twice" },
        { "alignment", GgufBytes.Header(3, 0, 1).KvU32("general.alignment", 24).Raw(new byte[8]).ToArray(), "general.alignment", "power of two" },
        { "alignment type", GgufBytes.Header(3, 0, 1).KvStr("general.alignment", "32").Raw(new byte[8]).ToArray(), "general.alignment", "power of two" },
        { "nesting", Nested(12), "k", "nests arrays deeper than 8" },
        { "dims", GgufBytes.Header(3, 1, 0).Tensor("w", 0, 0, 1, 1, 1, 1, 1).Pad().Data(4).ToArray(), "w", "5 dimensions" },
        { "ggml type", OneTensor(type: 99).ToArray(), "w", "unknown ggml type id 99" },
        { "blocks", OneTensor(type: 8, ne: [33, 1], data: 64).ToArray(), "w", "rows of 33 values are not whole Q8_0 blocks of 32" },
        { "overflow", OneTensor(ne: [1UL << 40, 1UL << 40]).ToArray(), "w", "overflows 64 bits" },
        { "misaligned", OneTensor(offset: 8).ToArray(), "w", "data offset 8 is not a multiple of the alignment 32" },
        { "truncated data", OneTensor(data: 15).ToArray(), "w", "spans data bytes [0, 16) but the data section holds 15 bytes" },
        { "beyond eof", OneTensor(offset: 1UL << 20).ToArray(), "w", "spans data bytes [1048576" },
        { "overlap", GgufBytes.Header(3, 2, 0).Tensor("w", 0, 0, 16).Tensor("v", 0, 32, 16).Pad().Data(128).ToArray(), "v", "overlaps tensor 'w'" },
        { "duplicate tensor", GgufBytes.Header(3, 2, 0).Tensor("w", 0, 0, 4).Tensor("w", 0, 32, 4).Pad().Data(64).ToArray(), "w", "appears twice in the tensor table" },
        { "empty name", GgufBytes.Header(3, 1, 0).Tensor("", 0, 0, 4).Pad().Data(16).ToArray(), null, "empty name" },
        { "truncated table", GgufBytes.Header(3, 2, 0).Tensor("w", 0, 0, 4).Str("v.long.name.for.a.truncated.table").U32(1).ToArray(), "v.long.name.for.a.truncated.table", "truncated header" },
    };

    private static byte[] Nested(int depth)
    {
        var b = GgufBytes.Header(3, 0, 1).Str("k").U32(9);
        for (int i = 0; i < depth; i++)
        {
            b.U32(9).U64(1);
        }
        return b.U32(4).U64(0).Raw(new byte[64]).ToArray();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Open_MalformedFile_ThrowsNamingFileAndKey(string name, byte[] bytes, string? key, string message)
    {
        string path = _dir.WriteBytes(name.Replace(' ', '_') + ".gguf", bytes);
        var e = Assert.Throws<CheckpointException>(() => GgufFile.Open(path));
        Assert.Contains(message, e.Message);
        Assert.StartsWith(Path.GetFullPath(path), e.Message);
        Assert.Equal(key, e.Key);
    }

    [Fact]
    public void Open_MissingFile_SaysNotFound()
    {
        var e = Assert.Throws<CheckpointException>(() => GgufFile.Open(_dir.PathOf("none.gguf")));
        Assert.Contains("GGUF file not found", e.Message);
    }

    [Fact]
    public void Open_UnsupportedButKnownType_OpensAndReportsTheTypeName()
    {
        // Q5_K (13): 256 values = 176 bytes. The reader validates it; refusing it is the model layer's job.
        string path = _dir.WriteBytes("q5k.gguf", OneTensor(type: 13, ne: [256], data: 176).ToArray());
        using GgufFile f = GgufFile.Open(path);
        Assert.Equal(GgmlType.Q5_K, f.GetInfo("w").Type);
        Assert.Equal("Q5_K", GgmlTypes.Name(13));
        Assert.Equal("type 99", GgmlTypes.Name(99));
    }
}
