// The JSON shapes shared by the CLI and the server: {"boxes":[{"label","bbox":[x1,y1,x2,y2]}],
// "points":[{"label","point":[x,y]}], "quads":[{"label","quad":[8 numbers]}], "skipped":N} and the
// document form {"blocks":[{"kind","class","text","bbox"}], "skipped":N}. Numbers are original-image
// pixels rounded to 0.1 px (a model's own resolution is at best 1 resized pixel, >= 1 original px / 3).
using System.Text.Json.Nodes;
using QwenVL.Grounding.Documents;

namespace QwenVL.Grounding;

/// <summary>Builds the JSON forms of annotation and document results.</summary>
public static class AnnotationJson
{
    /// <summary>The annotation object of the schema.</summary>
    public static JsonObject ToJson(AnnotationSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return new JsonObject
        {
            ["boxes"] = new JsonArray([.. set.Boxes.Select(b => (JsonNode)new JsonObject { ["label"] = b.Label, ["bbox"] = Numbers(b.X1, b.Y1, b.X2, b.Y2) })]),
            ["points"] = new JsonArray([.. set.Points.Select(p => (JsonNode)new JsonObject { ["label"] = p.Label, ["point"] = Numbers(p.X, p.Y) })]),
            ["quads"] = new JsonArray([.. set.Quads.Select(q => (JsonNode)new JsonObject { ["label"] = q.Label, ["quad"] = Numbers([.. q.Coordinates]) })]),
            ["skipped"] = set.Skipped,
        };
    }

    /// <summary>The document object: blocks in reading order, bbox null when the model gave none.</summary>
    public static JsonObject ToJson(DocumentResult document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new JsonObject
        {
            ["blocks"] = new JsonArray([.. document.Blocks.Select(b => (JsonNode)new JsonObject
            {
                ["kind"] = b.Kind,
                ["class"] = b.Class,
                ["text"] = b.Text,
                ["bbox"] = b.Box is AnnotatedBox x ? Numbers(x.X1, x.Y1, x.X2, x.Y2) : null,
            })]),
            ["skipped"] = document.Skipped,
        };
    }

    private static JsonArray Numbers(params double[] values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(Math.Round(v, 1)))]);
}
