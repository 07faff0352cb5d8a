// mmproj files written by llama.cpp's older qwen2_vl_surgery.py still circulate; they differ from
// convert_hf_to_gguf.py output in two ways llama.cpp itself tolerates: fc1/fc2 stored as ffn_down /
// ffn_up (swapped back when ffn_down's input width is the embedding width), and Qwen2.5-VL's full
// attention blocks listed in clip.vision.fullatt_block_indexes instead of n_wa_pattern.
using QwenVL.Checkpoints.Gguf;
using QwenVL.Models.Common;
using QwenVL.Models.Gguf;
using QwenVL.Models.Qwen25VL;

namespace QwenVL.Models.Tests.Gguf;

[Collection(GgufCollection.Name)]
public sealed class GgufLegacyFileTests(GgufModels models) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qwenvl-gguf-legacy-").FullName;

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

    private string CopyPair(GgufModelFiles source, Dictionary<string, GgufValue?>? mmproj = null,
        Func<GgufTensorInfo, byte[], (string, GgmlType, long[], byte[])?>? tensors = null)
    {
        File.Copy(source.Text, Path.Combine(_dir, Path.GetFileName(source.Text)));
        GgufEdit.Copy(source.Mmproj, Path.Combine(_dir, Path.GetFileName(source.Mmproj)), mmproj, tensors);
        return _dir;
    }

    [Fact]
    public void Load_Qwen2SurgeryNamesWithSwappedFfn_SameLogitsAsConverterNames()
    {
        GgufModelFiles files = models.Get("qwen2-vl-tiny", GgufFileType.BF16);
        string legacy = CopyPair(files, tensors: (t, data) =>
            (t.Name.Contains(".ffn_up.", StringComparison.Ordinal) ? t.Name.Replace(".ffn_up.", ".ffn_down.", StringComparison.Ordinal)
                : t.Name.Replace(".ffn_down.", ".ffn_up.", StringComparison.Ordinal), t.Type, t.Shape, data));
        using (GgufFile f = GgufFile.Open(Path.Combine(legacy, Path.GetFileName(files.Mmproj))))
        {
            Assert.Equal([64L, 128], f.GetInfo("v.blk.0.ffn_down.weight").Ne);   // really fc1: input width 64 = n_embd
            Assert.True(GgufConfig.FfnSwapped(f, 0));
        }
        Golden g = Golden.Load("qwen2-vl-tiny", "shapes_448x448");
        Assert.Equal(GgufModels.Logits(Path.GetDirectoryName(files.Text)!, g), GgufModels.Logits(legacy, g));
    }

    [Fact]
    public void Load_Qwen25FullAttentionListInsteadOfPattern_SameBlocks()
    {
        GgufModelFiles files = models.Get("qwen2.5-vl-tiny", GgufFileType.BF16);
        string legacy = CopyPair(files, mmproj: new()
        {
            ["clip.vision.n_wa_pattern"] = null,
            ["clip.vision.fullatt_block_indexes"] = GgufValue.Of([1, 3]),
        });
        ModelAssets assets = GgufAssets.Load(GgufModelFiles.TryLocate(legacy)!, legacy);
        Assert.Equal([1, 3], Qwen25VLVisionConfig.Parse(assets.Config, 64).FullAttentionBlocks);
        using GgufFile converted = GgufFile.Open(files.Mmproj);
        Assert.False(GgufConfig.FfnSwapped(converted, 0));
    }
}
