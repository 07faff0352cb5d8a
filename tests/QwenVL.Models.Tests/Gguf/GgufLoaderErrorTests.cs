// A GGUF download that cannot be run fails with one ModelException naming the file and the key or
// tensor: a missing, doubled or misplaced mmproj, split files, another architecture or projector,
// a missing metadata key, a tensor type the engine cannot compute with, a missing split part.
using QwenVL.Checkpoints.Gguf;
using QwenVL.Models.Gguf;

namespace QwenVL.Models.Tests.Gguf;

[Collection(GgufCollection.Name)]
public sealed class GgufLoaderErrorTests(GgufModels models) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qwenvl-gguf-bad-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A still-mapped file on some platforms.
        }
    }

    private GgufModelFiles Source => models.Get("qwen2.5-vl-tiny", GgufFileType.BF16);

    private string Text => Path.Combine(_dir, "model-BF16.gguf");

    private string Mmproj => Path.Combine(_dir, "mmproj-model-BF16.gguf");

    // The valid pair copied into _dir, with optional edits to either file.
    private string Pair(Dictionary<string, GgufValue?>? text = null, Dictionary<string, GgufValue?>? mmproj = null,
        Func<GgufTensorInfo, byte[], (string, GgmlType, long[], byte[])?>? textTensors = null,
        Func<GgufTensorInfo, byte[], (string, GgmlType, long[], byte[])?>? mmprojTensors = null)
    {
        GgufEdit.Copy(Source.Text, Text, text, textTensors);
        GgufEdit.Copy(Source.Mmproj, Mmproj, mmproj, mmprojTensors);
        return _dir;
    }

    private static ModelException Fails(string path) => Assert.Throws<ModelException>(() => ModelRegistry.Load(path).Dispose());

    [Fact]
    public void Load_NoMmprojBeside_SaysWhatIsMissing()
    {
        File.Copy(Source.Text, Text);
        ModelException e = Fails(Text);
        Assert.Contains("no vision projector beside", e.Message);
        Assert.Contains("mmproj", e.Message);
    }

    [Fact]
    public void Load_TwoMmprojFiles_ListsBoth()
    {
        Pair();
        File.Copy(Mmproj, Path.Combine(_dir, "mmproj-other-F16.gguf"));
        ModelException e = Fails(_dir);
        Assert.Contains("holds 2 mmproj GGUF files (mmproj-model-BF16.gguf, mmproj-other-F16.gguf)", e.Message);
    }

    [Fact]
    public void Load_MmprojPath_AsksForTheTextModel()
    {
        Pair();
        Assert.Contains("is a vision projector (mmproj) GGUF", Fails(Mmproj).Message);
    }

    [Fact]
    public void Load_TwoTextModels_AsksToKeepOne()
    {
        Pair();
        File.Copy(Text, Path.Combine(_dir, "model-Q8_0.gguf"));
        Assert.Contains("holds 2 language-model GGUF files", Fails(_dir).Message);
        using VisionLanguageModel m = ModelRegistry.Load(Text);  // naming the file picks it
        Assert.Equal("qwen2_5_vl", m.Info.ModelType);
    }

    [Fact]
    public void Load_SplitGguf_Refused()
    {
        Pair();
        string split = Path.Combine(_dir, "model-00001-of-00002.gguf");
        File.Move(Text, split);
        Assert.Contains("one part of a split GGUF", Fails(split).Message);
    }

    [Fact]
    public void Load_OtherArchitecture_NamesTheKey()
    {
        ModelException e = Fails(Pair(text: new() { ["general.architecture"] = GgufValue.Of("llama") }));
        Assert.Equal(("general.architecture", Text), (e.Key, e.File));
        Assert.Contains("general.architecture is 'llama'; a Qwen2-VL / Qwen2.5-VL text GGUF has 'qwen2vl'", e.Message);
    }

    [Fact]
    public void Load_OtherProjector_NamesTheKey()
    {
        ModelException e = Fails(Pair(mmproj: new() { ["clip.projector_type"] = GgufValue.Of("gemma3") }));
        Assert.Equal(("clip.projector_type", Mmproj), (e.Key, e.File));
        Assert.Contains("clip.projector_type is 'gemma3'", e.Message);
    }

    [Fact]
    public void Load_MissingMetadataKey_NamesTheKey()
    {
        ModelException e = Fails(Pair(text: new() { ["qwen2vl.embedding_length"] = null }));
        Assert.Equal("qwen2vl.embedding_length", e.Key);
        Assert.Contains("metadata key 'qwen2vl.embedding_length' is required but absent", e.Message);
        e = Fails(Pair(mmproj: new() { ["clip.vision.n_wa_pattern"] = null }));
        Assert.Equal(("clip.vision.n_wa_pattern", Mmproj), (e.Key, e.File));
    }

    [Fact]
    public void Load_OtherPreTokenizer_Refused()
    {
        ModelException e = Fails(Pair(text: new() { ["tokenizer.ggml.pre"] = GgufValue.Of("llama3") }));
        Assert.Equal("tokenizer.ggml.pre", e.Key);
        Assert.Contains("only the Qwen2 pre-tokenizer", e.Message);
    }

    [Fact]
    public void Load_UnsupportedGgmlType_NamesTypeAndTensor()
    {
        // Q5_0 blocks: 32 values in 22 bytes; the bytes are irrelevant, the type is refused by name.
        ModelException e = Fails(Pair(textTensors: (t, data) => t.Name == "blk.1.ffn_down.weight"
            ? (t.Name, GgmlType.Q5_0, t.Shape, new byte[t.ElementCount / 32 * 22]) : (t.Name, t.Type, t.Shape, data)));
        Assert.Contains("unsupported ggml type Q5_0 in tensor blk.1.ffn_down.weight", e.Message);
        Assert.Equal(("blk.1.ffn_down.weight", Text), (e.Key, e.File));
    }

    [Fact]
    public void Load_MissingQkvPartOrPatchHalf_NamesIt()
    {
        ModelException e = Fails(Pair(mmprojTensors: (t, data) => t.Name == "v.blk.2.attn_k.bias" ? null : (t.Name, t.Type, t.Shape, data)));
        Assert.Contains("visual.blocks.2.attn.qkv.bias needs attn_q, attn_k and attn_v; found only v.blk.2.attn_q.bias, v.blk.2.attn_v.bias", e.Message);
        e = Fails(Pair(mmprojTensors: (t, data) => t.Name == GgufNames.PatchEmbed1 ? null : (t.Name, t.Type, t.Shape, data)));
        Assert.Contains("v.patch_embd.weight.1 is missing", e.Message);
    }

    [Fact]
    public void Load_ProjectorOfAnotherModel_ComparesWidths()
    {
        ModelException e = Fails(Pair(mmproj: new() { ["clip.vision.projection_dim"] = GgufValue.Of(2048u) }));
        Assert.Contains("clip.vision.projection_dim' (2048) must equal the text model's embedding_length (64)", e.Message);
    }

    [Fact]
    public void Load_HuggingFaceFolderWithStrayGguf_StaysSafetensors()
    {
        string dir = Path.Combine(_dir, "hf");
        Directory.CreateDirectory(dir);
        foreach (string f in Directory.GetFiles(QwenVL.Testing.Fixtures.Model("qwen2-vl-tiny")))
        {
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }
        File.Copy(Source.Text, Path.Combine(dir, "stray.gguf"));
        Assert.Null(GgufModelFiles.TryLocate(dir));
        using VisionLanguageModel m = ModelRegistry.Load(dir);
        Assert.Equal("qwen2_vl", m.Info.ModelType);
    }
}
