// What the ground, annotate and ocr commands share: parsing --resized WxH and --family, picking the
// image frame, printing an AnnotationSet (one JSON object, or one line per item), writing skip reasons
// and the font warning to stderr, and rendering --out PNG. It deliberately holds no model code.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using QwenVL.Grounding;
using QwenVL.Grounding.Rendering;
using QwenVL.Imaging;

namespace QwenVL.Cli.Commands.Grounding;

/// <summary>Shared helpers of the grounding commands.</summary>
public static class GroundingOutput
{
    /// <summary>Parses "--resized 1036x756" (width x height).</summary>
    public static (int Width, int Height) ParseSize(string value, string option)
    {
        string[] parts = value.Split('x', 'X', '*');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            && w > 0 && h > 0)
        {
            return (w, h);
        }
        throw new CliUsageException($"{option} must be WIDTHxHEIGHT in pixels, e.g. 1036x756; got '{value}'");
    }

    /// <summary>Parses --family.</summary>
    public static ModelFamily ParseFamily(string? value) =>
        ModelFamilies.TryParse(value) ?? throw new CliUsageException(
            $"--family must be one of {string.Join(", ", ModelFamilies.Names)}; got '{value}'");

    /// <summary>The family of a loaded model's config.json model_type.</summary>
    public static ModelFamily FamilyOfModel(string modelType) =>
        ModelFamilies.TryParse(modelType) ?? throw new CliUsageException(
            $"model_type '{modelType}' has no known grounding convention (expected qwen2_vl, qwen2_5_vl or qwen3_vl)");

    /// <summary>Prints the annotations: the issue's JSON object with <paramref name="json"/>, else one line per item.</summary>
    public static void Print(AnnotationSet set, bool json)
    {
        if (json)
        {
            Console.Out.WriteLine(AnnotationJson.ToJson(set).ToJsonString(CliJson.Options));
        }
        else
        {
            foreach (AnnotatedBox b in set.Boxes)
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"box   {Quote(b.Label)} [{b.X1:0.#}, {b.Y1:0.#}, {b.X2:0.#}, {b.Y2:0.#}]"));
            }
            foreach (AnnotatedPoint p in set.Points)
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"point {Quote(p.Label)} [{p.X:0.#}, {p.Y:0.#}]"));
            }
            foreach (AnnotatedQuad q in set.Quads)
            {
                Console.Out.WriteLine($"quad  {Quote(q.Label)} [{string.Join(", ", q.Coordinates.Select(c => c.ToString("0.#", CultureInfo.InvariantCulture)))}]");
            }
            if (!set.Any)
            {
                Console.Out.WriteLine("no boxes, points or quads found");
            }
        }
        foreach (string reason in set.SkipReasons)
        {
            Console.Error.WriteLine("qwenvl: skipped: " + reason);
        }
    }

    /// <summary>Draws <paramref name="set"/> on <paramref name="image"/> into <paramref name="outPath"/>; warns once on stderr when labels lack glyphs.</summary>
    public static void Render(RgbImage image, AnnotationSet set, string outPath, string? fontFile)
    {
        IEnumerable<string> labels = set.Boxes.Select(b => b.Label).Concat(set.Points.Select(p => p.Label)).Concat(set.Quads.Select(q => q.Label));
        ResolvedFont font = FontResolver.Resolve(fontFile, labels);
        if (font.Warning is not null)
        {
            Console.Error.WriteLine("qwenvl: warning: " + font.Warning);
        }
        byte[] png = AnnotationRenderer.RenderPng(image, set, new RenderOptions(font.Typeface));
        string? dir = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (dir is not null && !Directory.Exists(dir))
        {
            throw new CliUsageException($"--out {outPath}: folder {dir} does not exist");
        }
        File.WriteAllBytes(outPath, png);
    }

    /// <summary>Serializes a node compactly with relaxed escaping (Chinese stays readable).</summary>
    public static string Compact(JsonNode node) => node.ToJsonString(CliJson.Options);

    private static string Quote(string label) => JsonSerializer.Serialize(label, CliJson.Options);
}
