// CheckpointJson: file and parse errors (with line numbers), typed getters whose errors name the
// file and key, and Try-variants that return null for absent or null keys but still reject wrong types.
// It deliberately uses config-like keys but no real model schema.
using System.Text.Json.Nodes;

namespace QwenVL.Checkpoints.Tests;

public class CheckpointJsonTests
{
    private const string Config = """
        {
          "hidden_size": 64,
          "as_text": "64",
          "fractional": 1.5,
          "too_big": 3000000000,
          "float_int": 1e3,
          "rope_theta": 1000000.0,
          "rms_norm_eps": 1e-06,
          "model_type": "qwen2_5_vl",
          "tie_word_embeddings": true,
          "mrope_section": [2, 3, 3],
          "bad_array": [2, "x"],
          "sliding_window": null,
          "vision_config": {"depth": 4}
        }
        """;

    private static (JsonObject Obj, string Path) Load(TempDir dir)
    {
        string path = dir.WriteText("config.json", Config);
        return (CheckpointJson.ReadJsonObject(path), path);
    }

    [Fact]
    public void ReadJsonObject_MissingFile_ThrowsNamingFile()
    {
        using var dir = new TempDir();
        string path = dir.PathOf("config.json");
        var ex = Assert.Throws<CheckpointException>(() => CheckpointJson.ReadJsonObject(path));
        Assert.Equal(path, ex.File);
        Assert.Contains("file not found", ex.Message);
    }

    [Theory]
    [InlineData("{\n  \"a\": 1,\n  \"b\": }", "malformed JSON at line 3")]
    [InlineData("{\"a\": 1} trailing", "malformed JSON at line 1")]
    [InlineData("{\"a\": 1, \"a\": 2}", "malformed JSON")]
    [InlineData("[1, 2]", "root must be a JSON object, got array")]
    [InlineData("null", "root must be a JSON object, got null")]
    public void ReadJsonObject_MalformedOrNotObject_Throws(string text, string fragment)
    {
        using var dir = new TempDir();
        string path = dir.WriteText("bad.json", text);
        var ex = Assert.Throws<CheckpointException>(() => CheckpointJson.ReadJsonObject(path));
        Assert.Equal(path, ex.File);
        Assert.StartsWith(path + ": ", ex.Message);
        Assert.Contains(fragment, ex.Message);
    }

    [Fact]
    public void ReadJsonObject_Utf8Bom_IsAccepted()
    {
        using var dir = new TempDir();
        string path = dir.WriteBytes("bom.json", [0xEF, 0xBB, 0xBF, (byte)'{', (byte)'"', (byte)'k', (byte)'"', (byte)':', (byte)'5', (byte)'}']);
        Assert.Equal(5, CheckpointJson.GetInt(CheckpointJson.ReadJsonObject(path), "k", path));
    }

    [Fact]
    public void ReadJsonObject_InvalidUtf8InString_ThrowsWithOffset()
    {
        using var dir = new TempDir();
        string path = dir.WriteBytes("bad.json", [.. "{\"k\": \"a"u8, 0xFF, .. "\"}"u8]);
        var ex = Assert.Throws<CheckpointException>(() => CheckpointJson.ReadJsonObject(path));
        Assert.Equal(path, ex.File);
        Assert.Contains("not valid UTF-8 (bad byte 0xFF at offset 8)", ex.Message);
    }

    [Fact]
    public void Getters_WellTypedValues_ReturnThem()
    {
        using var dir = new TempDir();
        var (obj, path) = Load(dir);
        Assert.Equal(64, CheckpointJson.GetInt(obj, "hidden_size", path));
        Assert.Equal(1000, CheckpointJson.GetInt(obj, "float_int", path));
        Assert.Equal(3_000_000_000L, CheckpointJson.GetLong(obj, "too_big", path));
        Assert.Equal(1e6, CheckpointJson.GetDouble(obj, "rope_theta", path));
        Assert.Equal(1e-6, CheckpointJson.GetDouble(obj, "rms_norm_eps", path));
        Assert.Equal(64.0, CheckpointJson.GetDouble(obj, "hidden_size", path));
        Assert.Equal("qwen2_5_vl", CheckpointJson.GetString(obj, "model_type", path));
        Assert.True(CheckpointJson.GetBool(obj, "tie_word_embeddings", path));
        Assert.Equal([2, 3, 3], CheckpointJson.GetIntArray(obj, "mrope_section", path));
        JsonObject vision = CheckpointJson.GetObject(obj, "vision_config", path);
        Assert.Equal(4, CheckpointJson.GetInt(vision, "depth", path));
    }

    [Theory]
    [InlineData("as_text", "int", "key 'as_text' must be an integer, got string")]
    [InlineData("fractional", "int", "key 'fractional' must be an integer, got number 1.5")]
    [InlineData("too_big", "int", "key 'too_big' must be an integer, got number 3000000000")]
    [InlineData("as_text", "double", "key 'as_text' must be a number, got string")]
    [InlineData("hidden_size", "string", "key 'hidden_size' must be a string, got number 64")]
    [InlineData("as_text", "bool", "key 'as_text' must be a boolean, got string")]
    [InlineData("bad_array", "intarray", "key 'bad_array' must be an array of integers, but element 1 is string")]
    [InlineData("hidden_size", "intarray", "key 'hidden_size' must be an array of integers, got number 64")]
    [InlineData("model_type", "object", "key 'model_type' must be an object, got string")]
    [InlineData("absent", "int", "required key 'absent' is missing or null")]
    [InlineData("sliding_window", "int", "required key 'sliding_window' is missing or null")]
    public void Getters_WrongTypeOrMissing_ThrowNamingFileAndKey(string key, string getter, string fragment)
    {
        using var dir = new TempDir();
        var (obj, path) = Load(dir);
        Action call = getter switch
        {
            "int" => () => CheckpointJson.GetInt(obj, key, path),
            "double" => () => CheckpointJson.GetDouble(obj, key, path),
            "string" => () => CheckpointJson.GetString(obj, key, path),
            "bool" => () => CheckpointJson.GetBool(obj, key, path),
            "intarray" => () => CheckpointJson.GetIntArray(obj, key, path),
            _ => () => CheckpointJson.GetObject(obj, key, path),
        };
        var ex = Assert.Throws<CheckpointException>(call);
        Assert.Equal(path, ex.File);
        Assert.Equal(key, ex.Key);
        Assert.Equal($"{path}: {fragment}", ex.Message);
    }

    [Fact]
    public void TryGetters_AbsentOrNull_ReturnNullButWrongTypeStillThrows()
    {
        using var dir = new TempDir();
        var (obj, path) = Load(dir);
        Assert.Null(CheckpointJson.TryGetInt(obj, "absent", path));
        Assert.Null(CheckpointJson.TryGetInt(obj, "sliding_window", path));
        Assert.Null(CheckpointJson.TryGetDouble(obj, "absent", path));
        Assert.Null(CheckpointJson.TryGetString(obj, "absent", path));
        Assert.Null(CheckpointJson.TryGetBool(obj, "absent", path));
        Assert.Null(CheckpointJson.TryGetIntArray(obj, "absent", path));
        Assert.Null(CheckpointJson.TryGetObject(obj, "text_config", path));
        Assert.Equal(64, CheckpointJson.TryGetInt(obj, "hidden_size", path));
        var ex = Assert.Throws<CheckpointException>(() => CheckpointJson.TryGetInt(obj, "as_text", path));
        Assert.Equal("as_text", ex.Key);
    }
}
