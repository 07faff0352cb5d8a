// `qwenvl synth` output is a checkpoint the real loaders accept: every preset's manifest has the
// published parameter count, and the tiny presets load and generate.
using QwenVL.Engine;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Models.Synthetic;
using QwenVL.Tensors;

namespace QwenVL.Models.Tests;

public class SyntheticTests
{
    [Theory]
    [InlineData("qwen2.5-vl-3b", 3.75e9, 0.02)]   // Qwen2.5-VL-3B-Instruct: 3.75 B parameters
    [InlineData("qwen2.5-vl-7b", 8.29e9, 0.02)]   // Qwen2.5-VL-7B-Instruct: 8.29 B
    [InlineData("qwen2-vl-2b", 2.21e9, 0.02)]     // Qwen2-VL-2B-Instruct: 2.21 B
    [InlineData("qwen2-vl-7b", 8.29e9, 0.02)]     // Qwen2-VL-7B-Instruct: 8.29 B
    public void Manifest_PublishedPreset_HasPublishedParameterCount(string preset, double published, double tolerance)
    {
        long count = SyntheticManifest.For(SyntheticPreset.Get(preset)).Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
        Assert.InRange(count, published * (1 - tolerance), published * (1 + tolerance));
    }

    [Theory]
    [InlineData("qwen2.5-vl-tiny")]
    [InlineData("qwen2-vl-tiny")]
    public async Task Write_TinyPreset_LoadsAndGenerates(string preset)
    {
        string dir = Directory.CreateTempSubdirectory("qwenvl-synth-").FullName;
        try
        {
            SyntheticCheckpoint.Write(SyntheticPreset.Get(preset), dir, seed: 7, DType.BF16);
            using InferenceEngine engine = InferenceEngine.Load(dir);
            Assert.Equal(preset.StartsWith("qwen2.5", StringComparison.Ordinal) ? "qwen2_5_vl" : "qwen2_vl", engine.Model.Info.ModelType);
            byte[] png = File.ReadAllBytes(QwenVL.Testing.Fixtures.Path("images", "shapes_448x448.png"));
            var conversation = new Conversation([new ChatMessage("user", [new ImagePart(new ImageInput(png, "shapes")), new TextPart("Describe.")])]);
            GenerationResult r = await engine.CompleteAsync(conversation, new GenerationOptions { MaxTokens = 4, Temperature = 0 });
            Assert.Equal(4, r.TokenIds.Count);
            Assert.Equal([256], r.Stats.ImageTokens);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Write_SameSeed_SameBytes()
    {
        string a = Directory.CreateTempSubdirectory("qwenvl-synth-").FullName;
        string b = Directory.CreateTempSubdirectory("qwenvl-synth-").FullName;
        try
        {
            SyntheticCheckpoint.Write(SyntheticPreset.Get("qwen2-vl-tiny"), a, 3, DType.F32);
            SyntheticCheckpoint.Write(SyntheticPreset.Get("qwen2-vl-tiny"), b, 3, DType.F32);
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, "model.safetensors")), File.ReadAllBytes(Path.Combine(b, "model.safetensors")));
        }
        finally
        {
            Directory.Delete(a, true);
            Directory.Delete(b, true);
        }
    }
}
