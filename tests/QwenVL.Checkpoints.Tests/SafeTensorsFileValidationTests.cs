// Malformed safetensors files crafted byte by byte: each must fail with a CheckpointException naming
// the file, the tensor key where there is one, and what was expected vs found. Also the valid edge
// cases (empty and scalar tensors, every dtype) that must NOT fail.
namespace QwenVL.Checkpoints.Tests;

public class SafeTensorsFileValidationTests
{
    private static CheckpointException OpenFails(string path)
    {
        var ex = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.Equal(path, ex.File);
        Assert.Contains(path, ex.Message);
        return ex;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void Open_FileShorterThan8Bytes_Throws(int length)
    {
        using var dir = new TempDir();
        var ex = OpenFails(dir.WriteBytes("short.safetensors", new byte[length]));
        Assert.Null(ex.Key);
        Assert.Contains($"file is {length} bytes", ex.Message);
    }

    [Fact]
    public void Open_MissingFile_ThrowsNotFound()
    {
        using var dir = new TempDir();
        var ex = OpenFails(dir.PathOf("absent.safetensors"));
        Assert.Contains("not found", ex.Message);
    }

    [Fact]
    public void Open_HeaderLength2Pow60_ThrowsTooLarge()
    {
        using var dir = new TempDir();
        var ex = OpenFails(dir.Craft("big.safetensors", "{}", 0, headerLengthOverride: 1UL << 60));
        Assert.Null(ex.Key);
        Assert.Contains($"header length {1UL << 60} exceeds the 100000000-byte limit", ex.Message);
    }

    [Fact]
    public void Open_HeaderLengthPastEndOfFile_Throws()
    {
        using var dir = new TempDir();
        var ex = OpenFails(dir.Craft("trunc.safetensors", "{}", 4, headerLengthOverride: 1000));
        Assert.Contains("header length 1000 is larger than the 6 bytes after the length field", ex.Message);
    }

    [Theory]
    [InlineData("{]", "not valid JSON")]
    [InlineData("{\"a\":", "not valid JSON")]
    [InlineData("[1, 2]", "header must be a JSON object, got array")]
    [InlineData("\"text\"", "header must be a JSON object, got string")]
    public void Open_HeaderNotAJsonObject_Throws(string header, string fragment)
    {
        using var dir = new TempDir();
        var ex = OpenFails(dir.Craft("bad.safetensors", header, 0));
        Assert.Null(ex.Key);
        Assert.Contains(fragment, ex.Message);
    }

    [Fact]
    public void Open_HeaderWithInvalidUtf8_Throws()
    {
        using var dir = new TempDir();
        // {"<C3 28>":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}: well-formed JSON, invalid UTF-8 name.
        byte[] header = [.. "{\""u8, 0xC3, 0x28, .. "\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}"u8];
        byte[] bytes = [.. BitConverter.GetBytes((ulong)header.Length), .. header, 5];
        var ex = OpenFails(dir.WriteBytes("utf8.safetensors", bytes));
        Assert.Contains("header is not valid UTF-8 (bad byte 0xC3 at header offset 2)", ex.Message);
    }

    [Theory]
    [InlineData("{\"w\":{\"dtype\":\"Q9\",\"shape\":[2],\"data_offsets\":[0,2]}}", "unknown dtype 'Q9' (expected one of F64, F32, F16, BF16")]
    [InlineData("{\"w\":{\"dtype\":\"bf16\",\"shape\":[2],\"data_offsets\":[0,4]}}", "unknown dtype 'bf16'")]
    [InlineData("{\"w\":{\"dtype\":5,\"shape\":[2],\"data_offsets\":[0,2]}}", "field 'dtype' must be a string, got number 5")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,0]}}", "shape[0] must be non-negative, got -1")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"shape\":[2,\"3\"],\"data_offsets\":[0,6]}}", "shape[1] must be a non-negative integer, got string")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,1]}}", "shape[0] must be a non-negative 64-bit integer, got 1.5")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"shape\":2,\"data_offsets\":[0,2]}}", "field 'shape' must be an array, got number 2")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0]}}", "data_offsets must have 2 elements [begin, end], got 1")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[4,2]}}", "data_offsets [4, 2] end before begin")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[-2,0]}}", "data_offsets[0] must be non-negative, got -2")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999]}}", "data_offsets[1] must be a non-negative 64-bit integer")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,16]}}", "overflows a 64-bit byte count")]
    [InlineData("{\"w\":3}", "entry must be an object with dtype, shape, data_offsets; got number 3")]
    [InlineData("{\"w\":{\"shape\":[2],\"data_offsets\":[0,2]}}", "entry is missing field 'dtype'")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"data_offsets\":[0,2]}}", "entry is missing field 'shape'")]
    [InlineData("{\"w\":{\"dtype\":\"U8\",\"shape\":[2]}}", "entry is missing field 'data_offsets'")]
    public void Open_MalformedEntry_ThrowsNamingTensor(string header, string fragment)
    {
        using var dir = new TempDir();
        var ex = OpenFails(dir.Craft("entry.safetensors", header, 16));
        Assert.Equal("w", ex.Key);
        Assert.Contains("tensor 'w'", ex.Message);
        Assert.Contains(fragment, ex.Message);
    }

    [Fact]
    public void Open_LyingOffsets_ThrowsWithExpectedAndActualSizes()
    {
        using var dir = new TempDir();
        string header = "{\"ok\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
            + "\"liar\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[4,16]}}";
        var ex = OpenFails(dir.Craft("liar.safetensors", header, 32));
        Assert.Equal("liar", ex.Key);
        Assert.Contains("data_offsets [4, 16] span 12 bytes, but F32 x [2, 2] needs 16 bytes", ex.Message);
    }

    [Fact]
    public void Open_OffsetsPastEndOfFile_Throws()
    {
        using var dir = new TempDir();
        string header = "{\"w\":{\"dtype\":\"BF16\",\"shape\":[8],\"data_offsets\":[4,20]}}";
        var ex = OpenFails(dir.Craft("eof.safetensors", header, 19));
        Assert.Equal("w", ex.Key);
        Assert.Contains("data_offsets [4, 20] run past the end of the data region (19 bytes after the header)", ex.Message);
    }

    [Fact]
    public void Open_OverlappingTensors_ThrowsNamingBoth()
    {
        using var dir = new TempDir();
        string header = "{\"a\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        var ex = OpenFails(dir.Craft("overlap.safetensors", header, 12));
        Assert.Equal("b", ex.Key);
        Assert.Contains("overlap tensor 'a' [0, 8]", ex.Message);
    }

    [Fact]
    public void Open_DuplicateTensorKey_Throws()
    {
        using var dir = new TempDir();
        string entry = "{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}";
        var ex = OpenFails(dir.Craft("dup.safetensors", "{\"w\":" + entry + ",\"w\":" + entry + "}", 1));
        Assert.Equal("w", ex.Key);
        Assert.Contains("appears twice", ex.Message);
    }

    [Fact]
    public void Open_MetadataWithNonStringValue_Throws()
    {
        using var dir = new TempDir();
        var ex = OpenFails(dir.Craft("meta.safetensors", "{\"__metadata__\":{\"format\":\"pt\",\"step\":3}}", 0));
        Assert.Equal("__metadata__", ex.Key);
        Assert.Contains("value of 'step' must be a string, got number 3", ex.Message);
    }

    [Fact]
    public void Open_EmptyScalarAndPaddedHeader_AreValid()
    {
        using var dir = new TempDir();
        string header = "{\"__metadata__\":{\"k\":\"v\"},\"empty\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[4,4]},"
            + "\"scalar\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}      ";
        string path = dir.Craft("edge.safetensors", header, 4);
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal("v", file.Metadata["k"]);
        Assert.Equal(0, file.GetBytes("empty").Length);
        Assert.Equal(0L, file.Tensors["empty"].ElementCount);
        Assert.Equal(1L, file.Tensors["scalar"].ElementCount);
        Assert.Equal([0, 1, 2, 3], file.GetBytes("scalar").ToArray());
        var ex = Assert.Throws<CheckpointException>(() => file.GetPointer("missing"));
        Assert.Equal("missing", ex.Key);
        Assert.Equal(path, ex.File);
    }

    [Theory]
    [InlineData("F64", SafeTensorDType.F64, 8)]
    [InlineData("F32", SafeTensorDType.F32, 4)]
    [InlineData("F16", SafeTensorDType.F16, 2)]
    [InlineData("BF16", SafeTensorDType.BF16, 2)]
    [InlineData("I64", SafeTensorDType.I64, 8)]
    [InlineData("I32", SafeTensorDType.I32, 4)]
    [InlineData("I16", SafeTensorDType.I16, 2)]
    [InlineData("I8", SafeTensorDType.I8, 1)]
    [InlineData("U8", SafeTensorDType.U8, 1)]
    [InlineData("BOOL", SafeTensorDType.Bool, 1)]
    [InlineData("F8_E4M3", SafeTensorDType.F8E4M3, 1)]
    [InlineData("F8_E5M2", SafeTensorDType.F8E5M2, 1)]
    [InlineData("U16", SafeTensorDType.U16, 2)]
    [InlineData("U32", SafeTensorDType.U32, 4)]
    [InlineData("U64", SafeTensorDType.U64, 8)]
    public void Open_EachSpecDtype_ParsesWithItemSize(string name, SafeTensorDType dtype, int size)
    {
        using var dir = new TempDir();
        string header = $"{{\"t\":{{\"dtype\":\"{name}\",\"shape\":[3],\"data_offsets\":[0,{3 * size}]}}}}";
        using var file = SafeTensorsFile.Open(dir.Craft("dtype.safetensors", header, 3 * size));
        Assert.Equal(dtype, file.Tensors["t"].DType);
        Assert.Equal(size, dtype.ItemSize());
        Assert.Equal(name, dtype.ToHeaderName());
        Assert.Equal(3 * size, file.GetBytes("t").Length);
    }

    [Fact]
    public void Open_EveryTruncationAndHeaderByteCorruption_ThrowsOnlyCheckpointException()
    {
        using var dir = new TempDir();
        string header = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
            + "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[24,32]}}";
        byte[] valid = File.ReadAllBytes(dir.Craft("valid.safetensors", header, 32));
        int failures = 0;
        for (int length = 0; length < valid.Length; length++)
        {
            failures += OpensOrThrowsCheckpointException(dir, valid[..length]) ? 0 : 1;
        }
        Assert.Equal(valid.Length, failures); // every strict prefix is invalid
        var random = new Random(1234);
        for (int trial = 0; trial < 600; trial++)
        {
            byte[] corrupt = (byte[])valid.Clone();
            for (int hits = random.Next(1, 4); hits > 0; hits--)
            {
                corrupt[random.Next(0, 8 + header.Length)] = (byte)random.Next(256);
            }
            OpensOrThrowsCheckpointException(dir, corrupt);
        }
    }

    private static bool OpensOrThrowsCheckpointException(TempDir dir, byte[] bytes)
    {
        string path = dir.WriteBytes("fuzz.safetensors", bytes);
        try
        {
            using var file = SafeTensorsFile.Open(path);
            foreach (string name in file.Tensors.Keys)
            {
                _ = file.GetBytes(name).ToArray();
            }
            return true;
        }
        catch (CheckpointException ex)
        {
            Assert.Equal(path, ex.File);
            return false;
        }
    }
}
