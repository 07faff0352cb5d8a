// Reads one golden case (golden/<model>/<case>.json plus its .f32 dumps) for the parity tests.
using System.Text.Json.Nodes;
using QwenVL.Testing;

namespace QwenVL.Models.Tests;

/// <summary>A golden reference case.</summary>
public sealed class Golden
{
    private Golden(string model, string name, JsonObject json)
    {
        Model = model;
        Name = name;
        Json = json;
    }

    public string Model { get; }

    public string Name { get; }

    public JsonObject Json { get; }

    public static IEnumerable<object[]> Cases =>
        from m in new[] { "qwen2.5-vl-tiny", "qwen2-vl-tiny" }
        from c in new[] { "shapes_448x448", "chart_812x420" }
        select new object[] { m, c };

    public static Golden Load(string model, string name)
    {
        string path = Fixtures.Path("golden", model, name + ".json");
        return new Golden(model, name, (JsonObject)JsonNode.Parse(File.ReadAllText(path))!);
    }

    public string ModelDir => Fixtures.Model(Model);

    public string MessagesFile => Fixtures.Path("messages", Name + ".json");

    public string ImageFile => Fixtures.Path(Json["image_file"]!.GetValue<string>());

    public int[] InputIds => Ints(Json["input_ids"]!);

    public int[] GreedyIds => Ints(Json["greedy"]!["token_ids"]!);

    public int[] Grid => Ints(Json["image_grid_thw"]![0] is JsonArray ? Json["image_grid_thw"]![0]! : Json["image_grid_thw"]!);

    public int RopeDelta => Json["rope_deltas"] is JsonArray a ? Ints(a.Flatten())[0] : Json["rope_deltas"]!.GetValue<int>();

    public int[][] PositionIds => [.. Json["position_ids"]!.AsArray().Select(a => Ints(a!))];

    public float[] Dump(string key) => Fixtures.ReadF32(Fixtures.Path(Json["binary_dumps"]![key]!["file"]!.GetValue<string>()));

    public static int[] Ints(JsonNode node) => [.. node.AsArray().Select(n => n!.GetValue<int>())];
}

internal static class JsonNodeExtensions
{
    public static JsonArray Flatten(this JsonArray a)
    {
        var result = new JsonArray();
        foreach (JsonNode? n in a)
        {
            if (n is JsonArray inner)
            {
                foreach (JsonNode? x in inner.Flatten())
                {
                    result.Add(x?.DeepClone());
                }
            }
            else
            {
                result.Add(n?.DeepClone());
            }
        }
        return result;
    }
}
