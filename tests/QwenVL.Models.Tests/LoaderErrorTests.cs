// A broken checkpoint fails at load with a ModelException that names the file and the key:
// missing files, unsupported model_type, bad config values, missing or mis-shaped tensors.
using System.Text.Json.Nodes;
using QwenVL.Checkpoints;

namespace QwenVL.Models.Tests;

public class LoaderErrorTests
{
    private static ModelException LoadFails(string dir) => Assert.Throws<ModelException>(() => ModelRegistry.Load(dir).Dispose());

    private static void EditConfig(TempCheckpoint c, Action<JsonObject> edit)
    {
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(c.File("config.json")))!;
        edit(json);
        File.WriteAllText(c.File("config.json"), json.ToJsonString());
    }

    [Fact]
    public void Load_MissingFolder_NamesFolder()
    {
        ModelException e = LoadFails("/nonexistent/qwen");
        Assert.Contains("/nonexistent/qwen", e.Message);
    }

    [Fact]
    public void Load_UnsupportedModelType_ListsSupported()
    {
        using var c = new TempCheckpoint();
        EditConfig(c, j => j["model_type"] = "llava");
        ModelException e = LoadFails(c.Dir);
        Assert.Contains("'llava'", e.Message);
        Assert.Contains("qwen2_5_vl", e.Message);
        Assert.Equal("model_type", e.Key);
        Assert.EndsWith("config.json", e.File);
    }

    [Fact]
    public void Load_WrongTypeInConfig_NamesKey()
    {
        using var c = new TempCheckpoint();
        EditConfig(c, j => j["num_attention_heads"] = "four");
        ModelException e = LoadFails(c.Dir);
        Assert.Contains("num_attention_heads", e.Message);
        Assert.Contains("must be an integer", e.Message);
    }

    [Fact]
    public void Load_MissingConfigJson_NamesFile()
    {
        using var c = new TempCheckpoint();
        File.Delete(c.File("config.json"));
        Assert.Contains("config.json", LoadFails(c.Dir).Message);
    }

    [Fact]
    public void Load_MissingTokenizer_NamesFile()
    {
        using var c = new TempCheckpoint();
        File.Delete(c.File("tokenizer.json"));
        Assert.Contains("tokenizer.json", LoadFails(c.Dir).Message);
    }

    [Fact]
    public void Load_TruncatedSafetensors_NamesFile()
    {
        using var c = new TempCheckpoint();
        using (var f = new FileStream(c.File("model.safetensors"), FileMode.Open))
        {
            f.SetLength(f.Length / 2);
        }
        ModelException e = LoadFails(c.Dir);
        Assert.Contains("model.safetensors", e.Message);
    }

    [Theory]
    [InlineData("model.layers.1.self_attn.k_proj.weight", false)]
    [InlineData("visual.blocks.2.mlp.gate_proj.bias", false)]
    [InlineData("model.norm.weight", true)]
    public void Load_MissingOrMisshapedTensor_NamesTensor(string victim, bool reshape)
    {
        using var c = new TempCheckpoint();
        RewriteWithout(c, victim, reshape);
        ModelException e = LoadFails(c.Dir);
        Assert.Contains(victim, e.Message);
        if (reshape)
        {
            Assert.Contains("shape", e.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Load_UntiedConfigWithoutLmHead_NamesLmHead()
    {
        using var c = new TempCheckpoint();
        EditConfig(c, j => j["tie_word_embeddings"] = false);
        Assert.Contains("lm_head.weight", LoadFails(c.Dir).Message);
    }

    [Fact]
    public void Load_ImageTokenIdDisagreesWithTokenizer_Throws()
    {
        using var c = new TempCheckpoint();
        EditConfig(c, j => j["image_token_id"] = 151654);
        ModelException e = LoadFails(c.Dir);
        Assert.Contains("image_token_id", e.Message);
        Assert.Contains("151655", e.Message);
    }

    /// <summary>Rewrites model.safetensors dropping (or reshaping to [1]) one tensor.</summary>
    private static void RewriteWithout(TempCheckpoint c, string victim, bool reshape)
    {
        string path = c.File("model.safetensors");
        var tensors = new List<TensorToWrite>();
        using (SafeTensorsFile file = SafeTensorsFile.Open(path))
        {
            foreach (SafeTensorInfo info in file.Tensors.Values)
            {
                if (info.Name == victim && !reshape)
                {
                    continue;
                }
                byte[] bytes = file.GetBytes(info.Name).ToArray();
                long[] shape = info.Name == victim ? [bytes.Length / 2] : info.Shape;
                if (info.Name == victim)
                {
                    bytes = bytes[..(bytes.Length / 2 * 2)];
                    shape = [1, bytes.Length / 2];
                }
                tensors.Add(TensorToWrite.FromBytes(info.Name, info.DType, shape, bytes));
            }
        }
        File.Delete(path);
        SafeTensorsWriter.Write(path, tensors);
    }
}
