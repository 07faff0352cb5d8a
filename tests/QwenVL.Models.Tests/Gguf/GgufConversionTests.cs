// The converter writes what llama.cpp's convert_hf_to_gguf.py writes for these checkpoints: the
// qwen2vl / clip metadata keys and values, llama.cpp tensor names with ne innermost first, the
// split QKV and patch kernels, the per-tensor types of each file type, and the padded vocabulary.
using QwenVL.Checkpoints.Gguf;
using QwenVL.Models.Gguf;

namespace QwenVL.Models.Tests.Gguf;

[Collection(GgufCollection.Name)]
public sealed class GgufConversionTests(GgufModels models)
{
    [Theory]
    [InlineData("qwen2.5-vl-tiny", 128000)]
    [InlineData("qwen2-vl-tiny", 32768)]
    public void Convert_TextFile_HasQwen2VLMetadata(string model, long context)
    {
        using GgufFile f = GgufFile.Open(models.Get(model, GgufFileType.BF16).Text);
        GgufMetadata m = f.Metadata;
        Assert.Equal(("qwen2vl", "model"), (m.String("general.architecture"), m.String("general.type")));
        Assert.Equal([2L, 64, 128, 4, 2, context, 32],
            new[] { "qwen2vl.block_count", "qwen2vl.embedding_length", "qwen2vl.feed_forward_length", "qwen2vl.attention.head_count",
                "qwen2vl.attention.head_count_kv", "qwen2vl.context_length", "general.file_type" }.Select(k => m.Integer(k)!.Value));
        Assert.Equal(GgufValueType.UInt32, m.Get("qwen2vl.block_count")!.Type);
        Assert.Equal(1e6, m.Number("qwen2vl.rope.freq_base"));
        Assert.Equal(1e-6f, (float)m.Number("qwen2vl.attention.layer_norm_rms_epsilon")!.Value);
        Assert.Equal([2L, 3, 3, 0], m.IntegerArray("qwen2vl.rope.dimension_sections")!);
        Assert.Equal(("gpt2", "qwen2"), (m.String("tokenizer.ggml.model"), m.String("tokenizer.ggml.pre")));
        Assert.Equal([151645L, 151643, 151643], new[] { "eos", "padding", "bos" }.Select(k => m.Integer($"tokenizer.ggml.{k}_token_id")!.Value));
        Assert.False(m.Bool("tokenizer.ggml.add_bos_token"));
        Assert.StartsWith("{% set image_count = namespace(value=0) %}", m.String("tokenizer.chat_template"));
    }

    [Theory]
    [InlineData("qwen2.5-vl-tiny")]
    [InlineData("qwen2-vl-tiny")]
    public void Convert_Vocabulary_PaddedToEmbeddingRowsWithLlamaCppTokenTypes(string model)
    {
        using GgufFile f = GgufFile.Open(models.Get(model, GgufFileType.BF16).Text);
        string[] tokens = f.Metadata.StringArray("tokenizer.ggml.tokens")!;
        long[] types = f.Metadata.IntegerArray("tokenizer.ggml.token_type")!;
        Assert.Equal(151936, tokens.Length);
        Assert.Equal(("!", 1L), (tokens[0], types[0]));                              // NORMAL
        Assert.Equal(("<|endoftext|>", 3L), (tokens[151643], types[151643]));      // CONTROL (special)
        Assert.Equal(("<tool_call>", 4L), (tokens[151657], types[151657]));        // USER_DEFINED
        Assert.Equal(("<|fim_prefix|>", 3L), (tokens[151659], types[151659]));     // not special, but looks special
        Assert.Equal(("[PAD151665]", 5L), (tokens[151665], types[151665]));        // UNUSED padding row
        string[] merges = f.Metadata.StringArray("tokenizer.ggml.merges")!;
        Assert.Equal(151387, merges.Length);
        Assert.Equal("Ġ Ġ", merges[0]);
    }

    [Fact]
    public void Convert_TextTensors_LlamaCppNamesShapesAndBF16Types()
    {
        using GgufFile f = GgufFile.Open(models.Get("qwen2.5-vl-tiny", GgufFileType.BF16).Text);
        string[] perLayer = ["attn_norm.weight", "attn_q.weight", "attn_q.bias", "attn_k.weight", "attn_k.bias", "attn_v.weight", "attn_v.bias",
            "attn_output.weight", "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight"];
        string[] expected = ["token_embd.weight", "output_norm.weight", .. Enumerable.Range(0, 2).SelectMany(i => perLayer.Select(n => $"blk.{i}.{n}"))];
        Assert.Equal(expected.Order(), f.Tensors.Select(t => t.Name).Order());   // tied: no output.weight
        Assert.Equal([64L, 151936], f.GetInfo("token_embd.weight").Ne);
        Assert.Equal([128L, 64], f.GetInfo("blk.0.ffn_down.weight").Ne);
        Assert.Equal([64L, 32], f.GetInfo("blk.1.attn_k.weight").Ne);
        Assert.Equal(GgmlType.BF16, f.GetInfo("blk.0.ffn_down.weight").Type);
        Assert.Equal(GgmlType.F32, f.GetInfo("blk.0.attn_q.bias").Type);
        Assert.Equal(GgmlType.F32, f.GetInfo("blk.0.attn_norm.weight").Type);
        Assert.Equal(GgmlType.F32, f.GetInfo("output_norm.weight").Type);
    }

    [Fact]
    public void Convert_Qwen25Mmproj_ClipMetadataAndSplitTensors()
    {
        using GgufFile f = GgufFile.Open(models.Get("qwen2.5-vl-tiny", GgufFileType.BF16).Mmproj);
        GgufMetadata m = f.Metadata;
        Assert.Equal(("clip", "mmproj", "qwen2.5vl_merger"), (m.String("general.architecture"), m.String("general.type"), m.String("clip.projector_type")));
        Assert.Equal([64L, 64, 128, 4, 4, 14, 560, 2],
            new[] { "clip.vision.projection_dim", "clip.vision.embedding_length", "clip.vision.feed_forward_length", "clip.vision.block_count",
                "clip.vision.attention.head_count", "clip.vision.patch_size", "clip.vision.image_size", "clip.vision.n_wa_pattern" }.Select(k => m.Integer(k)!.Value));
        Assert.True(m.Bool("clip.has_vision_encoder"));
        Assert.True(m.Bool("clip.use_silu"));
        Assert.Equal(0.48145466f, (float)m.NumberArray("clip.vision.image_mean")![0]);
        Assert.Equal(GgufValueType.Float32, m.Get("clip.vision.image_std")!.ElementType);
        Assert.Equal([14L, 14, 3, 64], f.GetInfo("v.patch_embd.weight").Ne);
        Assert.Equal([14L, 14, 3, 64], f.GetInfo("v.patch_embd.weight.1").Ne);
        Assert.Equal(GgmlType.F32, f.GetInfo("v.patch_embd.weight.1").Type);  // forced F32 unless the file is F16
        foreach (string part in new[] { "q", "k", "v" })
        {
            Assert.Equal([64L, 64], f.GetInfo($"v.blk.3.attn_{part}.weight").Ne);
            Assert.Equal(GgmlType.BF16, f.GetInfo($"v.blk.3.attn_{part}.weight").Type);
            Assert.Equal([64L], f.GetInfo($"v.blk.3.attn_{part}.bias").Ne);
        }
        Assert.Equal([128L, 64], f.GetInfo("v.blk.0.ffn_down.weight").Ne);
        Assert.Equal([256L, 256], f.GetInfo("mm.0.weight").Ne);
        Assert.Equal([256L, 64], f.GetInfo("mm.2.weight").Ne);
        Assert.True(f.Contains("v.post_ln.weight") && f.Contains("v.blk.0.ffn_gate.bias") && f.Contains("v.blk.0.ln2.weight"));
        Assert.Equal(7 + 4 * 16, f.Tensors.Count);   // patch x2, post_ln, mm.0 and mm.2 (w, b); 16 per block
    }

    [Fact]
    public void Convert_Qwen2Mmproj_FeedForwardLengthIsTheMergerWidthAsInLlamaCpp()
    {
        // convert_hf_to_gguf.py renames Qwen2-VL's embed_dim -> hidden_size and hidden_size -> intermediate_size.
        GgufModelFiles files = models.Get("qwen2-vl-tiny", GgufFileType.F16);
        using GgufFile f = GgufFile.Open(files.Mmproj);
        Assert.Equal("qwen2vl_merger", f.Metadata.String("clip.projector_type"));
        Assert.Equal(64L, f.Metadata.Integer("clip.vision.feed_forward_length"));
        Assert.Null(f.Metadata.Get("clip.vision.n_wa_pattern"));
        Assert.Equal([64L, 128], f.GetInfo("v.blk.0.ffn_up.weight").Ne);     // mlp.fc1: the real MLP width is 128
        Assert.Equal([128L, 64], f.GetInfo("v.blk.0.ffn_down.weight").Ne);   // mlp.fc2
        Assert.True(f.Contains("v.blk.0.ln1.bias") && f.Contains("v.post_ln.bias"));
        Assert.Equal(GgmlType.F16, f.GetInfo("v.patch_embd.weight").Type);   // F16 file: patch kernels F16 too
        Assert.Equal(GgmlType.F16, f.GetInfo("mm.0.weight").Type);
        Assert.Equal(1L, f.Metadata.Integer("general.file_type"));
    }

    [Fact]
    public void Convert_Q8_0_MatricesQ8AndPatchKernelsF32()
    {
        GgufModelFiles files = models.Get("qwen2.5-vl-tiny", GgufFileType.Q8_0);
        using GgufFile text = GgufFile.Open(files.Text);
        using GgufFile mmproj = GgufFile.Open(files.Mmproj);
        Assert.Equal(GgmlType.Q8_0, text.GetInfo("token_embd.weight").Type);
        Assert.Equal(64L / 32 * 34 * 151936, text.GetInfo("token_embd.weight").ByteLength);
        Assert.Equal(GgmlType.Q8_0, mmproj.GetInfo("v.blk.0.attn_q.weight").Type);
        Assert.Equal(GgmlType.F32, mmproj.GetInfo("v.patch_embd.weight").Type);
        Assert.Equal(GgmlType.F32, mmproj.GetInfo("v.blk.0.attn_q.bias").Type);
        Assert.Equal(7L, text.Metadata.Integer("general.file_type"));
    }

    [Theory]
    [InlineData("blk.0.ffn_down.weight", new long[] { 2048, 11008 }, GgufFileType.Q8_0, false, GgmlType.Q8_0)]
    [InlineData("v.blk.0.ffn_down.weight", new long[] { 1280, 3420 }, GgufFileType.Q8_0, false, GgmlType.F16)] // 3420 % 32 != 0
    [InlineData("v.patch_embd.weight", new long[] { 1280, 3, 14, 14 }, GgufFileType.BF16, true, GgmlType.F32)]
    [InlineData("v.patch_embd.weight.1", new long[] { 1280, 3, 14, 14 }, GgufFileType.F16, true, GgmlType.F16)]
    [InlineData("blk.0.attn_norm.weight", new long[] { 2048 }, GgufFileType.BF16, false, GgmlType.F32)]
    [InlineData("output_norm.weight", new long[] { 2048 }, GgufFileType.F16, false, GgmlType.F32)]
    [InlineData("token_embd.weight", new long[] { 151936, 2048 }, GgufFileType.F32, false, GgmlType.F32)]
    public void TargetType_LlamaCppRules_PicksTheConvertersType(string name, long[] shape, GgufFileType type, bool patch, GgmlType expected) =>
        Assert.Equal(expected, GgufConverter.TargetType(name, shape, type, patch));

    [Fact]
    public void Names_EveryFixtureTensor_MapsBothWays()
    {
        foreach ((string hf, bool qwen25) in new[] { ("model.layers.1.self_attn.o_proj.weight", true), ("visual.blocks.2.mlp.fc2.bias", false),
            ("visual.blocks.2.mlp.gate_proj.weight", true), ("visual.merger.mlp.2.bias", true), ("lm_head.weight", false), ("model.norm.weight", true) })
        {
            string gguf = GgufNames.HfToGguf(hf, qwen25)!;
            Assert.Equal(hf, GgufNames.GgufToHf(gguf, qwen25));
        }
        Assert.Equal("blk.1.attn_output.weight", GgufNames.HfToGguf("model.layers.1.self_attn.o_proj.weight", true));
        Assert.Equal("v.blk.2.ffn_down.bias", GgufNames.HfToGguf("visual.blocks.2.mlp.fc2.bias", false));
        Assert.Null(GgufNames.HfToGguf("visual.blocks.2.mlp.fc2.bias", true));                // not a Qwen2.5-VL tensor
        Assert.Equal(("visual.blocks.7.attn.qkv.bias", 2), GgufNames.VisionQkvPart("v.blk.7.attn_v.bias"));
        Assert.Null(GgufNames.VisionQkvPart("v.blk.7.attn_out.bias"));
    }
}
