// Constrained decoding on the tiny random-weight checkpoint: the model is noise, so only the constraint
// can make its output valid. 6 schemas x 20 seeds at temperature 1.0; every reply must parse with
// System.Text.Json and pass SchemaValidator, and finish with "stop" because max_tokens is set to the
// schema's byte bound (SchemaValidator.MaxBytes). Also: json_object, greedy, and a too-small budget.
using System.Text.Json;
using QwenVL.Engine.Constraints;
using QwenVL.Engine.Conversations;
using QwenVL.Engine.Generation;
using QwenVL.Testing;
using Xunit.Abstractions;

namespace QwenVL.Engine.Tests.Constraints;

public sealed class ConstrainedGenerationTests(ITestOutputHelper output) : IDisposable
{
    // All 20 seeds of a schema decode in one batch (the default batch of 4 would take 5 times as many steps).
    private readonly InferenceEngine _engine = InferenceEngine.Load(Fixtures.Model("qwen2-vl-tiny"), null,
        new EngineOptions { MaxBatch = 20, MinSessionCapacity = 256 });

    public void Dispose() => _engine.Dispose();

    private static Conversation Ask(string text) => new([ChatMessage.FromText("user", text)]);

    public static TheoryData<string, string> Schemas => new()
    {
        { "required", """{"type":"object","properties":{"name":{"type":"string","maxLength":6},"age":{"type":"integer","minimum":0,"maximum":130},"ok":{"type":"boolean"}},"required":["name","age","ok"],"additionalProperties":false}""" },
        { "array", """{"type":"array","items":{"type":"integer","minimum":-3,"maximum":3},"minItems":1,"maxItems":4}""" },
        { "enum", """{"type":"object","properties":{"color":{"enum":["red","green","蓝色"]},"size":{"enum":[1,12,null]}},"required":["color","size"]}""" },
        { "numbers", """{"type":"object","properties":{"i":{"type":"integer","minimum":100,"maximum":250},"x":{"type":"number","minimum":-1.5,"maximum":2.25}},"required":["i","x"]}""" },
        { "nested", """{"type":"object","properties":{"box":{"type":"object","properties":{"label":{"type":"string","maxLength":4},"bbox":{"type":"array","items":{"type":"integer","minimum":0,"maximum":1000},"minItems":4,"maxItems":4}},"required":["label","bbox"]},"tags":{"type":"array","items":{"type":"string","maxLength":3},"maxItems":2}},"required":["box"]}""" },
        { "text", """{"type":"object","properties":{"quote":{"type":"string","minLength":1,"maxLength":8},"zh":{"anyOf":[{"type":"string","maxLength":5},{"type":"integer","minimum":0,"maximum":9}]}},"required":["quote","zh"]}""" },
    };

    [Theory]
    [MemberData(nameof(Schemas))]
    public async Task Generate_Schema_EverySeedParsesValidatesAndStops(string name, string schemaText)
    {
        using JsonDocument schema = JsonDocument.Parse(schemaText);
        int bound = SchemaValidator.MaxBytes(schema.RootElement);
        var format = JsonResponseFormat.FromSchema(schema.RootElement, name);
        var runs = Enumerable.Range(0, 20).Select(seed => _engine.CompleteAsync(Ask("Reply in JSON."),
            new GenerationOptions { ResponseFormat = format, Temperature = 1.0f, TopP = 1f, TopK = 0, Seed = seed, MaxTokens = bound })).ToArray();
        GenerationResult[] results = await Task.WhenAll(runs);
        for (int seed = 0; seed < results.Length; seed++)
        {
            GenerationResult r = results[seed];
            if (seed < 3)
            {
                output.WriteLine($"{name} seed {seed}: {r.TokenIds.Count} tokens, {r.FinishReason}: {r.Text}");
            }
            Assert.True(r.FinishReason == FinishReason.Stop, $"{name} seed {seed} ended by {r.FinishReason} within {bound} tokens: {r.Text}");
            using JsonDocument doc = JsonDocument.Parse(r.Text);
            List<string> errors = SchemaValidator.Validate(doc.RootElement, schema.RootElement);
            Assert.True(errors.Count == 0, $"{name} seed {seed}: {r.Text}: {string.Join("; ", errors)}");
        }
    }

    [Fact]
    public async Task Generate_JsonObject_ReturnsAnObjectOrAValidPrefix()
    {
        GenerationResult[] results = await Task.WhenAll(Enumerable.Range(0, 10).Select(seed => _engine.CompleteAsync(Ask("JSON please"),
            new GenerationOptions { ResponseFormat = JsonResponseFormat.JsonObject, Temperature = 1.0f, Seed = seed, MaxTokens = 40 })));
        foreach (GenerationResult r in results)
        {
            output.WriteLine($"json_object: {r.FinishReason} {r.Text.Replace("\n", "\\n", StringComparison.Ordinal)}");
            if (r.FinishReason == FinishReason.Stop)
            {
                Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(r.Text).RootElement.ValueKind);
            }
            else
            {
                // Free strings have no length bound: a run may use up max_tokens; its text is then a valid prefix.
                Assert.Equal(FinishReason.Length, r.FinishReason);
                Assert.True(new JsonMatcher(JsonResponseFormat.JsonObject).Feed(r.Text), r.Text);
            }
        }
        Assert.Contains(results, r => r.FinishReason == FinishReason.Stop);
    }

    [Fact]
    public async Task Generate_BudgetTooSmall_EndsByLengthWithAValidPrefix()
    {
        var format = JsonResponseFormat.FromSchemaText("""{"type":"array","items":{"type":"string","minLength":5,"maxLength":5},"minItems":3,"maxItems":3}""", "t");
        GenerationResult r = await _engine.CompleteAsync(Ask("x"), new GenerationOptions { ResponseFormat = format, Temperature = 0, MaxTokens = 2 });
        Assert.Equal(FinishReason.Length, r.FinishReason);
        Assert.Equal(2, r.TokenIds.Count);
        var m = new JsonMatcher(format);
        Assert.True(m.Feed(r.Text), r.Text);
        Assert.False(m.CanFinish);
    }

    [Fact]
    public async Task Generate_Greedy_IsDeterministicAndValid()
    {
        var format = JsonResponseFormat.FromSchemaText("""{"type":"object","properties":{"n":{"type":"integer","minimum":1,"maximum":9}},"required":["n"]}""", "t");
        var options = new GenerationOptions { ResponseFormat = format, Temperature = 0, MaxTokens = 40 };
        GenerationResult a = await _engine.CompleteAsync(Ask("x"), options);
        GenerationResult b = await _engine.CompleteAsync(Ask("x"), options);
        Assert.Equal(a.TokenIds, b.TokenIds);
        Assert.Equal(FinishReason.Stop, a.FinishReason);
        int n = JsonDocument.Parse(a.Text).RootElement.GetProperty("n").GetInt32();
        Assert.InRange(n, 1, 9);
    }
}
