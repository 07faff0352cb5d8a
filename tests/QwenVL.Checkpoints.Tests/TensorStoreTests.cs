// Checkpoint-folder resolution: single file, index + shards, loose *.safetensors, and every way a
// folder can be incomplete (missing shard, tensor absent from its shard, no files at all).
// It deliberately builds folders with the production writer plus hand-written index files.
namespace QwenVL.Checkpoints.Tests;

public class TensorStoreTests
{
    private static void WriteFile(string path, params string[] names) =>
        SafeTensorsWriter.Write(path, [.. names.Select(n => TensorToWrite.FromBytes(n, SafeTensorDType.U8, [2], new byte[] { 7, 9 }))]);

    private static string Index(params (string Tensor, string Shard)[] entries) =>
        "{\"metadata\":{\"total_size\":0},\"weight_map\":{"
        + string.Join(",", entries.Select(e => $"\"{e.Tensor}\":\"{e.Shard}\"")) + "}}";

    [Fact]
    public void Open_MissingFolder_Throws()
    {
        using var dir = new TempDir();
        string folder = dir.PathOf("nope");
        var ex = Assert.Throws<CheckpointException>(() => TensorStore.Open(folder));
        Assert.Equal(folder, ex.File);
        Assert.Contains($"checkpoint folder {folder} does not exist", ex.Message);
    }

    [Fact]
    public void Open_FolderWithoutSafetensors_ThrowsNamingExpectedFiles()
    {
        using var dir = new TempDir();
        dir.WriteText("config.json", "{}");
        var ex = Assert.Throws<CheckpointException>(() => TensorStore.Open(dir.Folder));
        Assert.Equal(dir.Folder, ex.File);
        Assert.Null(ex.Key);
        Assert.Contains($"no model.safetensors or model.safetensors.index.json in {dir.Folder}", ex.Message);
    }

    [Fact]
    public void Open_LooseSafetensorsFiles_MergesThemAndRejectsDuplicates()
    {
        using var dir = new TempDir();
        WriteFile(dir.PathOf("vision.safetensors"), "visual.a", "visual.b");
        WriteFile(dir.PathOf("text.safetensors"), "model.a");
        using (var store = TensorStore.Open(dir.Folder))
        {
            Assert.Equal(["model.a", "visual.a", "visual.b"], store.Names);
            Assert.Equal(6L, store.TotalBytes);
            Assert.Equal([7, 9], store.GetBytes("visual.b").ToArray());
        }

        WriteFile(dir.PathOf("zz-extra.safetensors"), "model.a");
        var ex = Assert.Throws<CheckpointException>(() => TensorStore.Open(dir.Folder));
        Assert.Equal("model.a", ex.Key);
        Assert.Contains("is in both", ex.Message);
        Assert.Contains("text.safetensors", ex.Message);
        Assert.Contains("zz-extra.safetensors", ex.Message);
    }

    [Fact]
    public void Open_SingleFileAndIndexBothPresent_PrefersModelSafetensors()
    {
        using var dir = new TempDir();
        WriteFile(dir.PathOf("model.safetensors"), "w");
        dir.WriteText("model.safetensors.index.json", Index(("other", "model-00001-of-00002.safetensors")));
        using var store = TensorStore.Open(dir.Folder);
        Assert.Equal(["w"], store.Names);
    }

    [Fact]
    public void Open_IndexNamesMissingShard_ThrowsNamingIndexAndShard()
    {
        using var dir = new TempDir();
        WriteFile(dir.PathOf("model-00001-of-00002.safetensors"), "a");
        string index = dir.WriteText("model.safetensors.index.json",
            Index(("a", "model-00001-of-00002.safetensors"), ("b", "model-00002-of-00002.safetensors")));
        var ex = Assert.Throws<CheckpointException>(() => TensorStore.Open(dir.Folder));
        Assert.Equal(index, ex.File);
        Assert.Equal("b", ex.Key);
        Assert.Contains(index, ex.Message);
        Assert.Contains("shard 'model-00002-of-00002.safetensors' (listed for tensor 'b') does not exist", ex.Message);
    }

    [Fact]
    public void Open_IndexListsTensorAbsentFromShard_ThrowsNamingBoth()
    {
        using var dir = new TempDir();
        string shard = dir.PathOf("model-00001-of-00001.safetensors");
        WriteFile(shard, "present");
        string index = dir.WriteText("model.safetensors.index.json",
            Index(("present", "model-00001-of-00001.safetensors"), ("ghost", "model-00001-of-00001.safetensors")));
        var ex = Assert.Throws<CheckpointException>(() => TensorStore.Open(dir.Folder));
        Assert.Equal(index, ex.File);
        Assert.Equal("ghost", ex.Key);
        Assert.Contains(index, ex.Message);
        Assert.Contains($"but {shard} has no such tensor", ex.Message);
    }

    [Theory]
    [InlineData("{\"weight_map\": [1]}", "weight_map", "key 'weight_map' must be an object, got array")]
    [InlineData("{\"metadata\": {}}", "weight_map", "required key 'weight_map' is missing")]
    [InlineData("{\"weight_map\": {\"w\": 3}}", "w", "key 'w' must be a string, got number 3")]
    [InlineData("{\"weight_map\": {\"w\": \"../outside.safetensors\"}}", "w", "not a file name inside")]
    [InlineData("{\"weight_map\": {\"w\": \"/abs.safetensors\"}}", "w", "not a file name inside")]
    [InlineData("{\"weight_map\": {\"w\": }", null, "malformed JSON at line 1")]
    public void Open_MalformedIndex_ThrowsNamingIndexAndKey(string json, string? key, string fragment)
    {
        using var dir = new TempDir();
        string index = dir.WriteText("model.safetensors.index.json", json);
        var ex = Assert.Throws<CheckpointException>(() => TensorStore.Open(dir.Folder));
        Assert.Equal(index, ex.File);
        Assert.Equal(key, ex.Key);
        Assert.Contains(fragment, ex.Message);
    }

    [Fact]
    public void Open_CorruptShard_ThrowsNamingShardFile()
    {
        using var dir = new TempDir();
        string shard = dir.WriteBytes("model-00001-of-00001.safetensors", [3, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)']', (byte)' ']);
        dir.WriteText("model.safetensors.index.json", Index(("w", "model-00001-of-00001.safetensors")));
        var ex = Assert.Throws<CheckpointException>(() => TensorStore.Open(dir.Folder));
        Assert.Equal(shard, ex.File);
        Assert.Contains("not valid JSON", ex.Message);
    }

    [Fact]
    public void Open_IndexedShards_ExposesOnlyIndexedTensors()
    {
        using var dir = new TempDir();
        WriteFile(dir.PathOf("part-a.safetensors"), "x", "unlisted");
        WriteFile(dir.PathOf("part-b.safetensors"), "y");
        dir.WriteText("model.safetensors.index.json", Index(("y", "part-b.safetensors"), ("x", "part-a.safetensors")));
        using var store = TensorStore.Open(dir.Folder);
        Assert.Equal(["x", "y"], store.Names);
        Assert.False(store.Contains("unlisted"));
        Assert.True(store.TryGetInfo("y", out SafeTensorInfo info));
        Assert.EndsWith("part-b.safetensors", info.File);
        Assert.Equal(4L, store.TotalBytes);
    }

    [Fact]
    public void GetPointer_AfterDispose_ThrowsObjectDisposed()
    {
        using var dir = new TempDir();
        WriteFile(dir.PathOf("model.safetensors"), "w");
        var store = TensorStore.Open(dir.Folder);
        Assert.NotEqual(0, store.GetPointer("w"));
        store.Dispose();
        Assert.Throws<ObjectDisposedException>(() => store.GetPointer("w"));
    }
}
