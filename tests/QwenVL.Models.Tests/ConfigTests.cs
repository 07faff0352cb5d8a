// config.json layouts: legacy flat keys, nested text_config (keys falling back to the root), and
// transformers v5's rope_parameters with rope_theta inside; bad values name the key.
using System.Text.Json.Nodes;
using QwenVL.Models.Common;
using QwenVL.Models.Text;

namespace QwenVL.Models.Tests;

public class ConfigTests
{
    private static Qwen2TextConfig Parse(string json) =>
        Qwen2TextConfig.Parse(new ConfigReader((JsonObject)JsonNode.Parse(json)!, "config.json"));

    [Fact]
    public void Parse_FlatLegacyLayout_ReadsRootKeys()
    {
        Qwen2TextConfig c = Parse("""
            {"hidden_size":2048,"num_hidden_layers":36,"num_attention_heads":16,"num_key_value_heads":2,"intermediate_size":11008,
             "vocab_size":151936,"rms_norm_eps":1e-6,"rope_theta":1000000.0,"rope_scaling":{"type":"mrope","mrope_section":[16,24,24]},
             "tie_word_embeddings":true,"max_position_embeddings":128000}
            """);
        Assert.Equal((2048, 36, 16, 2, 128, 11008), (c.HiddenSize, c.NumLayers, c.NumHeads, c.NumKvHeads, c.HeadDim, c.IntermediateSize));
        Assert.Equal([16, 24, 24], c.MRopeSection);
        Assert.True(c.TieWordEmbeddings);
        Assert.Equal(128000, c.MaxPositionEmbeddings);
        Assert.Equal(1e6, c.RopeTheta);
    }

    [Fact]
    public void Parse_NestedV5Layout_ReadsTextConfigAndRopeParameters()
    {
        Qwen2TextConfig c = Parse("""
            {"model_type":"qwen2_5_vl","tie_word_embeddings":false,
             "text_config":{"hidden_size":3584,"num_hidden_layers":28,"num_attention_heads":28,"num_key_value_heads":4,"intermediate_size":18944,
               "vocab_size":152064,"rms_norm_eps":1e-6,"rope_parameters":{"rope_type":"default","rope_theta":500000.0,"mrope_section":[16,24,24]}}}
            """);
        Assert.Equal(3584, c.HiddenSize);
        Assert.Equal(500000.0, c.RopeTheta);
        Assert.Equal(152064, c.VocabSize);
        Assert.False(c.TieWordEmbeddings);
        Assert.Equal(32768, c.MaxPositionEmbeddings);
    }

    [Theory]
    [InlineData("""{"hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":128,"vocab_size":10,"rope_scaling":{"mrope_section":[2,3,4]}}""", "mrope_section")]
    [InlineData("""{"hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":3,"intermediate_size":128,"vocab_size":10,"rope_scaling":{"mrope_section":[2,3,3]}}""", "num_key_value_heads")]
    [InlineData("""{"hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":128,"vocab_size":10}""", "mrope_section")]
    [InlineData("""{"hidden_size":64,"num_attention_heads":4,"intermediate_size":128,"vocab_size":10,"rope_scaling":{"mrope_section":[2,3,3]}}""", "num_hidden_layers")]
    public void Parse_InvalidConfig_NamesKey(string json, string key)
    {
        var e = Assert.Throws<ModelException>(() => Parse(json));
        Assert.Contains(key, e.Message);
        Assert.Contains("config.json", e.Message);
    }
}
