// The non-tensor parts read back from GGUF metadata equal what the Hugging Face folder gives: the
// tokenizer (every golden tokenizer case: ids, token strings, decoded text; the added tokens), the
// parsed text and vision configs, the preprocessor, the chat template and the stop ids.
using System.Text.Json;
using QwenVL.Models.Common;
using QwenVL.Models.Gguf;
using QwenVL.Models.Qwen25VL;
using QwenVL.Models.Qwen2VL;
using QwenVL.Models.Text;
using QwenVL.Testing;

namespace QwenVL.Models.Tests.Gguf;

[Collection(GgufCollection.Name)]
public sealed class GgufAssetsTests(GgufModels models)
{
    private sealed record Case(string Text, int[] Ids, string[] Tokens, string Decoded);

    private static readonly Lazy<List<Case>> Cases = new(() =>
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(Fixtures.Path("golden", "tokenizer_cases.json")));
        return [.. doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new Case(c.GetProperty("text").GetString()!,
            [.. c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32())],
            [.. c.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()!)], c.GetProperty("decoded").GetString()!))];
    });

    private ModelAssets Gguf(string model) => GgufAssets.Load(models.Get(model, GgufFileType.BF16), models.Folder(model, GgufFileType.BF16));

    [Theory]
    [InlineData("qwen2.5-vl-tiny")]
    [InlineData("qwen2-vl-tiny")]
    public void Tokenizer_GoldenCases_SameIdsTokensAndTextAsTokenizerJson(string model)
    {
        var tokenizer = Gguf(model).Tokenizer;
        Assert.Equal(24, Cases.Value.Count);
        foreach (Case c in Cases.Value)
        {
            Assert.Equal(c.Ids, tokenizer.Encode(c.Text));
            Assert.Equal(c.Tokens, c.Ids.Select(id => tokenizer.IdToToken(id)!));
            Assert.Equal(c.Decoded, tokenizer.Decode(c.Ids));
        }
    }

    [Fact]
    public void Tokenizer_AddedTokensAndVocabSize_EqualTokenizerJson()
    {
        var hf = ModelAssets.Load(Fixtures.Model("qwen2.5-vl-tiny")).Tokenizer;
        var gguf = Gguf("qwen2.5-vl-tiny").Tokenizer;
        Assert.Equal(hf.VocabSize, gguf.VocabSize);   // 151665: the [PADn] rows are left out
        Assert.Equal(hf.AddedTokens.Select(t => (t.Id, t.Content)), gguf.AddedTokens.Select(t => (t.Id, t.Content)));
        // llama.cpp marks "<|...|>" added tokens CONTROL even where tokenizer.json says special: false
        // (<|fim_prefix|> ... <|file_sep|>); only <tool_call> and </tool_call> stay USER_DEFINED.
        Assert.Equal(hf.AddedTokens.Where(t => t.Special || t.Content.StartsWith("<|", StringComparison.Ordinal)).Select(t => t.Id),
            gguf.AddedTokens.Where(t => t.Special).Select(t => t.Id));
        Assert.True(gguf.IsSpecial(151645));
        Assert.False(gguf.IsKnownId(151700));
    }

    [Theory]
    [InlineData("qwen2.5-vl-tiny")]
    [InlineData("qwen2-vl-tiny")]
    public void Config_TextAndVisionDimensions_EqualConfigJson(string model)
    {
        ModelAssets hf = ModelAssets.Load(Fixtures.Model(model)), gguf = Gguf(model);
        Assert.Equal(hf.ModelType, gguf.ModelType);
        Qwen2TextConfig a = Qwen2TextConfig.Parse(hf.Config), b = Qwen2TextConfig.Parse(gguf.Config);
        Assert.Equal(a.MRopeSection, b.MRopeSection);
        Assert.Equal(a with { MRopeSection = [] }, b with { MRopeSection = [] });
        if (model == "qwen2.5-vl-tiny")
        {
            Qwen25VLVisionConfig va = Qwen25VLVisionConfig.Parse(hf.Config, 64), vb = Qwen25VLVisionConfig.Parse(gguf.Config, 64);
            Assert.Equal([1, 3], vb.FullAttentionBlocks);
            Assert.Equal(va with { FullAttentionBlocks = [] }, vb with { FullAttentionBlocks = [] });
        }
        else
        {
            Assert.Equal(Qwen2VLVisionConfig.Parse(hf.Config, 64), Qwen2VLVisionConfig.Parse(gguf.Config, 64));
        }
    }

    [Theory]
    [InlineData("qwen2.5-vl-tiny")]
    [InlineData("qwen2-vl-tiny")]
    public void Assets_PreprocessorTemplateAndStops_EqualTheFolders(string model)
    {
        ModelAssets hf = ModelAssets.Load(Fixtures.Model(model)), gguf = Gguf(model);
        var (p, q) = (hf.Preprocessor, gguf.Preprocessor);
        Assert.Equal((p.PatchSize, p.TemporalPatchSize, p.MergeSize, p.RescaleFactor, p.MinPixels, p.MaxPixels),
            (q.PatchSize, q.TemporalPatchSize, q.MergeSize, q.RescaleFactor, q.MinPixels, q.MaxPixels));
        Assert.Equal(p.Mean, q.Mean);
        Assert.Equal(p.Std, q.Std);
        Assert.Equal(hf.Template!.Source, gguf.Template!.Source);
        Assert.Equal([151645, 151643], gguf.Generation.EosTokenIds);
        Assert.Equal(hf.Generation.EosTokenIds, gguf.Generation.EosTokenIds);
        Assert.False(gguf.Generation.DoSample);
        Assert.Equal(models.Get(model, GgufFileType.BF16).Text, gguf.TokenizerPath);
    }
}
